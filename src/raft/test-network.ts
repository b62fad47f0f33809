/**
 * A deterministic in-memory network of RaftNodes for tests (etcd's `network`): each node has a
 * "disk" (what its driver persisted: hard state, entries, snapshot) and a toy state machine
 * (the list of applied entries). Messages wait in one queue until delivered, in order or at
 * random; links can be cut, nodes isolated, crashed and restarted from their disk, messages
 * dropped or duplicated. Safety checkers run as it goes: one leader per term, every index
 * applied with one value everywhere, new leaders hold every applied entry, quorum reads are
 * not stale.
 *
 * The driver writes each Ready whole, at once or (asyncDisk) as a later event that a crash
 * loses together with the messages waiting on it. src/sim/raft grows this into torn writes,
 * latency, clocks and client histories. Pure: randomness from a SeededRng.
 */
import { SeededRng, assert } from '../lib/index.js';
import type { RaftOptions } from './config.js';
import type { Message, MessageType } from './messages.js';
import { RaftNode } from './raft.js';
import type { ReadMode, ReadState } from './read-only.js';
import type { Ready } from './ready.js';
import type { Configuration, Entry, HardState, ServerId, SnapshotMeta } from './types.js';
import { emptyHardState } from './types.js';
import { bytes, textOf, votersConfiguration } from './test-helpers.js';

export interface Disk {
  hardState: HardState;
  snapshot?: SnapshotMeta;
  entries: Entry[];
}

export interface SimNode {
  id: ServerId;
  raft: RaftNode | undefined;
  disk: Disk;
  /** The state machine: every entry applied, in index order (restored from snapshots). */
  applied: Entry[];
  /** Snapshot states this node took or installed, by index (what its driver would stream). */
  snapshots: Map<number, Entry[]>;
  /** Snapshot data that arrived (streamed by the sender's driver), by index, until installed. */
  incoming: Map<number, Entry[]>;
  /**
   * Its bootstrap configuration, given again at every start (as an agent configured to
   * bootstrap would): it only takes effect while the disk is still empty.
   */
  bootstrap?: Configuration;
  /** Options of this node beyond the network's. */
  extra: Partial<RaftOptions>;
  /** With asyncDisk: the Ready being written (lost if the node crashes first). */
  writing?: Ready;
  reads: ReadState[];
}

export interface NetworkOptions {
  seed?: number;
  /** Options for every node (id and rng are filled in). */
  node?: Omit<RaftOptions, 'id' | 'rng'>;
  /** Servers bootstrapped with a configuration of all initial ids as voters (default all). */
  bootstrap?: boolean;
  /**
   * Disk writes complete later, as separate events: a node keeps stepping and ticking while
   * its Ready is being written, and a crash loses the write (and the messages waiting on it).
   */
  asyncDisk?: boolean;
}

export * from './test-helpers.js';

export class TestNetwork {
  readonly nodes = new Map<ServerId, SimNode>();
  queue: Message[] = [];
  readonly rng: SeededRng;
  private readonly cut = new Set<string>();
  readonly ignored = new Set<MessageType>();
  dropRate = 0;
  /** Drops every message it returns true for (a targeted fault). */
  dropIf: ((m: Message) => boolean) | undefined;
  /** Election safety: the leader of each term. */
  readonly leaderOfTerm = new Map<number, ServerId>();
  /** State machine safety: what was applied at each index (by anyone). */
  readonly committed = new Map<number, Entry>();
  /** Reads issued through read(): the highest index applied anywhere when each was issued. */
  private readonly readsIssued = new Map<string, { appliedMax: number; mode: ReadMode }>();
  /** Lease reads that were answered below an index already applied when they were issued. */
  staleLeaseReads = 0;
  /** While set, every message sent is lost. */
  private muted = false;
  /** Every message handed to the network (a trace for assertions). */
  sent: Message[] = [];

  constructor(ids: readonly ServerId[], private readonly options: NetworkOptions = {}) {
    this.rng = new SeededRng(options.seed ?? 1);
    const conf = options.bootstrap === false ? undefined : votersConfiguration(ids);
    for (const id of ids) this.addNode(id, conf);
  }

  /** Adds a server: bootstrapped with `bootstrap`, or empty (it waits to be replicated to). */
  addNode(id: ServerId, bootstrap?: Configuration, extra: Partial<RaftOptions> = {}, disk?: Disk): SimNode {
    const node: SimNode = {
      id, raft: undefined, disk: disk ?? { hardState: { ...emptyHardState }, entries: [] }, applied: [], snapshots: new Map(), reads: [],
      incoming: new Map(), bootstrap, extra,
    };
    if (disk?.snapshot !== undefined) node.snapshots.set(disk.snapshot.index, []);
    this.nodes.set(id, node);
    this.start(node);
    return node;
  }

  private start(node: SimNode): void {
    const seed = this.rng.int(0x7fffffff);
    const disk = node.disk;
    node.raft = new RaftNode(
      { ...this.options.node, ...node.extra, id: node.id, rng: new SeededRng(seed) },
      { hardState: { ...disk.hardState }, snapshot: disk.snapshot, entries: disk.entries.slice(), bootstrap: node.bootstrap },
    );
    const snap = node.disk.snapshot;
    node.applied = snap === undefined ? [] : (node.snapshots.get(snap.index) ?? []).slice();
    this.processReady(node);
  }

  node(id: ServerId): SimNode {
    const n = this.nodes.get(id);
    assert(n !== undefined, `no node ${id}`);
    return n;
  }

  raft(id: ServerId): RaftNode {
    const r = this.node(id).raft;
    assert(r !== undefined, `node ${id} is down`);
    return r;
  }

  // ---- faults ----

  cutLink(a: ServerId, b: ServerId): void {
    this.cut.add(`${a}>${b}`).add(`${b}>${a}`);
  }

  /** Cuts one direction only (an asymmetric partition). */
  cutOneWay(from: ServerId, to: ServerId): void {
    this.cut.add(`${from}>${to}`);
  }

  isolate(id: ServerId): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cutLink(id, other);
  }

  /** Cuts every link between the two groups. */
  partition(a: readonly ServerId[], b: readonly ServerId[]): void {
    for (const x of a) for (const y of b) this.cutLink(x, y);
  }

  heal(): void {
    this.cut.clear();
    this.ignored.clear();
    this.dropRate = 0;
    this.dropIf = undefined;
  }

  crash(id: ServerId): void {
    const n = this.node(id);
    n.raft = undefined;
    n.writing = undefined;
    n.incoming.clear();
    const lost = this.queue.filter((m) => m.to === id);
    this.queue = this.queue.filter((m) => m.to !== id);
    for (const m of lost) this.lose(m);
  }

  /**
   * A message is lost. A real driver learns that an install-snapshot stream failed (the
   * connection breaks or times out) and reports it, so the leader retries.
   */
  private lose(m: Message): void {
    if (m.type !== 'install-snapshot') return;
    const from = this.nodes.get(m.from);
    from?.raft?.reportSnapshot(m.to, false);
    if (from !== undefined) this.processReady(from);
  }

  restart(id: ServerId): void {
    const n = this.node(id);
    if (n.raft === undefined) this.start(n);
  }

  // ---- driving ----

  tick(id: ServerId, times = 1): void {
    for (let i = 0; i < times; i++) {
      const n = this.node(id);
      if (n.raft === undefined) return;
      n.raft.tick();
      this.processReady(n);
    }
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) for (const id of this.nodes.keys()) this.tick(id);
  }

  /** Delivers queued messages (FIFO) and completes disk writes until all is quiet. */
  stabilize(maxEvents = 100_000): number {
    let n = 0;
    this.processAll();
    for (;;) {
      assert(n < maxEvents, 'test network: no quiescence');
      const m = this.queue.shift();
      if (m !== undefined) this.deliver(m);
      else if (!this.completeWrite()) return n;
      n++;
    }
  }

  /** Delivers one queued message, or completes one disk write, chosen at random (reordering). */
  deliverRandom(): boolean {
    const writing = [...this.nodes.values()].filter((x) => x.writing !== undefined);
    const events = this.queue.length + writing.length;
    if (events === 0) return false;
    const i = this.rng.int(events);
    if (i < this.queue.length) {
      const [m] = this.queue.splice(i, 1);
      this.deliver(m as Message);
    } else {
      this.finishWrite(writing[i - this.queue.length] as SimNode);
    }
    return true;
  }

  /** Completes the oldest pending disk write of any node (asyncDisk). */
  private completeWrite(): boolean {
    for (const n of this.nodes.values()) {
      if (n.writing !== undefined) {
        this.finishWrite(n);
        return true;
      }
    }
    return false;
  }

  dropRandom(): void {
    if (this.queue.length > 0) this.lose(this.queue.splice(this.rng.int(this.queue.length), 1)[0] as Message);
  }

  duplicateRandom(): void {
    if (this.queue.length > 0) this.queue.push(this.queue[this.rng.int(this.queue.length)] as Message);
  }

  deliver(m: Message): void {
    const to = this.nodes.get(m.to);
    if (to?.raft === undefined) {
      this.lose(m);
      return;
    }
    if (m.type === 'install-snapshot') {
      // The driver streamed the data from the sender before stepping the message.
      const state = this.nodes.get(m.from)?.snapshots.get(m.snapshot.index);
      if (state === undefined) {
        this.nodes.get(m.from)?.raft?.reportSnapshot(m.to, false);
        return;
      }
      to.incoming.set(m.snapshot.index, state.slice());
      to.raft.step(m);
      this.nodes.get(m.from)?.raft?.reportSnapshot(m.to, true);
      const from = this.nodes.get(m.from);
      if (from !== undefined) this.processReady(from);
    } else {
      to.raft.step(m);
    }
    this.processReady(to);
  }

  processAll(): void {
    for (const n of this.nodes.values()) this.processReady(n);
  }

  /** The driver: persist, send, apply, advance, while the node has work. */
  processReady(n: SimNode): void {
    while (n.raft?.hasReady() === true) {
      const rd = n.raft.ready();
      if (rd.softState?.role === 'leader') this.checkNewLeader(n);
      n.writing = rd;
      if (this.options.asyncDisk === true) return;
      this.finishWrite(n);
    }
  }

  /** The write of the node's Ready is durable: send, apply, advance. */
  private finishWrite(n: SimNode): void {
    const rd = n.writing;
    const raft = n.raft;
    if (rd === undefined || raft === undefined) return;
    n.writing = undefined;
    this.persist(n, rd);
    for (const m of rd.messages) this.send(m);
    for (const e of rd.committedEntries) this.apply(n, e);
    for (const r of rd.readStates) this.checkRead(r);
    for (const r of rd.readStates) n.reads.push(r);
    raft.advance(rd);
    // The driver's announce timer, with no delay: followers learn each commit at once, as the
    // tests of replication expect (the delay itself is tested in replication.test.ts).
    raft.announceCommit();
    if (this.options.asyncDisk === true) this.processReady(n);
  }

  private persist(n: SimNode, rd: Ready): void {
    if (rd.snapshot !== undefined) {
      const state = n.incoming.get(rd.snapshot.index);
      assert(state !== undefined, 'test network: installing a snapshot whose data never arrived');
      n.disk.snapshot = rd.snapshot;
      n.disk.entries = [];
      n.snapshots.set(rd.snapshot.index, state);
      n.applied = state.slice();
      for (const index of [...n.incoming.keys()]) if (index <= rd.snapshot.index) n.incoming.delete(index);
    }
    const first = rd.entries[0];
    if (first !== undefined) {
      const keep = n.disk.entries.filter((e) => e.index < first.index);
      n.disk.entries = [...keep, ...rd.entries];
    }
    if (rd.hardState !== undefined) n.disk.hardState = { ...rd.hardState };
  }

  private send(m: Message): void {
    this.sent.push(m);
    const lost = this.muted || this.cut.has(`${m.from}>${m.to}`) || this.ignored.has(m.type) || this.dropIf?.(m) === true ||
      (this.dropRate > 0 && this.rng.next() < this.dropRate) || this.nodes.get(m.to)?.raft === undefined;
    if (lost) this.lose(m);
    else this.queue.push(m);
  }

  private apply(n: SimNode, e: Entry): void {
    const last = n.applied[n.applied.length - 1];
    const expected = last === undefined ? (n.disk.snapshot?.index ?? 0) + 1 : last.index + 1;
    assert(e.index === expected || (last === undefined && e.index === 1), `${n.id}: applied ${e.index}, expected ${expected}`);
    const seen = this.committed.get(e.index);
    if (seen === undefined) this.committed.set(e.index, e);
    else {
      assert(seen.term === e.term && seen.type === e.type && textOf(seen) === textOf(e),
        `state machine safety: ${n.id} applied a different entry at ${e.index}`);
    }
    n.applied.push(e);
  }

  /** Election safety and leader completeness, checked when a node becomes leader. */
  private checkNewLeader(n: SimNode): void {
    const raft = n.raft as RaftNode;
    const term = raft.term;
    const prev = this.leaderOfTerm.get(term);
    assert(prev === undefined || prev === n.id, `election safety: ${prev} and ${n.id} both lead term ${term}`);
    this.leaderOfTerm.set(term, n.id);
    for (const [index, e] of this.committed) {
      if (index < raft.log.firstIndex()) continue;
      assert(raft.log.term(index) === e.term, `leader completeness: ${n.id} (term ${term}) lacks committed entry ${index}`);
    }
  }

  /**
   * Linearizable reads: an answered read index covers every entry applied anywhere before the
   * read was issued. A quorum read below it fails the test; a lease read below it is counted
   * (leases assume bounded clock drift, which schedules that tick servers unevenly break).
   */
  private checkRead(r: ReadState): void {
    const issued = this.readsIssued.get(r.requestId);
    if (issued === undefined || r.index === undefined) return;
    if (r.index >= issued.appliedMax) return;
    assert(issued.mode === 'lease', `stale quorum read ${r.requestId}: index ${r.index} < applied ${issued.appliedMax}`);
    this.staleLeaseReads++;
  }

  /** Issues a read on `id`, remembered for the linearizability check. */
  read(id: ServerId, requestId: string, mode: ReadMode): void {
    let appliedMax = 0;
    for (const index of this.committed.keys()) appliedMax = Math.max(appliedMax, index);
    this.readsIssued.set(requestId, { appliedMax, mode });
    this.raft(id).readIndex(requestId, mode);
    this.processReady(this.node(id));
  }

  // ---- conveniences ----

  propose(id: ServerId, text: string): ReturnType<RaftNode['propose']> {
    const r = this.raft(id).propose(bytes(text));
    this.processReady(this.node(id));
    return r;
  }

  /** The up node that leads the highest term, if any. */
  leader(): ServerId | undefined {
    let best: ServerId | undefined;
    let bestTerm = -1;
    for (const n of this.nodes.values()) {
      const st = n.raft?.status();
      if (st?.role === 'leader' && st.term > bestTerm) [best, bestTerm] = [n.id, st.term];
    }
    return best;
  }

  /**
   * Makes `id` campaign at once and delivers everything. The others first live through an
   * election timeout with their messages lost, so no leader lease or stickiness stands in the
   * way (a leader among them steps down by check-quorum).
   */
  elect(id: ServerId): void {
    this.muted = true;
    for (const n of this.nodes.values()) {
      if (n.id === id || n.raft === undefined) continue;
      for (let i = 0; i < n.raft.opts.electionTicks; i++) {
        n.raft.tick();
        this.processReady(n);
        while (this.completeWrite()) { /* the writes finish while muted */ }
      }
    }
    this.muted = false;
    this.raft(id).campaign();
    this.processReady(this.node(id));
    this.stabilize();
  }

  /**
   * Takes a snapshot at the node's applied index and compacts its log; undefined while the node
   * is still installing a newer snapshot.
   */
  snapshot(id: ServerId): SnapshotMeta | undefined {
    const n = this.node(id);
    const raft = this.raft(id);
    const st = raft.status();
    if (st.applied < st.snapshotIndex) return undefined;
    const meta = raft.snapshotMetaAt(st.applied);
    n.snapshots.set(meta.index, n.applied.filter((e) => e.index <= meta.index));
    const { firstIndex, ignored } = raft.compact(meta);
    if (!ignored) {
      n.disk.snapshot = meta;
      n.disk.entries = n.disk.entries.filter((e) => e.index >= firstIndex);
    }
    return meta;
  }

  /** Texts of the commands a node applied, in order. */
  appliedTexts(id: ServerId): string[] {
    return this.node(id).applied.filter((e) => e.type === 'command').map(textOf);
  }
}
