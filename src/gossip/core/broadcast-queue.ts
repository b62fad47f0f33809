/**
 * The piggyback broadcast queue: a port of hashicorp/memberlist's `TransmitLimitedQueue`
 * (queue.go, memberlist as vendored by Consul 1.8.7), using `retransmitLimit` (util.go).
 *
 * Broadcasts wait here until they have been handed out `retransmitLimit(mult, numNodes)` times
 * (at least once), are invalidated by a newer broadcast of the same name, or are pruned. Each
 * `getBroadcasts` call fills a packet greedily in memberlist's order:
 *
 *   fewest transmits first; within a transmit tier, longest message first; then newest first.
 *
 * memberlist keeps that order in a btree and, per call, searches each tier for the first entry
 * that still fits. Because the free space only shrinks during a call, that search is the same
 * as one linear pass over the sorted entries, taking every entry that fits; the sent entries
 * move one tier down and are merged back afterwards (memberlist defers that reinsertion too).
 * So `getBroadcasts` is O(n); `queue` is O(log n) search plus an O(n) array splice.
 *
 * Differences from memberlist: only named and unique broadcasts (no generic
 * `Invalidates` scan; memberlist's own broadcasts are named, serf's are unique); the queue has
 * a bound (`queueDepthMax`) enforced on every `queue`, where serf calls `Prune(MaxQueueDepth)`
 * every 30 s; `finished` callbacks run after the queue is consistent again, so they may re-enter;
 * and the id generator is not reset when an invalidation empties the queue inside `queue` (in
 * memberlist that lets a later broadcast reuse a live id and silently replace it in the btree).
 */
import { assert } from '../../lib/assert.js';
import * as limits from '../../lib/limits.js';
import { retransmitLimit } from './config.js';

/**
 * Default bound on queued broadcasts (limits.gossipBroadcastQueueDepthMax, 4096). Consul's serf
 * bound is max(4096, 2 × members): pass it as a function, e.g. `() => Math.max(4096, 2 * members())`.
 */
export const broadcastQueueDepthMaxDefault = limits.gossipBroadcastQueueDepthMax;

/** Something to piggyback on gossip messages (memberlist's `Broadcast`). */
export interface Broadcast {
  /**
   * Name for invalidation (memberlist's `NamedBroadcast`, e.g. the member name): queueing a
   * broadcast drops any queued one with the same name. Undefined for unique broadcasts
   * (memberlist's `UniqueBroadcast`, e.g. serf's user events and queries): never invalidated.
   */
  readonly name?: string;
  /** The encoded message; its length is read once, when queued. */
  readonly message: Uint8Array;
  /**
   * Called exactly once when the broadcast leaves the queue: transmitted enough times,
   * invalidated, pruned or reset. It runs after the queue is consistent and may call back into
   * it; it must not throw (later callbacks of the same call would be skipped).
   */
  finished?(): void;
}

export interface BroadcastQueueOptions {
  /** Current cluster size; read on every `getBroadcasts` to compute the retransmit limit. */
  numNodes: () => number;
  /** memberlist's `RetransmitMult` (Consul: 4 on the LAN, 4 on the WAN). */
  retransmitMult: number;
  /**
   * Most broadcasts kept, read on every `queue` (default `broadcastQueueDepthMaxDefault`);
   * beyond it the last in transmit order are dropped, as by `prune`.
   */
  queueDepthMax?: number | (() => number);
}

/** memberlist's `limitedBroadcast`: the btree key is (transmits, msgLen, id). */
interface Entry {
  transmits: number;
  readonly msgLen: number;
  readonly id: number;
  readonly b: Broadcast;
}

/** memberlist's `limitedBroadcast.Less` as a comparator: negative when `a` goes out first. */
function compareEntries(a: Entry, b: Entry): number {
  if (a.transmits !== b.transmits) return a.transmits - b.transmits;
  if (a.msgLen !== b.msgLen) return b.msgLen - a.msgLen;
  return b.id - a.id;
}

/** Merges two arrays sorted by `compareEntries` into one (keys are unique: ids differ). */
function mergeSorted(xs: Entry[], ys: Entry[]): Entry[] {
  if (ys.length === 0) return xs;
  if (xs.length === 0) return ys;
  const out: Entry[] = new Array<Entry>(xs.length + ys.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < xs.length && j < ys.length) {
    const x = xs[i] as Entry;
    const y = ys[j] as Entry;
    if (compareEntries(x, y) < 0) {
      out[k++] = x;
      i++;
    } else {
      out[k++] = y;
      j++;
    }
  }
  while (i < xs.length) out[k++] = xs[i++] as Entry;
  while (j < ys.length) out[k++] = ys[j++] as Entry;
  return out;
}

function notifyFinished(done: readonly Broadcast[]): void {
  for (const b of done) b.finished?.();
}

function assertCount(value: number, what: string): void {
  assert(Number.isSafeInteger(value) && value >= 0, `${what} must be a non-negative integer, got ${value}`);
}

/** memberlist's `TransmitLimitedQueue`, single-threaded (the driver owns it). */
export class BroadcastQueue {
  private readonly numNodes: () => number;
  private readonly retransmitMult: number;
  private readonly queueDepthMax: () => number;
  /** All entries, sorted by `compareEntries` (memberlist's btree). */
  private entries: Entry[] = [];
  /** Named entries by name (memberlist's `tm`); every value is in `entries`. */
  private readonly byName = new Map<string, Entry>();
  /** Last id handed out; back to 0 whenever the queue empties, as memberlist's `idGen`. */
  private idGen = 0;

  constructor(opts: BroadcastQueueOptions) {
    assertCount(opts.retransmitMult, 'retransmitMult');
    const depth = opts.queueDepthMax ?? broadcastQueueDepthMaxDefault;
    this.queueDepthMax = typeof depth === 'number' ? () => depth : depth;
    this.numNodes = opts.numNodes;
    this.retransmitMult = opts.retransmitMult;
    if (typeof depth === 'number') this.checkedDepthMax(); // a bad constant fails here, not later
  }

  /** Broadcasts queued (memberlist's `NumQueued`). */
  get length(): number {
    return this.entries.length;
  }

  /**
   * Queues a broadcast with zero transmits (memberlist's `QueueBroadcast`). A named broadcast
   * replaces the queued one of the same name, whose `finished` is called. If the queue then holds
   * more than `queueDepthMax`, it is pruned to that size.
   */
  queue(b: Broadcast): void {
    const depthMax = this.checkedDepthMax(); // before any change: a bad bound changes nothing
    this.idGen = this.idGen >= Number.MAX_SAFE_INTEGER ? 1 : this.idGen + 1;
    const entry: Entry = { transmits: 0, msgLen: b.message.length, id: this.idGen, b };
    const done: Broadcast[] = [];
    if (b.name !== undefined) {
      const old = this.byName.get(b.name);
      if (old !== undefined) {
        this.removeEntry(old);
        done.push(old.b);
      }
      this.byName.set(b.name, entry);
    }
    this.entries.splice(this.lowerBound(entry), 0, entry);
    this.dropBeyond(depthMax, done);
    notifyFinished(done);
  }

  /**
   * The broadcasts to piggyback on one packet (memberlist's `GetBroadcasts`): at most
   * `limitBytes` in total, each costing its length plus `overheadBytes`. Every broadcast handed
   * out counts one transmit; one that reaches the retransmit limit leaves the queue.
   */
  getBroadcasts(overheadBytes: number, limitBytes: number): Uint8Array[] {
    assertCount(overheadBytes, 'overheadBytes');
    assertCount(limitBytes, 'limitBytes');
    const entries = this.entries;
    if (entries.length === 0) return [];
    const transmitLimit = retransmitLimit(this.retransmitMult, this.numNodes());
    const toSend: Uint8Array[] = [];
    const kept: Entry[] = [];
    const bumped: Entry[] = [];
    const done: Broadcast[] = [];
    let usedBytes = 0;
    let i = 0;
    for (; i < entries.length; i++) {
      const freeBytes = limitBytes - usedBytes - overheadBytes;
      if (freeBytes <= 0) break;
      const e = entries[i] as Entry;
      if (e.msgLen > freeBytes) {
        kept.push(e);
        continue;
      }
      toSend.push(e.b.message);
      usedBytes += overheadBytes + e.msgLen;
      if (e.transmits + 1 >= transmitLimit) {
        this.forgetName(e);
        done.push(e.b);
      } else {
        e.transmits++;
        bumped.push(e); // still sorted: every key moved down one tier together
      }
    }
    if (toSend.length > 0) {
      for (; i < entries.length; i++) kept.push(entries[i] as Entry);
      this.entries = mergeSorted(kept, bumped);
      this.resetIdIfEmpty();
    }
    notifyFinished(done);
    return toSend;
  }

  /** Drops every broadcast, calling `finished` in transmit order (memberlist's `Reset`). */
  reset(): void {
    const done = this.entries.map((e) => e.b);
    this.entries = [];
    this.byName.clear();
    this.idGen = 0;
    notifyFinished(done);
  }

  /**
   * Keeps at most `maxRetain` broadcasts (memberlist's `Prune`): drops the last in transmit
   * order first, that is the most transmitted, then within a tier the shortest, then the oldest.
   */
  prune(maxRetain: number): void {
    assertCount(maxRetain, 'maxRetain');
    const done: Broadcast[] = [];
    this.dropBeyond(maxRetain, done);
    notifyFinished(done);
  }

  private checkedDepthMax(): number {
    const depthMax = this.queueDepthMax();
    assert(Number.isSafeInteger(depthMax) && depthMax >= 1, `queueDepthMax must be a positive integer, got ${depthMax}`);
    return depthMax;
  }

  private dropBeyond(maxRetain: number, done: Broadcast[]): void {
    while (this.entries.length > maxRetain) {
      const last = this.entries.pop() as Entry;
      this.forgetName(last);
      done.push(last.b);
    }
    this.resetIdIfEmpty();
  }

  /** Index of the first entry not before `entry` in transmit order. */
  private lowerBound(entry: Entry): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEntries(this.entries[mid] as Entry, entry) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private removeEntry(entry: Entry): void {
    const at = this.lowerBound(entry);
    assert(this.entries[at] === entry, 'broadcast queue: entry missing from its sorted position');
    this.entries.splice(at, 1);
    this.forgetName(entry);
    // No id reset here: `queue` calls this while its new entry already holds the next id.
    // memberlist resets there, so a later broadcast can reuse that id, get the same btree key
    // and silently replace the new entry (never sent, `Finished` never called).
  }

  private forgetName(entry: Entry): void {
    const name = entry.b.name;
    if (name !== undefined && this.byName.get(name) === entry) this.byName.delete(name);
  }

  private resetIdIfEmpty(): void {
    // At idle there is no reason to let the id generator keep going (memberlist's deleteItem).
    if (this.entries.length === 0) this.idGen = 0;
  }
}
