/**
 * The WGL search over one partition (porcupine's `checkSingle`), with refinements that keep
 * indeterminate operations cheap; none changes a verdict:
 *
 * - The candidates of a configuration are the calls before the first pending return. Those
 *   with a known return are tried first, indeterminate ones after (the order is free).
 * - An indeterminate operation the model calls droppable (legal last, from any state) never has
 *   to be placed: once every other operation is placed the search succeeds. The memo cache
 *   prunes a configuration that differs from an explored one only by extra droppable
 *   operations, and a droppable operation is not placed where it changes nothing or where
 *   placing it before the droppable operations just placed would reach the same state
 *   (`reachableBeforeChain`). Complete: a linearization placing the fewest droppable
 *   operations is never pruned (README). Without these rules, an indeterminate write that
 *   never took effect roughly doubles the search.
 */
import { isUnknown, type Unknown } from './history.js';
import { MemoCache } from './memo-cache.js';
import { mix32, type Model } from './model.js';
import { buildLists, lift, unlift, type OpLists, type OpNode } from './op-list.js';
import type { IndexedOperation } from './wgl.js';

export interface SearchLimits {
  readonly stepsMax: number;
  readonly cacheBytesMax: number;
}

/** `longest`: positions (in the partition) of the longest linearizable prefix found, in order. */
export type SearchOutcome = { kind: 'ok'; steps: number } | { kind: 'illegal'; longest: number[]; steps: number } | { kind: 'unknown'; steps: number };

/** How often (in steps) the search looks at the cache's size. */
const CACHE_BYTES_CHECK_STEPS = 4096;

export function searchPartition<S, I, O>(model: Model<S, I, O>, key: string, ops: readonly IndexedOperation<I, O>[], limits: SearchLimits): SearchOutcome {
  return new WglSearch(model, key, ops).run(limits);
}

class WglSearch<S, I, O> {
  private readonly lists: OpLists;
  private readonly droppable: Uint8Array;
  /** Each operation's bit in `plain` or `dropped`. */
  private readonly bit: Int32Array;
  private readonly zobrist: Uint32Array;
  private readonly plain: Uint32Array;
  private readonly dropped: Uint32Array;
  private readonly plainCount: number;
  private readonly cache: MemoCache<S>;
  // placed calls, as parallel arrays: the call, and the state, plain-set hash and deadline before it
  private readonly stackNodes: OpNode[] = [];
  private readonly stackStates: S[] = [];
  private readonly stackHashes: number[] = [];
  private readonly stackDeadlines: number[] = [];
  private readonly longest: number[] = [];
  private longestPlain = 0;
  private lowWater = 0; // the stack has not gone below this since `longest` was last updated
  private state: S;
  private plainHash = 0;
  private plainLeft: number;
  /** In the second pass: the time of the first pending return; later calls are not candidates. */
  private deadline = Infinity;

  constructor(
    private readonly model: Model<S, I, O>,
    key: string,
    private readonly ops: readonly IndexedOperation<I, O>[],
  ) {
    this.lists = buildLists(ops);
    this.droppable = Uint8Array.from(ops, ({ op }) => (isUnknown(op.output) && model.droppable?.(op.input) === true ? 1 : 0));
    this.bit = new Int32Array(ops.length);
    let plainCount = 0;
    let droppedCount = 0;
    for (let i = 0; i < ops.length; i++) this.bit[i] = this.droppable[i] === 1 ? droppedCount++ : plainCount++;
    this.plainCount = plainCount;
    this.plainLeft = plainCount;
    this.zobrist = Uint32Array.from(ops, (_, i) => mix32(i + 1));
    this.plain = new Uint32Array((plainCount + 31) >>> 5);
    this.dropped = new Uint32Array((droppedCount + 31) >>> 5);
    this.cache = new MemoCache<S>(this.plain.length, this.dropped.length, (a, b) => model.equal(a, b));
    this.state = model.init(key);
    this.cache.insert(this.plain, this.dropped, this.cacheKey(0, this.state), this.state);
  }

  run(limits: SearchLimits): SearchOutcome {
    const { main, deferred } = this.lists;
    let entry = main.next;
    let second = false; // scanning the indeterminate calls
    let steps = 0;
    while (this.plainLeft > 0) {
      if (++steps > limits.stepsMax) return { kind: 'unknown', steps };
      if (steps % CACHE_BYTES_CHECK_STEPS === 0 && this.cache.bytes > limits.cacheBytesMax) return { kind: 'unknown', steps };
      if (!second && (entry === null || entry.isReturn)) {
        // the first pending return (or none left): now the indeterminate calls before it
        second = true;
        this.deadline = entry === null ? Infinity : entry.time;
        entry = deferred.next;
      } else if (second && (entry === null || entry.time > this.deadline)) {
        // no candidate left here: undo the last placement
        const top = this.pop();
        if (top === undefined) return { kind: 'illegal', longest: this.longest, steps };
        second = top.ret === null;
        entry = top.next;
      } else if (this.tryPlace(entry as OpNode)) {
        second = false;
        entry = main.next;
      } else {
        entry = (entry as OpNode).next;
      }
    }
    return { kind: 'ok', steps };
  }

  private cacheKey(plainHash: number, state: S): number {
    return (plainHash ^ Math.imul(this.model.hash(state), 0x9e3779b1)) >>> 0;
  }

  /** Places the call if legal and not redundant. */
  private tryPlace(call: OpNode): boolean {
    const i = call.op;
    const { op } = this.ops[i] as IndexedOperation<I, O>;
    const next = this.model.step(this.state, op.input, op.output);
    if (next === undefined) return false;
    const drop = this.droppable[i] === 1;
    if (drop && this.reachableBeforeChain(op.input, op.output, next)) return false;
    const bits = drop ? this.dropped : this.plain;
    const b = this.bit[i] as number;
    const nextHash = drop ? this.plainHash : (this.plainHash ^ (this.zobrist[i] as number)) >>> 0;
    setBit(bits, b);
    if (!this.cache.insert(this.plain, this.dropped, this.cacheKey(nextHash, next), next)) {
      clearBit(bits, b);
      return false;
    }
    this.stackNodes.push(call);
    this.stackStates.push(this.state);
    this.stackHashes.push(this.plainHash);
    this.stackDeadlines.push(this.deadline);
    this.state = next;
    this.plainHash = nextHash;
    lift(call);
    if (!drop) this.plainLeft--;
    this.recordLongest();
    return true;
  }

  /**
   * True when a droppable operation, placed now, reaches a state it would also reach placed
   * before the droppable operations placed since the last plain one: that configuration has
   * the same plain set and fewer droppable operations, so it covers this one, and the earlier
   * configuration tries it among its own candidates (no plain return was passed since).
   */
  private reachableBeforeChain(input: I, output: O | Unknown, next: S): boolean {
    if (this.model.equal(next, this.state)) return true; // covered by the current configuration
    for (let k = this.stackNodes.length - 1; k >= 0; k--) {
      if (this.droppable[(this.stackNodes[k] as OpNode).op] !== 1) return false;
      const earlier = this.model.step(this.stackStates[k] as S, input, output);
      if (earlier !== undefined && this.model.equal(earlier, next)) return true;
    }
    return false;
  }

  /** Undoes the last placement; undefined when nothing is placed. */
  private pop(): OpNode | undefined {
    const top = this.stackNodes.pop();
    if (top === undefined) return undefined;
    this.state = this.stackStates.pop() as S;
    this.plainHash = this.stackHashes.pop() as number;
    this.deadline = this.stackDeadlines.pop() as number;
    const drop = this.droppable[top.op] === 1;
    clearBit(drop ? this.dropped : this.plain, this.bit[top.op] as number);
    unlift(top);
    if (!drop) this.plainLeft++;
    if (this.stackNodes.length < this.lowWater) this.lowWater = this.stackNodes.length;
    return top;
  }

  /** Keeps `longest` = the placement with the most plain operations so far. */
  private recordLongest(): void {
    const placed = this.plainCount - this.plainLeft;
    if (placed <= this.longestPlain) return;
    this.longestPlain = placed;
    this.longest.length = this.lowWater;
    for (let i = this.lowWater; i < this.stackNodes.length; i++) this.longest.push((this.stackNodes[i] as OpNode).op);
    this.lowWater = this.stackNodes.length;
  }
}

function setBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5] = ((bits[i >>> 5] as number) | (1 << (i & 31))) >>> 0;
}

function clearBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5] = ((bits[i >>> 5] as number) & ~(1 << (i & 31))) >>> 0;
}
