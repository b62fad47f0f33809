// Tests for the broadcast queue: memberlist's queue_test.go cases (ported to what a caller can
// observe: the order and contents of getBroadcasts and the finished callbacks), then properties
// against a literal model of memberlist's TransmitLimitedQueue.GetBroadcasts tier search.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BroadcastQueue, broadcastQueueDepthMaxDefault, type Broadcast } from './broadcast-queue.js';
import { retransmitLimit } from './config.js';

const text = new TextEncoder();
const decode = (msgs: Uint8Array[]): string[] => msgs.map((m) => new TextDecoder().decode(m));

/** A named broadcast (memberlist's memberlistBroadcast) that counts its finished calls. */
function named(name: string, message: string, log?: string[]): Broadcast {
  return { name, message: text.encode(message), finished: () => log?.push(name) };
}

function unique(message: string, log?: string[]): Broadcast {
  return { message: text.encode(message), finished: () => log?.push(message) };
}

describe('retransmitLimit (memberlist util.go)', () => {
  it('is mult × ⌈log10(n + 1)⌉, with the boundaries where Go puts them', () => {
    expect(retransmitLimit(1, 10)).toBe(2); // queue_test.go's sanity check
    const cases: Array<[number, number, number]> = [
      [4, 0, 0], [4, 1, 4], [4, 9, 4], [4, 10, 8], [4, 99, 8], [4, 100, 12], [4, 999, 12], [4, 1000, 16], [3, 9999, 12],
    ];
    for (const [mult, n, want] of cases) expect(retransmitLimit(mult, n), `mult=${mult} n=${n}`).toBe(want);
  });
});

describe('BroadcastQueue: memberlist queue_test.go', () => {
  it('orders fewer transmits first, then longer messages, then newer (TestLimitedBroadcastLess)', () => {
    const q = new BroadcastQueue({ retransmitMult: 10, numNodes: () => 10 });
    q.queue(unique('old-tier'));
    expect(q.getBroadcasts(0, 100)).toHaveLength(1); // now one transmit
    q.queue(unique('short'));
    q.queue(unique('a-longer-one'));
    q.queue(unique('older'));
    q.queue(unique('newer'));
    expect(decode(q.getBroadcasts(0, 1000))).toEqual(['a-longer-one', 'newer', 'older', 'short', 'old-tier']);
  });

  it('a newer broadcast about the same name replaces the queued one (TestTransmitLimited_Queue)', () => {
    const q = new BroadcastQueue({ retransmitMult: 1, numNodes: () => 1 });
    const finished: string[] = [];
    q.queue(named('test', 'x', finished));
    q.queue(named('foo', 'x', finished));
    q.queue(named('bar', 'x', finished));
    expect(q.length).toBe(3);
    q.queue(named('test', 'y', finished));
    expect(q.length).toBe(3);
    expect(finished).toEqual(['test']);
    // newest first within a tier: test (requeued), bar, foo
    expect(decode(q.getBroadcasts(0, 100))).toEqual(['y', 'x', 'x']);
  });

  it('fits messages with their overhead into the limit (TestTransmitLimited_GetBroadcasts)', () => {
    const q = new BroadcastQueue({ retransmitMult: 3, numNodes: () => 10 });
    for (const [i, name] of ['test', 'foo', 'bar', 'baz'].entries()) q.queue(named(name, `${i + 1}. this is a test.`));
    expect(q.getBroadcasts(2, 80)).toHaveLength(4); // 4 × (18 + 2) = 80
    expect(q.getBroadcasts(3, 80)).toHaveLength(3); // 4 × 21 > 80
  });

  it('drops a broadcast after retransmitLimit transmits (TestTransmitLimited_GetBroadcasts_Limit)', () => {
    const q = new BroadcastQueue({ retransmitMult: 1, numNodes: () => 10 });
    const finished: string[] = [];
    for (const [i, name] of ['test', 'foo', 'bar', 'baz'].entries()) q.queue(named(name, `${i + 1}. this is a test.`, finished));
    expect(decode(q.getBroadcasts(3, 80))).toEqual(['4. this is a test.', '3. this is a test.', '2. this is a test.']);
    expect(q.getBroadcasts(3, 80)).toHaveLength(3); // test (tier 0), then baz and bar (tier 1)
    expect(finished).toEqual(['baz', 'bar']); // their second transmit: retransmitLimit(1, 10) = 2
    expect(decode(q.getBroadcasts(3, 80))).toEqual(['2. this is a test.', '1. this is a test.']); // only two not expired
    expect(finished).toEqual(['baz', 'bar', 'foo', 'test']);
    expect(q.getBroadcasts(3, 80)).toEqual([]); // should get nothing
    expect(q.length).toBe(0);
    expect(finished.sort()).toEqual(['bar', 'baz', 'foo', 'test']);
  });

  it('prune keeps the newest and finishes the rest (TestTransmitLimited_Prune)', () => {
    const q = new BroadcastQueue({ retransmitMult: 1, numNodes: () => 10 });
    const finished: string[] = [];
    for (const [i, name] of ['test', 'foo', 'bar', 'baz'].entries()) q.queue(named(name, `${i + 1}. this is a test.`, finished));
    q.prune(2);
    expect(q.length).toBe(2);
    expect(finished).toEqual(['test', 'foo']);
    expect(decode(q.getBroadcasts(0, 100))).toEqual(['4. this is a test.', '3. this is a test.']);
  });

  it('sends lower transmit tiers first (TestTransmitLimited_ordering)', () => {
    const q = new BroadcastQueue({ retransmitMult: 20, numNodes: () => 10 });
    for (const name of ['node0', 'node1', 'node2']) {
      q.queue(named(name, name));
      q.getBroadcasts(0, 100); // every queued one moves down a tier
    }
    q.queue(named('node3', 'node3'));
    // tiers: node3 0, node2 1, node1 2, node0 3
    expect(decode(q.getBroadcasts(0, 100))).toEqual(['node3', 'node2', 'node1', 'node0']);
  });
});

describe('BroadcastQueue: beyond memberlist', () => {
  it('does not lose a broadcast when an invalidation empties the queue (memberlist id reuse)', () => {
    // memberlist resets its id generator in deleteItem, while the new broadcast already holds the
    // next id; the next-but-one broadcast then gets that id and replaces it in the btree.
    const finished: string[] = [];
    const q = new BroadcastQueue({ retransmitMult: 4, numNodes: () => 10 });
    q.queue(named('a', 'xx', finished));
    q.queue(named('a', 'ya', finished));
    q.queue(named('b', 'yb', finished));
    q.queue(named('c', 'yc', finished));
    expect(q.length).toBe(3);
    expect(finished).toEqual(['a']);
    expect(decode(q.getBroadcasts(0, 100))).toEqual(['yc', 'yb', 'ya']);
  });

  it('bounds the queue at queueDepthMax, dropping the most transmitted, then the oldest', () => {
    const finished: string[] = [];
    const q = new BroadcastQueue({ retransmitMult: 4, numNodes: () => 10, queueDepthMax: 2 });
    q.queue(unique('m1', finished));
    q.getBroadcasts(0, 100);
    q.queue(unique('m2', finished));
    q.queue(unique('m3', finished));
    expect(finished).toEqual(['m1']);
    q.queue(unique('m4', finished));
    expect(finished).toEqual(['m1', 'm2']);
    expect(q.length).toBe(2);
    expect(broadcastQueueDepthMaxDefault).toBe(4096);
  });

  it('reads a dynamic bound on every queue (serf with MinQueueDepth: max(floor, 2 × members))', () => {
    let members = 1;
    const q = new BroadcastQueue({ retransmitMult: 4, numNodes: () => members, queueDepthMax: () => Math.max(2, 2 * members) });
    for (const m of ['m1', 'm2', 'm3']) q.queue(unique(m));
    expect(q.length).toBe(2);
    members = 3;
    for (const m of ['m4', 'm5', 'm6', 'm7', 'm8']) q.queue(unique(m));
    expect(q.length).toBe(6);
    expect(decode(q.getBroadcasts(0, 100))).toEqual(['m8', 'm7', 'm6', 'm5', 'm4', 'm3']);
  });

  it('stops when no byte is left, even for an empty message (memberlist: free <= 0)', () => {
    const q = new BroadcastQueue({ retransmitMult: 1, numNodes: () => 1 });
    q.queue(unique(''));
    q.queue(unique('12345678'));
    expect(decode(q.getBroadcasts(0, 8))).toEqual(['12345678']);
    expect(decode(q.getBroadcasts(0, 8))).toEqual(['']);
    expect(q.getBroadcasts(0, 0)).toEqual([]);
  });

  it('lets finished callbacks call back into the queue', () => {
    const q = new BroadcastQueue({ retransmitMult: 1, numNodes: () => 1 });
    q.queue({ name: 'n', message: text.encode('first'), finished: () => q.queue(unique('again')) });
    expect(decode(q.getBroadcasts(0, 100))).toEqual(['first']);
    expect(decode(q.getBroadcasts(0, 100))).toEqual(['again']);
    expect(q.length).toBe(0);
  });

  it('reset finishes everything; bad arguments are programmer errors', () => {
    const finished: string[] = [];
    const q = new BroadcastQueue({ retransmitMult: 1, numNodes: () => 1 });
    q.queue(named('a', 'a', finished));
    q.queue(unique('u', finished));
    q.reset();
    expect(q.length).toBe(0);
    expect(finished.sort()).toEqual(['a', 'u']);
    expect(q.getBroadcasts(0, 100)).toEqual([]);
    expect(() => q.getBroadcasts(-1, 100)).toThrow(/overheadBytes/);
    expect(() => q.prune(1.5)).toThrow(/maxRetain/);
    expect(() => new BroadcastQueue({ retransmitMult: 1, numNodes: () => 1, queueDepthMax: 0 })).toThrow(/queueDepthMax/);
    const dynamic = new BroadcastQueue({ retransmitMult: 1, numNodes: () => 1, queueDepthMax: () => Number.NaN });
    expect(() => dynamic.queue(unique('x'))).toThrow(/queueDepthMax/);
  });
});

// ---- properties ----

interface ModelEntry {
  transmits: number;
  msgLen: number;
  id: number;
  b: Broadcast;
}

const modelLess = (a: ModelEntry, b: ModelEntry): number => a.transmits - b.transmits || b.msgLen - a.msgLen || b.id - a.id;

/** memberlist's TransmitLimitedQueue, transcribed literally (tier loop, first fit per tier). */
class ModelQueue {
  items: ModelEntry[] = [];
  private nextId = 0;
  constructor(
    private readonly numNodes: number,
    private readonly mult: number,
    private readonly depthMax: number,
  ) {}

  queue(b: Broadcast): Broadcast[] {
    const done: Broadcast[] = [];
    const old = b.name === undefined ? undefined : this.items.find((e) => e.b.name === b.name);
    if (old) {
      this.items = this.items.filter((e) => e !== old);
      done.push(old.b);
    }
    this.items.push({ transmits: 0, msgLen: b.message.length, id: ++this.nextId, b });
    return done.concat(this.prune(this.depthMax));
  }

  get(overhead: number, limit: number): { sent: Uint8Array[]; done: Broadcast[] } {
    const sent: Uint8Array[] = [];
    const done: Broadcast[] = [];
    const reinsert: ModelEntry[] = [];
    const limitT = retransmitLimit(this.mult, this.numNodes);
    const ts = this.items.map((e) => e.transmits);
    let used = 0;
    for (let t = Math.min(...ts); t <= Math.max(...ts); ) {
      const free = limit - used - overhead;
      if (free <= 0) break;
      const keep = [...this.items].sort(modelLess).find((e) => e.transmits === t && e.msgLen <= free);
      if (!keep) {
        t++;
        continue;
      }
      sent.push(keep.b.message);
      used += overhead + keep.msgLen;
      this.items = this.items.filter((e) => e !== keep);
      if (keep.transmits + 1 >= limitT) done.push(keep.b);
      else reinsert.push({ ...keep, transmits: keep.transmits + 1 });
    }
    this.items.push(...reinsert);
    return { sent, done };
  }

  prune(maxRetain: number): Broadcast[] {
    this.items.sort(modelLess);
    return this.items.splice(maxRetain).reverse().map((e) => e.b);
  }
}

type Op =
  | { kind: 'queue'; name: string | undefined; len: number }
  | { kind: 'get'; overhead: number; limit: number }
  | { kind: 'prune'; maxRetain: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('queue' as const), name: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { nil: undefined }), len: fc.oneof(fc.constant(0), fc.nat(40)) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('get' as const), overhead: fc.nat(6), limit: fc.nat(140) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('prune' as const), maxRetain: fc.nat(10) }), weight: 1 },
);

const setupArb = fc.record({ numNodes: fc.integer({ min: 0, max: 150 }), mult: fc.integer({ min: 0, max: 4 }), depthMax: fc.integer({ min: 1, max: 12 }) });

describe('BroadcastQueue properties', () => {
  it('matches memberlist, respects the byte limit, transmit limit, invalidation and the depth bound', () => {
    fc.assert(
      fc.property(setupArb, fc.array(opArb, { maxLength: 60 }), ({ numNodes, mult, depthMax }, ops) => {
        const q = new BroadcastQueue({ numNodes: () => numNodes, retransmitMult: mult, queueDepthMax: depthMax });
        const model = new ModelQueue(numNodes, mult, depthMax);
        const maxTransmits = Math.max(1, retransmitLimit(mult, numNodes));
        const transmits = new Map<Uint8Array, number>();
        const finishedCount = new Map<Broadcast, number>();
        const all: Broadcast[] = [];
        let done: Broadcast[] = [];
        const make = (name: string | undefined, len: number): Broadcast => {
          const b: Broadcast = { name, message: new Uint8Array(len), finished: () => done.push(b) };
          all.push(b);
          return b;
        };
        for (const op of ops) {
          done = [];
          if (op.kind === 'queue') {
            const b = make(op.name, op.len);
            const olderSameName = all.filter((x) => x !== b && op.name !== undefined && x.name === op.name && !finishedCount.has(x));
            q.queue(b);
            expect(done).toEqual(model.queue(b));
            // the newer broadcast invalidates the older one of the same name
            for (const x of olderSameName) expect(done).toContain(x);
          } else if (op.kind === 'get') {
            const sent = q.getBroadcasts(op.overhead, op.limit);
            const want = model.get(op.overhead, op.limit);
            expect(sent).toEqual(want.sent);
            expect(done).toEqual(want.done);
            expect(sent.reduce((sum, m) => sum + m.length + op.overhead, 0)).toBeLessThanOrEqual(op.limit);
            for (const m of sent) transmits.set(m, (transmits.get(m) ?? 0) + 1);
          } else {
            q.prune(op.maxRetain);
            expect(done).toEqual(model.prune(op.maxRetain));
            expect(q.length).toBeLessThanOrEqual(op.maxRetain);
          }
          for (const b of done) {
            expect(finishedCount.has(b), 'finished twice').toBe(false);
            finishedCount.set(b, 1);
          }
          expect(q.length).toBe(model.items.length);
          expect(q.length).toBeLessThanOrEqual(depthMax);
          expect(q.length).toBe(all.length - finishedCount.size);
        }
        for (const n of transmits.values()) expect(n).toBeLessThanOrEqual(maxTransmits);
        for (const b of all) if (finishedCount.has(b)) expect(transmits.get(b.message) ?? 0).toBeLessThanOrEqual(maxTransmits);
        done = [];
        q.reset();
        expect(done.length + finishedCount.size).toBe(all.length);
      }),
      { numRuns: 400 },
    );
  });

  it('never invalidates unique broadcasts: each is sent exactly retransmitLimit times', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.oneof(fc.nat(30), fc.constant(-1)), { maxLength: 40 }),
        (numNodes, mult, script) => {
          const q = new BroadcastQueue({ numNodes: () => numNodes, retransmitMult: mult });
          const sent = new Map<Uint8Array, number>();
          const finishedAt = new Map<Uint8Array, number>();
          const messages: Uint8Array[] = [];
          const drain = (): void => {
            for (const m of q.getBroadcasts(2, 100)) sent.set(m, (sent.get(m) ?? 0) + 1);
          };
          for (const len of script) {
            if (len < 0) {
              drain();
              continue;
            }
            const message = new Uint8Array(len);
            messages.push(message);
            // counted after getBroadcasts returns: it calls finished before the caller sees the message
            q.queue({ message, finished: () => finishedAt.set(message, (sent.get(message) ?? 0) + 1) });
          }
          for (let i = 0; q.length > 0; i++) {
            expect(i).toBeLessThan(10_000);
            drain();
          }
          const limit = retransmitLimit(mult, numNodes);
          for (const m of messages) {
            expect(sent.get(m)).toBe(limit);
            expect(finishedAt.get(m), 'finished only after the last transmit').toBe(limit);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
