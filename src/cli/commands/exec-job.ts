/**
 * Waiting for a remote exec job (Consul's command/exec waitForJob and streamResults): blocking
 * key listings of `<prefix>/<session>/` turn each new key into one event, in key order: an
 * `ack`, an `exit` (its value read), an `out/%05x` chunk (read; empty: a heartbeat), or an
 * unknown key. One change from Consul: the exits of a listing come after its other keys. In key
 * order `<node>/exit` sorts before `<node>/out/...`, so when a node's last output and its exit
 * land in one wake-up (a short job), Consul's prints "finished" above the output. The job ends
 * after a quiet period of `-wait`, doubled while some node acked and has not exited; then
 * "N / M node(s) completed / acknowledged". Exit 2 when a node exited non-zero or acked without
 * exiting, 1 when the results could not be read or on a signal.
 */
import type { Client } from '../../api/index.js';
import { complain, say, writeBytes, type Ui } from '../command.js';
import { goQuote } from '../../lib/index.js';
import { errorMessage, goPathJoin } from './shared.js';

export const rExecFileName = 'job';
export const rExecAckSuffix = '/ack';
export const rExecExitSuffix = '/exit';
export const rExecOutputDivider = '/out/';

export type JobEvent =
  | { kind: 'ack'; node: string }
  | { kind: 'heartbeat'; node: string }
  | { kind: 'output'; node: string; output: Buffer }
  | { kind: 'exit'; node: string; code: number }
  | { kind: 'error' };

/** Go's unicode.IsSpace runes, as UTF-8, that TrimRightFunc removes from the end of a line. */
const spaceSequences = [' ', '\t', '\n', '\v', '\f', '\r', '\u0085', '\u00a0', '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000']
  .concat(Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)))
  .map((s) => Buffer.from(s, 'utf8'));

function trimRightSpace(b: Buffer): Buffer {
  let end = b.length;
  for (;;) {
    const seq = spaceSequences.find((s) => end >= s.length && b.subarray(end - s.length, end).equals(s));
    if (!seq) return b.subarray(0, end);
    end -= seq.length;
  }
}

/**
 * Go's TargetedUI.prefixLines: each line of `message` as `==> node: line` (arrow) or
 * `    node: line`, then trailing white space trimmed. Bytes are kept as they are.
 */
export function prefixLines(arrow: boolean, target: string, message: Buffer | string): Buffer {
  const msg = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  const prefix = Buffer.from(`${arrow ? '==>' : '   '} ${target}: `, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = msg.indexOf(0x0a, start);
    parts.push(prefix, msg.subarray(start, nl < 0 ? msg.length : nl), Buffer.from('\n'));
    if (nl < 0) break;
    start = nl + 1;
  }
  return trimRightSpace(Buffer.concat(parts));
}

/** A queue of job events with one waiting reader (Go's channels of waitForJob). */
class EventQueue {
  private readonly items: JobEvent[] = [];
  private waiter: ((e: JobEvent | undefined) => void) | undefined;

  push(e: JobEvent): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w(e);
    else this.items.push(e);
  }

  /** The next event, or undefined after `timeoutMs` without one. */
  next(timeoutMs: number, signal: AbortSignal): Promise<JobEvent | undefined> {
    const e = this.items.shift();
    if (e) return Promise.resolve(e);
    return new Promise((resolve) => {
      const done = (v: JobEvent | undefined): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiter = undefined;
        resolve(v);
      };
      const onAbort = (): void => done(undefined);
      const timer = setTimeout(() => done(undefined), timeoutMs);
      signal.addEventListener('abort', onAbort);
      this.waiter = done;
    });
  }
}

export interface JobWatch {
  client: Client;
  prefix: string;
  sessionID: string;
  waitMs: number;
  verbose: boolean;
  ui: Ui;
  /** Aborted by SIGINT/SIGTERM. */
  shutdown: AbortSignal;
}

/** Go's waitForJob; resolves to the command's exit code. */
export async function waitForJob(w: JobWatch): Promise<number> {
  const startMs = performance.now();
  const queue = new EventQueue();
  const stop = new AbortController();
  const streaming = streamResults(w, queue, stop.signal);
  let ackCount = 0;
  let exitCount = 0;
  let badExit = 0;
  const info = (node: string, text: string): void => writeBytes(w.ui, Buffer.concat([prefixLines(true, node, text), Buffer.from('\n')]));
  try {
    for (;;) {
      const waitMs = ackCount > exitCount ? 2 * w.waitMs : w.waitMs;
      const e = await queue.next(waitMs, w.shutdown);
      if (w.shutdown.aborted) return 1;
      if (!e) break;
      if (e.kind === 'error') return 1;
      if (e.kind === 'ack') {
        ackCount++;
        if (w.verbose) info(e.node, 'acknowledged');
      } else if (e.kind === 'heartbeat') {
        if (w.verbose) info(e.node, 'heartbeat received');
      } else if (e.kind === 'output') {
        writeBytes(w.ui, Buffer.concat([prefixLines(false, e.node, e.output), Buffer.from('\n')]));
      } else {
        exitCount++;
        info(e.node, `finished with exit code ${e.code}`);
        if (e.code !== 0) badExit++;
      }
    }
    say(w.ui, `${exitCount} / ${ackCount} node(s) completed / acknowledged`);
    if (w.verbose) say(w.ui, `Completed in ${((performance.now() - startMs) / 1000).toFixed(2)} seconds`);
    if (exitCount < ackCount) badExit++;
    return badExit > 0 ? 2 : 0;
  } finally {
    stop.abort();
    await streaming;
  }
}

/** Go's streamResults: blocking listings of the job's directory until stopped or an error. */
async function streamResults(w: JobWatch, queue: EventQueue, stop: AbortSignal): Promise<void> {
  const kv = w.client.kv;
  const dir = goPathJoin(w.prefix, w.sessionID) + '/';
  const seen = new Set<string>();
  let waitIndex = 0;
  while (!stop.aborted) {
    let keys: string[];
    try {
      const r = await kv.keys(dir, '', { index: waitIndex, waitMs: w.waitMs, signal: stop });
      if (r.meta.lastIndex === waitIndex) continue;
      waitIndex = r.meta.lastIndex;
      keys = r.value;
    } catch (e) {
      if (stop.aborted) return;
      complain(w.ui, `Failed to read results: ${errorMessage(e)}`);
      queue.push({ kind: 'error' });
      return;
    }
    // A stable sort: the listing's key order, except that exits go last.
    const fresh = keys.filter((k) => !seen.has(k)).sort((a, b) => Number(a.endsWith(rExecExitSuffix)) - Number(b.endsWith(rExecExitSuffix)));
    for (const full of fresh) {
      seen.add(full);
      const e = await keyEvent(w, full, full.startsWith(dir) ? full.slice(dir.length) : full, stop);
      if (stop.aborted) return;
      if (e) queue.push(e);
    }
  }
}

/** One new key's event (undefined: the job file, or a key that could not be read). */
async function keyEvent(w: JobWatch, full: string, key: string, stop: AbortSignal): Promise<JobEvent | undefined> {
  const read = async (): Promise<Buffer | undefined> => {
    let value: Buffer | undefined;
    let problem = '<nil>';
    try {
      value = (await w.client.kv.get(full, { signal: stop })).value?.value;
    } catch (e) {
      problem = errorMessage(e);
    }
    if (value === undefined && !stop.aborted) complain(w.ui, `Failed to read key '${full}': ${problem}`);
    return value;
  };
  if (key === rExecFileName) return undefined;
  if (key.endsWith(rExecAckSuffix)) return { kind: 'ack', node: key.slice(0, -rExecAckSuffix.length) };
  if (key.endsWith(rExecExitSuffix)) {
    const value = await read();
    if (value === undefined) return undefined;
    const code = parseExitCode(value.toString('utf8'));
    if (typeof code === 'string') {
      complain(w.ui, code);
      return undefined;
    }
    return { kind: 'exit', node: key.slice(0, -rExecExitSuffix.length), code };
  }
  const idx = key.lastIndexOf(rExecOutputDivider);
  if (idx !== -1) {
    const value = await read();
    if (value === undefined) return undefined;
    const node = key.slice(0, idx);
    return value.length === 0 ? { kind: 'heartbeat', node } : { kind: 'output', node, output: value };
  }
  complain(w.ui, `Unknown key '${key}', ignoring.`);
  return undefined;
}

/** strconv.ParseInt(text, 10, 32), or Consul's complaint about it. */
export function parseExitCode(text: string): number | string {
  const fail = (why: string): string => `Failed to parse exit code '${text}': strconv.ParseInt: parsing ${goQuote(text)}: ${why}`;
  if (!/^[+-]?[0-9]+$/.test(text)) return fail('invalid syntax');
  const n = BigInt(text);
  if (n < -(2n ** 31n) || n >= 2n ** 31n) return fail('value out of range');
  return Number(n);
}
