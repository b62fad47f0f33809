/**
 * The client workload: a few clients, each with one operation at a time on a few keys: a
 * read (40%; ?consistent, or the default lease mode with swarm.leaseReadProb), a put of a value unique to the write (30%), or a CAS on the
 * ModifyIndex the client last read for the key (30%; a put when it has read nothing yet).
 * Every operation is recorded in a HistoryRecorder as it is invoked and answered.
 *
 * A refusal proves the attempt had no effect, so the client retries the SAME operation on the
 * leader named in the refusal (or another server) after a short backoff. An attempt with no
 * answer within swarm.attemptTimeoutMs makes the operation indeterminate (it may still take
 * effect); the client moves on to a NEW operation with a new value (a retry of the same value
 * could apply it twice). Client links never duplicate (HTTP over TCP). Pure.
 */
import type { Rng } from '../../lib/index.js';
import type { ReadMode } from '../../raft/index.js';
import type { HistoryRecorder, KvInput, KvOutput, PendingCall } from '../linearizability/index.js';
import type { EventQueue } from './event-queue.js';
import type { ClientOp, ClientRequest, ClientResponse } from './protocol.js';
import type { SimNetwork } from './sim-network.js';
import type { Swarm } from './swarm.js';
import type { Trace } from './trace.js';

export interface ClientEnv {
  q: EventQueue;
  net: SimNetwork;
  swarm: Swarm;
  recorder: HistoryRecorder<KvInput, KvOutput>;
  trace: Trace;
  ids: readonly string[];
  deliver(server: string, r: ClientRequest): void;
}

/** Retry backoff after a refusal: uniform in [BACKOFF_MIN_MS, BACKOFF_MAX_MS). */
const BACKOFF_MIN_MS = 2;
const BACKOFF_MAX_MS = 20;
/** Operations each client completes after the heal (a write and a read): liveness. */
export const FINAL_OPS = 2;

type Mode = 'run' | 'final' | 'done';

export class SimClient {
  private op: { pending: PendingCall; input: ClientOp; final: boolean; readMode: ReadMode } | undefined;
  /** The attempt in flight (0: none, e.g. during a backoff). */
  private attempt = 0;
  private attempts = 0;
  private target: string | undefined;
  private readonly known = new Map<string, number>();
  private values = 0;
  private mode: Mode = 'run';
  private finalLeft = FINAL_OPS;
  readonly stats = { ops: 0, ok: 0, timeouts: 0, refusals: 0 };

  constructor(readonly id: number, private readonly rng: Rng, private readonly env: ClientEnv) {}

  get done(): boolean {
    return this.mode === 'done';
  }

  /** Whether an operation is open (invoked, not yet answered or timed out). */
  get busy(): boolean {
    return this.op !== undefined;
  }

  start(): void {
    this.scheduleNext();
  }

  /** The heal: finish what is open, then do FINAL_OPS operations that must complete. */
  finish(): void {
    this.mode = 'final';
    if (this.op === undefined) this.scheduleNext();
  }

  private scheduleNext(): void {
    const think = -this.env.swarm.thinkMeanMs * Math.log(1 - this.rng.next());
    this.env.q.after(think, () => this.nextOp());
  }

  private nextOp(): void {
    if (this.op !== undefined || this.mode === 'done') return;
    if (this.mode === 'final' && this.finalLeft === 0) {
      this.mode = 'done';
      return;
    }
    const input = this.mode === 'final' ? this.finalOp() : this.randomOp();
    const { recorder, q, trace } = this.env;
    const readMode: ReadMode = this.rng.next() < this.env.swarm.leaseReadProb ? 'lease' : 'quorum';
    this.op = { pending: recorder.invoke(this.id, input, q.now), input, final: this.mode === 'final', readMode };
    this.stats.ops++;
    trace.add(q.now, `c${this.id}`, `invoke ${describeOp(input)}${input.kind === 'get' ? ` (${readMode})` : ''}`);
    this.sendAttempt();
  }

  private randomOp(): ClientOp {
    const key = `k${this.rng.int(this.env.swarm.keys)}`;
    const r = this.rng.next();
    if (r < 0.4) return { kind: 'get', key };
    const value = `c${this.id}-${++this.values}`;
    const index = this.known.get(key);
    if (r < 0.7 || index === undefined) return { kind: 'put', key, value };
    return { kind: 'cas', key, index, value };
  }

  private finalOp(): ClientOp {
    const key = `k${this.id % this.env.swarm.keys}`;
    return this.finalLeft === FINAL_OPS ? { kind: 'put', key, value: `c${this.id}-${++this.values}` } : { kind: 'get', key };
  }

  private sendAttempt(): void {
    const op = this.op;
    if (op === undefined) return;
    const attempt = ++this.attempts;
    this.attempt = attempt;
    const ids = this.env.ids;
    const target = this.target ?? (ids[this.rng.int(ids.length)] as string);
    this.target = target;
    const req: ClientRequest = { client: this.id, attempt, op: op.input, readMode: op.readMode };
    this.env.net.sendClient(() => this.env.deliver(target, req));
    this.env.q.after(this.env.swarm.attemptTimeoutMs, () => this.timeout(attempt));
  }

  /** An answer from a server (possibly to an attempt given up on: ignored). */
  answer(r: ClientResponse): void {
    const op = this.op;
    if (op === undefined || r.attempt !== this.attempt) return;
    const { q, trace, recorder, ids } = this.env;
    if (r.kind === 'refused') {
      this.stats.refusals++;
      this.attempt = 0;
      const others = ids.filter((id) => id !== this.target);
      this.target = r.leader !== '' && r.leader !== this.target ? r.leader : others[this.rng.int(others.length)];
      q.after(BACKOFF_MIN_MS + this.rng.next() * (BACKOFF_MAX_MS - BACKOFF_MIN_MS), () => {
        if (this.op === op) this.sendAttempt();
      });
      return;
    }
    recorder.complete(op.pending, r.output, q.now);
    trace.add(q.now, `c${this.id}`, `ok ${describeOp(op.input)} -> ${describeOutput(r.output)}`);
    this.stats.ok++;
    if (op.input.kind === 'get') {
      const out = r.output;
      this.known.set(op.input.key, out === null || typeof out === 'boolean' ? 0 : out.modifyIndex);
    }
    if (op.final) this.finalLeft--;
    this.closeOp();
  }

  private timeout(attempt: number): void {
    const op = this.op;
    if (op === undefined || attempt !== this.attempt) return;
    this.env.recorder.timeout(op.pending);
    this.env.trace.add(this.env.q.now, `c${this.id}`, `TIMEOUT ${describeOp(op.input)} (indeterminate)`);
    this.stats.timeouts++;
    this.target = undefined;
    this.closeOp();
  }

  private closeOp(): void {
    this.op = undefined;
    this.attempt = 0;
    this.scheduleNext();
  }
}

export function describeOp(op: ClientOp): string {
  switch (op.kind) {
    case 'get': return `get ${op.key}`;
    case 'put': return `put ${op.key}=${op.value}`;
    case 'cas': return `cas ${op.key}@${op.index}=${op.value}`;
  }
}

function describeOutput(o: KvOutput): string {
  if (o === null) return 'not found';
  if (typeof o === 'boolean') return String(o);
  return `${o.value}@${o.modifyIndex}`;
}
