/**
 * One simulated server: a RaftNode and the sim's driver around it, following the driver
 * contract of src/raft/README.md with an asynchronous disk:
 *
 *   rd = ready(); write rd to the disk's page cache (a leader's rd.sendFirst messages leave
 *   now); if rd.mustSync, fsync (done after a random delay, longer on a slow disk) and wait;
 *   then send rd.messages, install rd.snapshot,
 *   apply rd.committedEntries to the REAL Fsm + Store (msgpack-decoded kvs commands), answer
 *   reads, advance(rd).
 *
 * The server ticks at its own drifted rate, snapshots its FSM every swarm.snapshotEvery applied
 * entries (Fsm.snapshot + snapshotMetaAt + compact), streams snapshots to followers, and
 * restarts from what is durable after a crash. Client writes are proposed on the leader and
 * answered when their entry is applied; reads use readIndex ('quorum' for ?consistent, 'lease'
 * for Consul's default mode); membership changes go through changeConfiguration, as
 * RaftDriver's. A server of the initial cluster bootstraps its configuration; a spare starts
 * empty and waits for a leader to add it.
 * Bug hooks (swarm.bugs) live here, never in the core. Pure.
 */
import { SeededRng, assert, decode, encode } from '../../lib/index.js';
import type { Rng } from '../../lib/index.js';
import { Fsm } from '../../fsm/index.js';
import type { Command } from '../../fsm/index.js';
import { RaftNode, commitAnnounceMs, isVoter } from '../../raft/index.js';
import type { Configuration, ConfigurationChange, Entry, Message, Ready, Role, SnapshotMeta } from '../../raft/index.js';
import { Store, kvsGet, stateHash } from '../../state/index.js';
import type { SnapshotRecord } from '../../state/index.js';
import type { KvOutput } from '../linearizability/index.js';
import type { Checkers } from './checkers.js';
import { ClientDesk } from './client-desk.js';
import type { ChangeDone } from './client-desk.js';
import { ConfigTrack, checkQuorumOverlap, checkRemovedLeader, configKey } from './config-checks.js';
import type { EventQueue } from './event-queue.js';
import { SimFailure } from './failure.js';
import { commitPreviousTerm, forgetVote } from './bugs.js';
import type { ClientRequest, ClientResponse } from './protocol.js';
import { SimDisk } from './sim-disk.js';
import { SnapshotShelf } from './snapshot-shelf.js';
import type { StoredSnapshot } from './sim-disk.js';
import type { SimNetwork } from './sim-network.js';
import type { Swarm } from './swarm.js';
import type { Trace } from './trace.js';

/** What a server shares with the cluster. */
export interface ServerEnv {
  q: EventQueue;
  net: SimNetwork;
  swarm: Swarm;
  rng: Rng;
  checkers: Checkers;
  trace: Trace;
  server(id: string): SimServer | undefined;
  /** Every server of the run, started or not. */
  all: readonly SimServer[];
  disks: ReadonlyMap<string, SimDisk>;
  reply(client: number, r: ClientResponse): void;
  /** Called when this server becomes leader (the fault injector may crash it soon). */
  onLeader(s: SimServer): void;
  /** Called when a message raised this server's term (the quiet check watches who disrupts). */
  termRaised(s: SimServer, m: Message, before: number): void;
}

/**
 * FSM state hashes are compared at every index that is a multiple of this (every server
 * computes one there, so each is compared), and at snapshot installs and restarts.
 */
const STATE_HASH_EVERY = 4;

const utf8Decoder = new TextDecoder();

export class SimServer {
  raft: RaftNode | undefined;
  readonly disk: SimDisk;
  role: Role = 'follower';
  /** Bumped at every crash and start: events of an earlier life are ignored. */
  incarnation = 0;
  slowDiskUntil = 0;
  /** When it last started or crashed (gossip's failure detection). */
  sinceMs = 0;
  private store = new Store();
  private fsm = new Fsm(this.store);
  private writing = false;
  /** An announce of the commit is scheduled (RaftDriver's announce timer). */
  private announcing = false;
  private lastHanded = 0;
  private checkedCommit = 0;
  private appliedIndex = 0;
  private applyChain = 0;
  private readonly shelf: SnapshotShelf;
  private readonly desk: ClientDesk;
  private readonly configs: ConfigTrack;
  readonly stats = { starts: 0, snapshotsTaken: 0, snapshotsInstalled: 0, applied: 0, bugFired: 0, removedStepDowns: 0 };

  /** `bootstrap`: the initial cluster's configuration (undefined for a spare, which joins later). */
  constructor(readonly id: string, readonly tickMs: number, private readonly env: ServerEnv, private readonly bootstrap: Configuration | undefined) {
    this.disk = new SimDisk(id, env.checkers.book);
    this.desk = new ClientDesk(env.reply, () => this.raft?.status().leader ?? '');
    this.configs = new ConfigTrack(id);
    this.shelf = new SnapshotShelf(id, tickMs, env.q, env.net);
  }

  get up(): boolean {
    return this.raft !== undefined;
  }

  get applied(): number {
    return this.appliedIndex;
  }

  stateHash(): string {
    return stateHash(this.store.state);
  }

  // ---- life ----

  start(): void {
    assert(this.raft === undefined, `${this.id} is already up`);
    const { swarm, q, trace } = this.env;
    this.incarnation++;
    this.stats.starts++;
    this.sinceMs = q.now;
    this.store = new Store();
    this.fsm = new Fsm(this.store);
    this.shelf.clear();
    const snap = this.disk.snapshot;
    this.appliedIndex = 0;
    this.applyChain = 0;
    if (snap !== undefined) this.restoreFsm(snap);
    let hardState = { ...this.disk.hardState };
    if (swarm.bugs.includes('forget-vote') && hardState.vote !== '') {
      hardState = forgetVote(hardState);
      this.stats.bugFired++;
    }
    this.raft = new RaftNode(
      {
        id: this.id, rng: new SeededRng(this.env.rng.int(0x7fffffff)), electionTicks: swarm.electionTicks,
        heartbeatTicks: swarm.heartbeatTicks, maxEntriesPerAppend: swarm.maxEntriesPerAppend,
        maxInflightAppends: swarm.maxInflightAppends, trailingEntries: swarm.trailingEntries,
        maxCommittedEntriesPerReady: swarm.maxCommittedEntriesPerReady,
      },
      { hardState, snapshot: snap?.meta, entries: this.disk.entries.slice(), bootstrap: this.bootstrap },
    );
    this.configs.reset(snap?.meta, this.disk.entries);
    this.role = 'follower';
    this.writing = false;
    this.lastHanded = this.raft.log.lastIndex();
    this.checkedCommit = this.raft.log.committed;
    trace.add(q.now, this.id, `start #${this.incarnation} term=${this.raft.term} last=${this.lastHanded} snap=${snap?.meta.index ?? 0}`);
    const inc = this.incarnation;
    q.after(this.env.rng.next() * this.tickMs, () => this.tick(inc));
    this.processReady();
  }

  /** Power loss: the RaftNode and everything in memory are gone; unsynced writes may be lost. */
  crash(): void {
    if (this.raft === undefined) return;
    this.raft = undefined;
    this.incarnation++;
    this.sinceMs = this.env.q.now;
    const lost = this.disk.crash(this.env.rng, this.env.swarm.crashKeepProb);
    this.shelf.clear();
    this.desk.clear();
    this.env.trace.add(this.env.q.now, this.id, `CRASH (lost ${lost} unsynced writes)`);
  }

  private tick(inc: number): void {
    if (inc !== this.incarnation || this.raft === undefined) return;
    this.raft.tick();
    this.afterInput();
    this.env.q.after(this.tickMs, () => this.tick(inc));
  }

  private afterInput(): void {
    if (this.raft !== undefined && this.role === 'leader' && this.env.swarm.bugs.includes('commit-previous-term')) {
      if (commitPreviousTerm(this.raft)) {
        this.stats.bugFired++;
        this.env.trace.add(this.env.q.now, this.id, `BUG: committed ${this.raft.log.committed} of an earlier term`);
      }
    }
    this.checkLeaderCommit();
    this.processReady();
  }

  /** As RaftDriver: a commit no append carried yet is sent alone after commitAnnounceMs. */
  private maybeAnnounce(): void {
    if (this.announcing || this.raft === undefined || !this.raft.hasUnannouncedCommit()) return;
    this.announcing = true;
    const inc = this.incarnation;
    this.env.q.after(commitAnnounceMs, () => {
      if (inc !== this.incarnation) return;
      this.announcing = false;
      this.raft?.announceCommit();
      this.processReady();
    });
  }

  /**
   * Checks a leader's commit as soon as it moves: after every input (message, tick, proposal,
   * configuration change) and every advance, against the configuration in force at that moment,
   * which is the one the core decided with. Checked later (at the next Ready's end, as before
   * leaders sent first), a slow write could let the leader step down and truncate a newer
   * configuration away in between, and the check would use the wrong one.
   */
  private checkLeaderCommit(): void {
    const raft = this.raft;
    if (raft === undefined) return;
    if (raft.currentRole === 'leader' && raft.log.committed > this.checkedCommit) {
      this.env.checkers.leaderCommitted(this.id, raft.term, raft.log, this.checkedCommit, raft.log.committed, raft.configuration, this.env.disks);
    }
    this.checkedCommit = Math.max(this.checkedCommit, raft.log.committed);
  }

  // ---- messages ----

  receive(m: Message): boolean {
    if (this.raft === undefined) return false;
    this.env.trace.add(this.env.q.now, this.id, 'recv', m);
    const before = this.raft.term;
    this.raft.step(m);
    if (this.raft.term !== before) this.env.termRaised(this, m, before);
    this.afterInput();
    return true;
  }

  /** The whole snapshot stream arrived: keep its data, then step the message. */
  receiveSnapshot(m: Message & { type: 'install-snapshot' }, data: Uint8Array): boolean {
    if (this.raft === undefined) return false;
    this.shelf.arrived(m.snapshot.index, data);
    return this.receive(m);
  }

  private send(m: Message): void {
    const { net, checkers, trace, q } = this.env;
    checkers.sent(m);
    trace.add(q.now, this.id, 'send', m);
    if (m.type === 'install-snapshot') {
      this.sendSnapshot(m);
      return;
    }
    const inc = this.incarnation;
    net.sendServer(this.id, m.to, () => this.env.server(m.to)?.receive(m), (why) => {
      // A broken connection is noticed by the sender's transport (a lost packet is not).
      if (why === 'cut' && m.type === 'append' && this.env.rng.next() < 0.5) {
        q.after(this.tickMs, () => {
          if (inc !== this.incarnation || this.raft === undefined) return;
          this.raft.reportUnreachable(m.to);
          this.processReady();
        });
      }
    }, m);
  }

  private sendSnapshot(m: Message & { type: 'install-snapshot' }): void {
    const q = this.env.q;
    const inc = this.incarnation;
    let reported = false;
    const report = (ok: boolean): void => {
      if (reported || inc !== this.incarnation || this.raft === undefined) return;
      reported = true;
      if (this.env.swarm.bugs.includes('lose-snapshot-report')) {
        this.stats.bugFired++;
        return;
      }
      this.env.trace.add(q.now, this.id, `snapshot stream to ${m.to} ${ok ? 'done' : 'FAILED'}`);
      this.raft.reportSnapshot(m.to, ok);
      this.processReady();
    };
    this.shelf.stream(m, (data) => this.env.server(m.to)?.receiveSnapshot(m, data) === true, report);
  }

  // ---- the driver loop ----

  processReady(): void {
    const { q, swarm } = this.env;
    while (this.raft !== undefined && !this.writing && this.raft.hasReady()) {
      const rd = this.raft.ready();
      this.onReady(rd);
      const snap = rd.snapshot;
      let stored: StoredSnapshot | undefined;
      if (snap !== undefined) {
        const data = this.shelf.incomingData(snap.index);
        if (data === undefined) throw new SimFailure('sim', `${this.id}: installing snapshot ${snap.index} whose data never arrived`);
        stored = { meta: snap, data };
      }
      this.disk.write({ snapshot: stored, entries: rd.entries, hardState: rd.hardState });
      // A leader's appends leave while its write is under way (Ready.sendFirst); the bug sends
      // every message so, votes and acknowledgements included.
      const bug = swarm.bugs.includes('ack-before-fsync');
      const early = rd.sendFirst || bug;
      if (early) {
        if (bug && !rd.sendFirst && rd.mustSync && rd.messages.length > 0) this.stats.bugFired++;
        for (const m of rd.messages) this.send(m);
      }
      if (!rd.mustSync) {
        this.finish(rd, stored, early);
        continue;
      }
      this.writing = true;
      const inc = this.incarnation;
      q.after(this.fsyncMs(), () => {
        if (inc !== this.incarnation) return;
        this.disk.sync();
        this.writing = false;
        this.finish(rd, stored, early);
        this.processReady();
      });
    }
  }

  private fsyncMs(): number {
    const s = this.env.swarm;
    const slow = this.env.q.now < this.slowDiskUntil;
    const mean = slow ? s.slowDiskMeanMs : s.fsyncMeanMs;
    return s.fsyncMinMs - mean * Math.log(1 - this.env.rng.next());
  }

  /** Checks on the Ready as the core hands it out. */
  private onReady(rd: Ready): void {
    const raft = this.raft as RaftNode;
    const { checkers, trace, q } = this.env;
    if (rd.softState !== undefined) {
      const was = this.role;
      this.role = rd.softState.role;
      if (this.role !== was) trace.add(q.now, this.id, `${this.role} term=${raft.term} last=${raft.log.lastIndex()} commit=${raft.log.committed}`);
      if (this.role === 'leader' && was !== 'leader') {
        checkers.leader(this.id, raft.term);
        checkers.newLeader(this.id, raft.term, raft.log);
        checkQuorumOverlap(this.id, raft.term, this.env.all, (id) => this.env.disks.get(id)?.hardState.term ?? 0);
        this.env.q.after(0, () => this.env.onLeader(this));
      }
      if (was === 'leader' && this.role !== 'leader' && !isVoter(raft.configuration, this.id)) this.stats.removedStepDowns++;
    }
    this.configs.ready(rd.snapshot, rd.entries);
    this.configs.check(raft);
    if (rd.snapshot !== undefined) this.lastHanded = rd.snapshot.index;
    if (this.role === 'leader') checkers.leaderEntries(this.id, raft.term, rd.entries, this.lastHanded);
    const last = rd.entries[rd.entries.length - 1];
    if (last !== undefined) this.lastHanded = last.index;
  }

  /** The Ready's write is durable (or needed no fsync): send, install, apply, answer, advance. */
  private finish(rd: Ready, stored: StoredSnapshot | undefined, sent: boolean): void {
    const raft = this.raft as RaftNode;
    if (!sent) for (const m of rd.messages) this.send(m);
    if (stored !== undefined) this.installSnapshot(stored);
    this.apply(rd.committedEntries);
    if (this.role !== 'leader') this.desk.leadershipLost(); // after applying, as RaftDriver does
    this.desk.readStates(rd.readStates);
    raft.advance(rd);
    this.maybeAnnounce();
    if (this.role === 'leader' && !isVoter(raft.configuration, this.id)) checkRemovedLeader(this.id, raft);
    this.checkLeaderCommit();
    this.maybeSnapshot();
    this.desk.serveReads(this.appliedIndex, (key) => this.readKey(key));
  }

  // ---- the state machine ----

  private apply(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const checkers = this.env.checkers;
    const book = checkers.book;
    for (const e of entries) {
      const chain = book.link(this.applyChain, e);
      checkers.applied(this.id, e, chain);
      this.applyChain = chain;
      this.appliedIndex = e.index;
      this.stats.applied++;
      let output: KvOutput | undefined;
      if (e.type === 'command') output = this.fsm.apply(e.index, decode<Command>(e.data)) as KvOutput;
      if (e.index % STATE_HASH_EVERY === 0) checkers.stateAt(this.id, e.index, stateHash(this.store.state));
      this.desk.applied(e, output);
    }
  }

  private restoreFsm(s: StoredSnapshot): void {
    this.fsm.restore(s.meta.index, decode<SnapshotRecord[]>(s.data));
    const chain = this.env.checkers.book.at(s.meta.index, s.meta.term);
    if (chain === undefined) throw new SimFailure('sim', `${this.id}: snapshot ${s.meta.index}/${s.meta.term} of an entry nobody applied`);
    this.applyChain = chain;
    this.appliedIndex = s.meta.index;
    this.shelf.keep(s);
    this.env.checkers.stateAt(this.id, s.meta.index, stateHash(this.store.state));
    this.env.checkers.configs.snapshot(this.id, s.meta);
  }

  private installSnapshot(s: StoredSnapshot): void {
    this.env.trace.add(this.env.q.now, this.id, `install snapshot ${s.meta.index}/${s.meta.term}`);
    this.stats.snapshotsInstalled++;
    this.restoreFsm(s);
    this.shelf.installed(s.meta.index);
    this.desk.snapshotInstalled(s.meta.index);
  }

  /** Every snapshotEvery applied entries: snapshot the FSM, then compact the log (README contract). */
  private maybeSnapshot(): void {
    const raft = this.raft as RaftNode;
    const log = raft.log;
    const snapIndex = log.snapshot?.index ?? 0;
    if (log.applied < snapIndex || log.applied - snapIndex < this.env.swarm.snapshotEvery) return;
    assert(log.applied === this.appliedIndex, `${this.id}: raft applied ${log.applied}, FSM ${this.appliedIndex}`);
    let meta: SnapshotMeta = raft.snapshotMetaAt(log.applied);
    if (this.env.swarm.bugs.includes('snapshot-latest-config') && configKey(raft.configuration) !== configKey(meta.configuration)) {
      meta = { ...meta, configuration: raft.configuration };
      this.stats.bugFired++;
    }
    const data = encode([...this.fsm.snapshot().records]);
    const { firstIndex, ignored } = raft.compact(meta);
    if (ignored) return;
    this.stats.snapshotsTaken++;
    const s = { meta, data };
    this.disk.saveSnapshot(s, firstIndex);
    this.shelf.keep(s);
    this.env.trace.add(this.env.q.now, this.id, `snapshot at ${meta.index}/${meta.term}, log from ${firstIndex}`);
  }

  // ---- clients and the operator ----

  /** One membership change, as RaftDriver.changeConfiguration: `done` when settled (client-desk.ts). */
  changeConfiguration(change: ConfigurationChange, done: ChangeDone): void {
    if (this.raft === undefined) {
      done('raft is already shutdown');
      return;
    }
    const r = this.raft.proposeConfigurationChange(change);
    if ('error' in r) {
      done(r.message);
      return;
    }
    this.env.trace.add(this.env.q.now, this.id, `propose ${change.op} ${change.id} at ${r.index}`);
    this.desk.change(r.index, r.term, done);
    this.checkLeaderCommit();
    this.processReady();
  }

  /** A client's request arrived (Consul's KV endpoint on this server; no forwarding: we redirect). */
  request(r: ClientRequest): void {
    if (this.raft === undefined) return;
    const stale = r.op.kind === 'get' && this.env.swarm.bugs.includes('stale-read');
    if (stale) this.stats.bugFired++;
    this.desk.request(this.raft, r, stale ? (key) => this.readKey(key) : undefined);
    this.checkLeaderCommit();
    this.processReady();
  }

  private readKey(key: string): KvOutput {
    const e = kvsGet(this.store, key).entry;
    return e === undefined ? null : { value: e.value === null ? '' : utf8Decoder.decode(e.value), modifyIndex: e.modifyIndex };
  }
}
