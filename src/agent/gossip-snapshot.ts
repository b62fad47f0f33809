/**
 * The pool's snapshot in data_dir (serf's snapshot.go; Consul's serf/local.snapshot and
 * serf/remote.snapshot): an append-only text log of the members seen alive and the Lamport
 * clocks, so a restarted agent rejoins the members it knew and does not reuse old Lamport
 * times. A graceful leave is recorded too: after it, the agent does not rejoin on its own
 * unless `rejoin_after_leave` is set. The format is serf's, line for line:
 * `alive: <name> <ip:port>`, `not-alive: <name>`, `clock: N`, `event-clock: N`,
 * `query-clock: N`, `leave`, `# comment`.
 */
import { appendFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../lib/index.js';

/** serf's snapshotBytesPerNode and compaction threshold: rewrite once the log is twice its content. */
const bytesPerMember = 128;
const compactionThreshold = 2;
/** serf's minimum size before compaction (Consul passes 128 KiB as MinSnapshotSize). */
const compactBytesMin = 128 * 1024;

export interface PreviousState {
  /** Members alive at the last record, name → `ip:port`. */
  alive: Map<string, string>;
  clock: number;
  eventClock: number;
  queryClock: number;
}

/** serf's replay: later lines override earlier ones; a `leave` forgets everything unless rejoining. */
export function replaySnapshot(text: string, rejoinAfterLeave: boolean, logger: Logger): PreviousState {
  const s: PreviousState = { alive: new Map(), clock: 0, eventClock: 0, queryClock: 0 };
  const clock = (line: string, prefix: string, what: string): number | undefined => {
    const n = Number(line.slice(prefix.length));
    if (Number.isSafeInteger(n) && n >= 0) return n;
    logger.warn(`serf: Failed to convert ${what} time: ${line.slice(prefix.length)}`);
    return undefined;
  };
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('coordinate: ')) continue;
    if (line.startsWith('alive: ')) {
      const rest = line.slice('alive: '.length);
      const space = rest.lastIndexOf(' ');
      if (space > 0) s.alive.set(rest.slice(0, space), rest.slice(space + 1));
    } else if (line.startsWith('not-alive: ')) s.alive.delete(line.slice('not-alive: '.length));
    else if (line.startsWith('clock: ')) s.clock = clock(line, 'clock: ', 'clock') ?? s.clock;
    else if (line.startsWith('event-clock: ')) s.eventClock = clock(line, 'event-clock: ', 'event clock') ?? s.eventClock;
    else if (line.startsWith('query-clock: ')) s.queryClock = clock(line, 'query-clock: ', 'query clock') ?? s.queryClock;
    else if (line === 'leave') {
      if (rejoinAfterLeave) {
        logger.info('serf: Ignoring previous leave in snapshot');
        continue;
      }
      Object.assign(s, { alive: new Map(), clock: 0, eventClock: 0, queryClock: 0 });
    } else logger.warn(`serf: Unrecognized snapshot line: ${line}`);
  }
  return s;
}

export class GossipSnapshot {
  private readonly alive = new Map<string, string>();
  private last = { clock: 0, eventClock: 0, queryClock: 0 };
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private bytes = 0;

  private constructor(
    private readonly path: string,
    private readonly logger: Logger,
  ) {}

  /** Opens (creating) the snapshot and replays it. */
  static async open(path: string, rejoinAfterLeave: boolean, logger: Logger): Promise<{ snapshot: GossipSnapshot; previous: PreviousState }> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const previous = replaySnapshot(text, rejoinAfterLeave, logger);
    const snapshot = new GossipSnapshot(path, logger);
    snapshot.bytes = Buffer.byteLength(text);
    for (const [k, v] of previous.alive) snapshot.alive.set(k, v);
    snapshot.last = { clock: previous.clock, eventClock: previous.eventClock, queryClock: previous.queryClock };
    return { snapshot, previous };
  }

  memberAlive(name: string, addr: string): void {
    this.alive.set(name, addr);
    this.append(`alive: ${name} ${addr}`);
  }

  memberGone(name: string): void {
    this.alive.delete(name);
    this.append(`not-alive: ${name}`);
  }

  /** The clocks' last-used times (each one's time() - 1), written when they moved on. */
  clocks(now: { clock: number; eventClock: number; queryClock: number }): void {
    const names = { clock: 'clock', eventClock: 'event-clock', queryClock: 'query-clock' } as const;
    for (const k of Object.keys(names) as Array<keyof typeof names>) {
      const seen = now[k] - 1;
      if (seen > this.last[k]) {
        this.last[k] = seen;
        this.append(`${names[k]}: ${seen}`);
      }
    }
  }

  /** A graceful leave: after a restart the agent does not rejoin on its own. */
  leave(): Promise<void> {
    this.alive.clear();
    this.append('leave');
    return this.flush();
  }

  flush(): Promise<void> {
    return this.writing;
  }

  private append(line: string): void {
    this.pending.push(`${line}\n`);
    if (this.pending.length === 1) this.writing = this.writing.then(() => this.write());
  }

  private async write(): Promise<void> {
    const chunk = this.pending.join('');
    this.pending = [];
    try {
      const limit = Math.max(compactBytesMin, this.alive.size * bytesPerMember * compactionThreshold);
      if (this.bytes + chunk.length > limit) await this.compact();
      else {
        await appendFile(this.path, chunk, { mode: 0o600 });
        this.bytes += Buffer.byteLength(chunk);
      }
    } catch (err) {
      this.logger.error('serf: Failed to write to snapshot', { error: (err as Error).message });
    }
  }

  /** serf's compact: the alive members and clocks only, written aside and renamed over. */
  private async compact(): Promise<void> {
    const lines = [...this.alive].map(([n, a]) => `alive: ${n} ${a}\n`);
    lines.push(`clock: ${this.last.clock}\n`, `event-clock: ${this.last.eventClock}\n`, `query-clock: ${this.last.queryClock}\n`);
    const text = lines.join('');
    await writeFile(`${this.path}.compact`, text, { mode: 0o600 });
    await rename(`${this.path}.compact`, this.path);
    this.bytes = (await stat(this.path)).size;
  }
}
