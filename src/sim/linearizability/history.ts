/**
 * Histories for the linearizability checker: one `Operation` per client call, with the time the
 * client invoked it (`call`) and the time it saw the answer (`ret`). Times are any numbers on
 * one clock (simulated milliseconds, event sequence numbers); only their order matters.
 *
 * An indeterminate operation (a timeout, a lost connection, a crash of the client) has the
 * output `UNKNOWN`: it may have taken effect at any moment after its call, even after the
 * client gave up, so `normalizeHistory` moves its return to +Infinity (the end of the history),
 * and models accept any output for it.
 */
import { assert } from '../../lib/assert.js';

/** The output of an operation whose outcome the client never learned. */
export const UNKNOWN: unique symbol = Symbol.for('muster.linearizability.unknown');
export type Unknown = typeof UNKNOWN;

export interface Operation<I, O> {
  readonly clientId: number;
  readonly input: I;
  readonly output: O | Unknown;
  /** When the client invoked it. */
  readonly call: number;
  /** When the client saw the answer; +Infinity when the output is `UNKNOWN`. */
  readonly ret: number;
}

export function isUnknown<O>(output: O | Unknown): output is Unknown {
  return output === UNKNOWN;
}

/**
 * Checks times and gives every indeterminate operation ret = +Infinity. The result is a new
 * array; the operations themselves are not changed.
 */
export function normalizeHistory<I, O>(ops: readonly Operation<I, O>[]): Operation<I, O>[] {
  return ops.map((op, i) => {
    assert(Number.isFinite(op.call), `history: operation ${i} has a call time that is not finite: ${op.call}`);
    if (isUnknown(op.output)) return op.ret === Infinity ? op : { ...op, ret: Infinity };
    assert(!Number.isNaN(op.ret) && op.ret >= op.call, `history: operation ${i} returns (${op.ret}) before its call (${op.call})`);
    return op;
  });
}

/** Porcupine's event form: a call and a return per operation `id`, in the order they happened. */
export type HistoryEvent<I, O> =
  | { readonly kind: 'call'; readonly id: number; readonly clientId: number; readonly input: I }
  | { readonly kind: 'return'; readonly id: number; readonly output: O | Unknown };

/**
 * Turns an ordered event list into operations (time = position in the list). A call with no
 * return is indeterminate.
 */
export function operationsFromEvents<I, O>(events: readonly HistoryEvent<I, O>[]): Operation<I, O>[] {
  const calls = new Map<number, { clientId: number; input: I; call: number }>();
  const done = new Map<number, Operation<I, O>>();
  const order: number[] = [];
  events.forEach((e, time) => {
    if (e.kind === 'call') {
      assert(!calls.has(e.id), `history: operation ${e.id} is called twice`);
      calls.set(e.id, { clientId: e.clientId, input: e.input, call: time });
      order.push(e.id);
      return;
    }
    const c = calls.get(e.id);
    assert(c !== undefined, `history: operation ${e.id} returns before it is called`);
    assert(!done.has(e.id), `history: operation ${e.id} returns twice`);
    done.set(e.id, { ...c, output: e.output, ret: isUnknown(e.output) ? Infinity : time });
  });
  return order.map((id) => {
    const c = calls.get(id);
    assert(c !== undefined, 'history: lost call');
    return done.get(id) ?? { ...c, output: UNKNOWN, ret: Infinity };
  });
}

export interface PendingCall {
  readonly id: number;
}

/**
 * Records a history as it happens, for the simulator and real-process tests: `invoke` when a
 * client sends a request, `complete` when it gets the answer, `timeout` when it gives up. Any
 * call still open when `operations()` is called is indeterminate. Times come from the caller's
 * clock and must not go backwards.
 */
export class HistoryRecorder<I, O> {
  private readonly open = new Map<number, { clientId: number; input: I; call: number; seq: number }>();
  private readonly closed: { seq: number; op: Operation<I, O> }[] = [];
  private nextId = 0;
  private lastTime = -Infinity;

  invoke(clientId: number, input: I, time: number): PendingCall {
    this.advance(time);
    const id = this.nextId++;
    this.open.set(id, { clientId, input, call: time, seq: id });
    return { id };
  }

  complete(pending: PendingCall, output: O, time: number): void {
    this.advance(time);
    this.close(pending, output, time);
  }

  /** The client gave up: the operation may or may not have taken effect. */
  timeout(pending: PendingCall): void {
    this.close(pending, UNKNOWN, Infinity);
  }

  /** Every operation so far, in call order; open calls are indeterminate. */
  operations(): Operation<I, O>[] {
    const all = [...this.closed];
    for (const c of this.open.values()) {
      all.push({ seq: c.seq, op: { clientId: c.clientId, input: c.input, call: c.call, output: UNKNOWN, ret: Infinity } });
    }
    return all.sort((a, b) => a.seq - b.seq).map((x) => x.op);
  }

  private close(pending: PendingCall, output: O | Unknown, ret: number): void {
    const c = this.open.get(pending.id);
    assert(c !== undefined, `history: operation ${pending.id} is not open`);
    this.open.delete(pending.id);
    this.closed.push({ seq: c.seq, op: { clientId: c.clientId, input: c.input, call: c.call, output, ret } });
  }

  private advance(time: number): void {
    assert(Number.isFinite(time) && time >= this.lastTime, `history: time went backwards (${time} < ${this.lastTime})`);
    this.lastTime = time;
  }
}
