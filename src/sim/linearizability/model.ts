/**
 * A sequential specification for the checker: what one object (a register, one KV key) does
 * when operations run one at a time. Porcupine's `Model`, with a state hash for the memo cache.
 */
import type { Unknown } from './history.js';

export interface Model<S, I, O> {
  readonly name: string;
  /** The state of partition `partition` before any operation. States must not be `undefined`. */
  init(partition: string): S;
  /**
   * The state after `input` ran from `state` and answered `output`, or `undefined` when that
   * answer is impossible from `state`. With `UNKNOWN` any answer is allowed; the effect must
   * still be the one the operation has from `state` (it is deterministic). States are
   * immutable: return the same object when nothing changed.
   */
  step(state: S, input: I, output: O | Unknown): S | undefined;
  equal(a: S, b: S): boolean;
  /** A 32-bit hash consistent with `equal`. */
  hash(state: S): number;
  /**
   * P-compositionality (Horn & Kroening): operations on different partitions never affect
   * each other, so each partition is checked on its own. Absent: one partition, "".
   */
  partition?(input: I): string;
  /**
   * True when the operation never changes the state. An indeterminate read-only operation
   * accepts every state and changes none, so the checker drops it before searching.
   */
  readOnly?(input: I): boolean;
  /**
   * True when an indeterminate operation with this input, placed after every other operation,
   * is legal from any state: it may simply never have happened. The checker then never has to
   * place it, and prunes orders that differ only by such operations. Absent: false.
   */
  droppable?(input: I): boolean;
  describeOperation(input: I, output: O | Unknown): string;
  describeState(state: S): string;
}

/** A 32-bit integer mix (murmur3's finalizer). */
export function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of a string. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/** Combines two 32-bit hashes (order matters). */
export function combineHash(a: number, b: number): number {
  return mix32((Math.imul(a, 0x9e3779b1) ^ b) >>> 0);
}

/** A 32-bit hash of any number (integers up to 2^53 use both halves). */
export function hashNumber(n: number): number {
  if (Number.isSafeInteger(n)) return combineHash(mix32(n >>> 0), mix32(Math.floor(n / 0x1_0000_0000)));
  return hashString(String(n));
}
