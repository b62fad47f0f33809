/**
 * Linearizable histories by construction, for tests and benchmarks: clients run operations one
 * after another with random durations; each operation takes effect at a random moment inside
 * its interval (its linearization point); running the model in the order of those moments
 * gives every output. Indeterminate operations (output `UNKNOWN`) take effect or not, at any
 * moment after their call, even after the client moved on. Written values are unique.
 */
import type { Rng } from '../../lib/rng.js';
import { UNKNOWN, type Operation } from './history.js';
import type { KvOperation } from './kv-history.js';
import type { KvEntry, KvInput, KvOutput, RegisterInput, RegisterOutput } from './models.js';

export interface RandomHistoryOptions {
  readonly clients: number;
  readonly opsPerClient: number;
  /** Distinct keys (KV only). */
  readonly keys: number;
  /** Probability that an operation is indeterminate. */
  readonly unknownRate: number;
  /** Operations last 1 to this many time units. */
  readonly durationMax: number;
  /** A client waits 0 to this many time units between operations. */
  readonly gapMax: number;
}

export const RANDOM_HISTORY_DEFAULTS: RandomHistoryOptions = { clients: 5, opsPerClient: 20, keys: 3, unknownRate: 0.05, durationMax: 10, gapMax: 3 };

interface Slot {
  readonly clientId: number;
  readonly call: number;
  readonly ret: number;
  /** When it takes effect; +Infinity: never (an indeterminate operation that did not apply). */
  readonly at: number;
  readonly unknown: boolean;
}

/** Call and return times per client, and when each operation takes effect, sorted by that. */
function timeline(rng: Rng, o: RandomHistoryOptions): Slot[] {
  const slots: Slot[] = [];
  for (let c = 0; c < o.clients; c++) {
    let t = rng.int(o.gapMax + 1);
    for (let k = 0; k < o.opsPerClient; k++) {
      const call = t + rng.int(o.gapMax + 1);
      const ret = call + 1 + rng.int(o.durationMax);
      const unknown = rng.next() < o.unknownRate;
      // an indeterminate operation may apply long after the client gave up, or never
      const late = unknown ? rng.next() * o.durationMax * o.opsPerClient : 0;
      const at = unknown && rng.next() < 0.5 ? Infinity : call + (ret - call + late) * (0.001 + 0.998 * rng.next());
      slots.push({ clientId: c, call, ret, at, unknown });
      t = ret;
    }
  }
  return slots.sort((a, b) => a.at - b.at);
}

function pick<T>(rng: Rng, xs: readonly T[]): T | undefined {
  return xs.length === 0 ? undefined : xs[rng.int(xs.length)];
}

function finish<I, O>(slot: Slot, input: I, output: O): Operation<I, O> {
  if (slot.unknown) return { clientId: slot.clientId, input, output: UNKNOWN, call: slot.call, ret: Infinity };
  return { clientId: slot.clientId, input, output, call: slot.call, ret: slot.ret };
}

/** A linearizable Jepsen cas-register history. */
export function randomRegisterHistory(rng: Rng, o: RandomHistoryOptions = RANDOM_HISTORY_DEFAULTS): Operation<RegisterInput, RegisterOutput>[] {
  let state: number | null = null;
  let nextValue = 1;
  const written: number[] = [];
  return timeline(rng, o).map((slot) => {
    const applies = slot.at !== Infinity;
    const r = rng.next();
    if (r < 0.4) return finish<RegisterInput, RegisterOutput>(slot, { kind: 'read' }, state);
    if (r < 0.7) {
      const value = nextValue++;
      written.push(value);
      if (applies) state = value;
      return finish<RegisterInput, RegisterOutput>(slot, { kind: 'write', value }, true);
    }
    const from = rng.next() < 0.5 && state !== null ? state : (pick(rng, written) ?? 0);
    const to = nextValue++;
    written.push(to);
    const swaps = state === from;
    if (applies && swaps) state = to;
    return finish<RegisterInput, RegisterOutput>(slot, { kind: 'cas', from, to }, swaps);
  });
}

/** A linearizable Consul KV history; ModifyIndex is a global Raft index, one per applied write. */
export function randomKvHistory(rng: Rng, o: RandomHistoryOptions = RANDOM_HISTORY_DEFAULTS): KvOperation[] {
  const store = new Map<string, KvEntry>();
  const seen = new Map<string, number[]>(); // key -> ModifyIndexes completed reads returned
  let raftIndex = 0;
  let nextValue = 1;
  return timeline(rng, o).map((slot) => {
    const key = `k${rng.int(Math.max(1, o.keys))}`;
    const applies = slot.at !== Infinity;
    const current = store.get(key) ?? null;
    const r = rng.next();
    if (r < 0.4) {
      if (!slot.unknown && current !== null) seen.set(key, [...(seen.get(key) ?? []), current.modifyIndex]);
      return finish<KvInput, KvOutput>(slot, { kind: 'get', key }, current);
    }
    if (r < 0.65) {
      const value = `v${nextValue++}`;
      if (applies) store.set(key, { value, modifyIndex: ++raftIndex });
      return finish<KvInput, KvOutput>(slot, { kind: 'put', key, value }, true);
    }
    if (r < 0.9) {
      const known = seen.get(key) ?? [];
      const c = rng.next();
      const index = c < 0.5 ? (known[known.length - 1] ?? 0) : c < 0.7 ? (pick(rng, known) ?? 0) : 0;
      const value = `v${nextValue++}`;
      const matches = index === 0 ? current === null : current !== null && current.modifyIndex === index;
      if (applies && matches) store.set(key, { value, modifyIndex: ++raftIndex });
      return finish<KvInput, KvOutput>(slot, { kind: 'cas', key, index, value }, matches);
    }
    if (applies) {
      store.delete(key);
      raftIndex++;
    }
    return finish<KvInput, KvOutput>(slot, { kind: 'delete', key }, true);
  });
}
