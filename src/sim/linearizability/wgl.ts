/**
 * The Wing–Gong linearizability check with Lowe's memo cache and P-compositionality, as in
 * porcupine's `checker.go` (RELIABILITY-NOTES §2):
 *
 * 1. Calls and returns of one partition go into a time-ordered doubly linked list (on equal
 *    times calls come first, so touching operations count as concurrent).
 * 2. From the head: at a call whose `step` is legal and whose (linearized set + it, new state)
 *    is not in the cache, push it, lift its call and return out of the list, restart at the head.
 * 3. At a return whose call is not linearized yet: pop the last linearized call, restore its
 *    state, put it back, and try the call after it.
 * 4. An empty list: linearizable. A return with nothing to pop: not linearizable.
 *
 * wgl-search.ts has the loop, with refinements for indeterminate operations (see there).
 * Every loop iteration is one step; past `stepsMax` a partition gives 'unknown' instead of
 * running on (checking is NP-complete).
 */
import { isUnknown, normalizeHistory, type Operation } from './history.js';
import type { Model } from './model.js';
import { describeFailure, failureDetail, type FailureDetail } from './report.js';
import { searchPartition } from './wgl-search.js';

/** Steps per partition before giving up: about 4–8 s of search at 200–400 ns a step. */
export const WGL_STEPS_MAX_DEFAULT = 20_000_000;
/** Memo cache bytes per partition before giving up (it holds one bitset per explored configuration). */
export const WGL_CACHE_BYTES_MAX_DEFAULT = 512 * 1024 * 1024;

export interface CheckOptions {
  /** Search steps allowed per partition before the verdict is 'unknown'. */
  readonly stepsMax?: number;
  /** Memo cache bytes allowed per partition before the verdict is 'unknown'. */
  readonly cacheBytesMax?: number;
}

export type CheckResult<I, O> =
  | { readonly ok: true; readonly partitions: number; readonly steps: number }
  | {
      readonly ok: false;
      readonly partition: string;
      /** The longest sequence of operations of that partition found to linearize, in order. */
      readonly longestPrefix: Operation<I, O>[];
      readonly failure: FailureDetail<I, O>;
      /** A human-readable account of the failure. */
      readonly description: string;
      readonly steps: number;
    }
  | { readonly ok: 'unknown'; readonly partitions: string[]; readonly steps: number };

/** One operation of a partition, with its position in the whole history for reports. */
export interface IndexedOperation<I, O> {
  readonly index: number;
  readonly op: Operation<I, O>;
}

/** Checks a whole history: normalizes it, splits it by partition, searches each partition. */
export function checkHistory<S, I, O>(model: Model<S, I, O>, history: readonly Operation<I, O>[], options: CheckOptions = {}): CheckResult<I, O> {
  const limits = { stepsMax: options.stepsMax ?? WGL_STEPS_MAX_DEFAULT, cacheBytesMax: options.cacheBytesMax ?? WGL_CACHE_BYTES_MAX_DEFAULT };
  const parts = partitionHistory(model, normalizeHistory(history));
  let steps = 0;
  const unknown: string[] = [];
  for (const [key, ops] of parts) {
    const result = searchPartition(model, key, ops, limits);
    steps += result.steps;
    if (result.kind === 'unknown') unknown.push(key);
    if (result.kind === 'illegal') {
      const longestPrefix = result.longest.map((i) => (ops[i] as IndexedOperation<I, O>).op);
      const failure = failureDetail(model, key, ops, result.longest);
      return { ok: false, partition: key, longestPrefix, failure, description: describeFailure(model, failure), steps };
    }
  }
  if (unknown.length > 0) return { ok: 'unknown', partitions: unknown, steps };
  return { ok: true, partitions: parts.size, steps };
}

/** Groups operations by `model.partition`, in order of first appearance; drops indeterminate reads. */
export function partitionHistory<S, I, O>(model: Model<S, I, O>, history: readonly Operation<I, O>[]): Map<string, IndexedOperation<I, O>[]> {
  const parts = new Map<string, IndexedOperation<I, O>[]>();
  history.forEach((op, index) => {
    if (isUnknown(op.output) && model.readOnly?.(op.input) === true) return;
    const key = model.partition?.(op.input) ?? '';
    let list = parts.get(key);
    if (list === undefined) {
      list = [];
      parts.set(key, list);
    }
    list.push({ index, op });
  });
  return parts;
}
