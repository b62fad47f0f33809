/**
 * What a human needs when a history is not linearizable: the partition (KV key), the longest
 * order of its operations the search could build, the state that order leaves, and the
 * operation that returned before any legal order could place it, with every operation that
 * could have gone next from that state.
 *
 * "Longest" counts operations that had to be placed (not droppable indeterminate ones). Each
 * candidate is marked legal or not from the state after the prefix: an illegal one could not
 * go next; a legal one could, but the search found no order of the rest after it.
 */
import { isUnknown, type Operation } from './history.js';
import type { Model } from './model.js';
import type { IndexedOperation } from './wgl.js';

/** Prefix operations shown in a description (the last ones; the detail holds them all). */
export const REPORT_PREFIX_SHOWN_MAX = 10;
/** Candidates shown in a description. */
export const REPORT_CANDIDATES_SHOWN_MAX = 20;

export interface ReportedOperation<I, O> {
  /** Position in the history given to the checker. */
  readonly index: number;
  readonly op: Operation<I, O>;
  /** e.g. `get("k") -> "v5" @ModifyIndex 31` */
  readonly text: string;
}

export interface ReportedCandidate<I, O> extends ReportedOperation<I, O> {
  /** Whether the model allows it right after the prefix. */
  readonly legal: boolean;
}

export interface FailureDetail<I, O> {
  readonly partition: string;
  readonly model: string;
  readonly partitionSize: number;
  /** The longest linearizable prefix, in linearization order. */
  readonly prefix: ReportedOperation<I, O>[];
  /** The model state after the prefix, described. */
  readonly stateAfterPrefix: string;
  /** The operation that returned before it could be linearized. */
  readonly stuck: ReportedOperation<I, O>;
  /** Every operation that could have gone next after the prefix (by call and return times). */
  readonly candidates: ReportedCandidate<I, O>[];
}

export function failureDetail<S, I, O>(model: Model<S, I, O>, partition: string, ops: readonly IndexedOperation<I, O>[], longest: readonly number[]): FailureDetail<I, O> {
  const reported = (i: number): ReportedOperation<I, O> => {
    const x = ops[i];
    if (x === undefined) throw new RangeError(`linearizability report: no operation ${i}`);
    return { index: x.index, op: x.op, text: model.describeOperation(x.op.input, x.op.output) };
  };
  let state = model.init(partition);
  for (const i of longest) {
    const x = reported(i);
    state = model.step(state, x.op.input, x.op.output) ?? state;
  }
  const inPrefix = new Set(longest);
  const rest = ops.map((_, i) => i).filter((i) => !inPrefix.has(i));
  const stuckAt = rest.reduce((best, i) => (retOf(ops, i) < retOf(ops, best) ? i : best), rest[0] ?? 0);
  const deadline = retOf(ops, stuckAt);
  const candidates = rest.filter((i) => callOf(ops, i) <= deadline).sort((a, b) => callOf(ops, a) - callOf(ops, b) || a - b);
  return {
    partition,
    model: model.name,
    partitionSize: ops.length,
    prefix: longest.map(reported),
    stateAfterPrefix: model.describeState(state),
    stuck: reported(stuckAt),
    candidates: candidates.map((i) => {
      const x = reported(i);
      return { ...x, legal: model.step(state, x.op.input, x.op.output) !== undefined };
    }),
  };
}

export function describeFailure<S, I, O>(_model: Model<S, I, O>, d: FailureDetail<I, O>): string {
  const where = d.partition === '' ? 'the history' : `partition ${JSON.stringify(d.partition)}`;
  const lines = [`not linearizable: ${where} (model ${d.model}, ${d.partitionSize} operations)`];
  const shown = d.prefix.slice(-REPORT_PREFIX_SHOWN_MAX);
  if (d.prefix.length === 0) {
    lines.push('no operation can be linearized first');
  } else {
    const which = shown.length < d.prefix.length ? `; the last ${shown.length}` : '';
    lines.push(`the longest linearizable prefix has ${d.prefix.length} operations${which}:`);
    for (const x of shown) lines.push(`  ${line(x)}`);
  }
  lines.push(`state ${d.prefix.length === 0 ? 'at the start' : 'after it'}: ${d.stateAfterPrefix}`);
  lines.push(`this operation returned before any legal order could place it:`);
  lines.push(`  ${line(d.stuck)}`);
  const cands = d.candidates.slice(0, REPORT_CANDIDATES_SHOWN_MAX);
  const more = d.candidates.length > cands.length ? ` (first ${cands.length} shown)` : '';
  const n = d.candidates.length;
  const which = n === 1 ? 'the only operation that could go next does not lead' : `none of the ${n} operations that could go next leads`;
  lines.push(`${which} to a linearization${more}:`);
  for (const x of cands) lines.push(`  ${line(x)}  (${x.legal ? 'legal here, but the rest cannot follow' : 'illegal here'})`);
  return lines.join('\n');
}

function line<I, O>(x: ReportedOperation<I, O>): string {
  const ret = x.op.ret === Infinity ? (isUnknown(x.op.output) ? 'never (indeterminate)' : 'never') : String(x.op.ret);
  return `#${x.index} client ${x.op.clientId} [${x.op.call} .. ${ret}] ${x.text}`;
}

function retOf<I, O>(ops: readonly IndexedOperation<I, O>[], i: number): number {
  return ops[i]?.op.ret ?? Infinity;
}

function callOf<I, O>(ops: readonly IndexedOperation<I, O>[], i: number): number {
  return ops[i]?.op.call ?? Infinity;
}
