/**
 * RaftDriver: the loop of the core's driver contract (src/raft/README.md) over the storage in
 * data_dir and the RaftTransport. One Ready at a time, serially: persist (log append + one
 * fdatasync, term and vote replaced atomically) BEFORE its messages leave (a leader's appends
 * go out while its own write is under way: Ready.sendFirst), then apply the
 * committed entries, answer reads, advance. Ticks and incoming messages reach the core at any
 * time; what they produce waits for the next Ready. Snapshots are streamed to disk beside the
 * loop. Nothing here blocks the event loop on the disk (storage/README.md).
 */
import { assert, MusterError, type Logger, type Timer } from '../lib/index.js';
import { commitAnnounceMs, emptyHardState, RaftNode } from '../raft/index.js';
import type { ChangeError, Configuration, ConfigurationChange, Entry, Message, ReadMode, ReadState, Ready, ServerId, SoftState } from '../raft/index.js';
import type { RaftDriverOptions, RaftDriverStatus } from './driver-options.js';
import { SnapshotKeeper } from './driver-snapshots.js';
import { describeConfiguration, openStorage, pacedForRestore, type OpenedStorage } from './driver-storage.js';
import { leadershipLost, NotLeaderError, refusalError, shutdown, transferErrorTexts } from './errors.js';
import { commitHintIntervalMs, snapshotIntervalMsDefault, snapshotThresholdDefault, tickMsDefault, transferTimeoutElections } from './limits.js';
import type { SnapshotInfo } from './storage/index.js';
import type { RaftTransportHandler } from './transport.js';
import { ProposalWaiters, ReadWaiters } from './waiters.js';

export type { RaftDriverOptions, RaftDriverStatus, RaftFsm } from './driver-options.js';

type DriverState = 'new' | 'opening' | 'open' | 'closing' | 'closed' | 'failed';

export class RaftDriver {
  private readonly logger: Logger;
  private readonly tickMs: number;
  private raft!: RaftNode;
  private storage!: OpenedStorage;
  private state: DriverState = 'new';
  private appliedIndex = 0;
  private looping = false;
  private loopDone: Promise<void> = Promise.resolve();
  private tickTimer: Timer | undefined;
  private hintTimer: Timer | undefined;
  private announceTimer: Timer | undefined;
  private ticks = 0;
  private softState: SoftState = { role: 'follower', leader: '' };
  private lastTerm = 0;
  private saved = { term: 0, vote: '' };
  /** The highest commit whose entries are durable here: what the hard state may record. */
  private safeCommit = 0;
  /** When a leader's append, heartbeat or snapshot last arrived (X-Consul-LastContact, to the millisecond). */
  private leaderHeardMs: number | undefined;
  private closing: Promise<void> | undefined;
  private failure: Error | undefined;
  private readonly proposals = new ProposalWaiters();
  private readonly reads = new ReadWaiters();
  private transfers: { deadlineTick: number; resolve: (leader: ServerId) => void; reject: (err: Error) => void }[] = [];
  private readonly idByAddress = new Map<string, ServerId>();
  private readonly snapshots: SnapshotKeeper;
  private readonly handler: RaftTransportHandler;

  constructor(private readonly opts: RaftDriverOptions) {
    this.logger = opts.logger.named('raft');
    this.tickMs = opts.tickMs ?? tickMsDefault;
    const threshold = opts.snapshotThreshold ?? snapshotThresholdDefault;
    const intervalMs = opts.snapshotIntervalMs ?? snapshotIntervalMsDefault;
    assert(this.tickMs > 0 && threshold >= 1 && intervalMs > 0, 'raft driver: bad timing options');
    this.snapshots = new SnapshotKeeper({
      logger: this.logger, clock: opts.clock, rng: opts.rng, fsm: opts.fsm,
      raft: () => this.raft,
      storage: () => this.storage,
      isOpen: () => this.state === 'open',
      checkOpen: () => this.checkOpen(),
      appliedIndex: () => this.appliedIndex,
      installed: (index) => {
        this.appliedIndex = index;
        this.proposals.skipTo(index);
        this.reads.applied(index);
      },
      step: (m) => this.receive(m),
    }, threshold, intervalMs);
    this.handler = {
      message: (m) => this.receive(m),
      unreachable: (address) => this.unreachable(address),
      openSnapshot: (m) => this.snapshots.openForPeer(m),
      snapshotSent: (m, ok) => {
        if (this.state !== 'open') return;
        this.raft.reportSnapshot(m.to, ok);
        this.kick();
      },
      createSnapshotSink: (m) => this.snapshots.createSink(m),
      snapshotReceived: (m, sink) => this.snapshots.arrived(m, sink),
    };
  }

  // ---- life ----

  /**
   * Opens the storage, restores the state machine from the newest snapshot, rebuilds the core
   * from the stored hard state, snapshot and entries (or the bootstrap configuration on a
   * brand-new server), and starts ticking. The committed entries after the snapshot are
   * applied again by the loop.
   */
  async open(): Promise<void> {
    assert(this.state === 'new', 'raft driver: open() called twice');
    this.state = 'opening';
    const o = this.opts;
    try {
      this.storage = await openStorage({
        dataDir: o.dataDir, clock: o.clock, logger: this.logger, fs: o.fs, segmentBytes: o.segmentBytes, bootstrap: o.bootstrap,
        restore: (chunks, meta) => o.fsm.restore(pacedForRestore(chunks), meta),
      });
    } catch (err) {
      if (this.state === 'opening') this.state = 'failed';
      throw err;
    }
    const restored = this.storage.restored;
    try {
      // close() called while the storage was opening: it found nothing to close.
      if (this.state !== 'opening') throw shutdown();
      this.raft = new RaftNode({ ...o.raft, id: o.id, rng: o.rng, logger: o.logger }, restored);
    } catch (err) {
      if (this.state === 'opening') this.state = 'failed';
      await this.storage.log.close().catch(() => {});
      await this.storage.hardState.close().catch(() => {});
      throw err;
    }
    this.appliedIndex = restored.snapshot?.index ?? 0;
    this.saved = { term: restored.hardState.term, vote: restored.hardState.vote };
    this.safeCommit = Math.min(restored.hardState.commit, this.raft.log.lastIndex());
    this.lastTerm = this.raft.term;
    const st = this.raft.status();
    this.logger.info('initial configuration', { index: st.configurationIndex, servers: describeConfiguration(st.configuration) });
    this.state = 'open';
    o.transport.attach(this.handler);
    this.tickTimer = o.clock.setTimer(this.tickMs, this.onTick);
    this.snapshots.arm();
    this.kick();
    o.clock.setTimer(0, () => this.campaignIfAlone());
  }

  /** The only voter need not wait out an election timeout (no one else could lead). */
  private campaignIfAlone(): void {
    if (this.state !== 'open') return;
    const voters = this.raft.configuration.servers.filter((s) => s.suffrage === 'voter');
    if (voters.length !== 1 || voters[0]!.id !== this.opts.id) return;
    this.raft.campaign();
    this.kick();
  }

  /** Stops ticking, finishes the Ready in progress, closes the connections and the storage. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const wasOpen = this.state === 'open';
    if (this.state !== 'failed') this.state = 'closing';
    this.stopTimers();
    this.opts.transport.detach(this.handler);
    await this.loopDone;
    await this.snapshots.idle();
    this.failWaiters(() => this.failure ?? shutdown());
    const s = this.storage as OpenedStorage | undefined;
    if (wasOpen && s !== undefined) {
      await s.hardState.save({ ...this.saved, commit: this.safeCommit }).catch((err: unknown) => this.logger.error('failed to save the commit index', { error: err as Error }));
    }
    await this.opts.transport.close();
    if (s !== undefined) {
      await s.log.close().catch(() => {});
      await s.hardState.close().catch(() => {});
    }
    this.state = 'closed';
  }

  private stopTimers(): void {
    this.tickTimer?.cancel();
    this.hintTimer?.cancel();
    this.announceTimer?.cancel();
    this.tickTimer = this.hintTimer = this.announceTimer = undefined;
    this.snapshots.stop();
  }

  /** The disk failed or the FSM threw: stop everything, fail every caller (Consul would panic). */
  private fatal(err: Error): void {
    if (this.state !== 'open') {
      this.logger.debug('error after shutdown began', { error: err });
      return;
    }
    this.state = 'failed';
    this.failure = new MusterError('ERR_INTERNAL', `raft stopped: ${err.message}`, { cause: err });
    this.logger.error('raft stopped after a fatal error', { error: err });
    this.stopTimers();
    this.opts.transport.detach(this.handler);
    this.failWaiters(() => this.failure!);
    this.opts.onFatal?.(err);
  }

  private failWaiters(err: () => Error): void {
    this.proposals.failAll(err);
    this.reads.failAll(err);
    for (const t of this.transfers.splice(0)) t.reject(err());
  }

  private closedError(): Error | undefined {
    return this.state === 'open' ? undefined : (this.failure ?? shutdown());
  }

  private checkOpen(): void {
    const closed = this.closedError();
    if (closed) throw closed;
  }

  // ---- the loop ----

  private readonly onTick = (): void => {
    if (this.state !== 'open') return;
    this.ticks++;
    try {
      this.raft.tick();
    } catch (err) {
      this.fatal(err as Error);
      return;
    }
    this.checkTransfers();
    this.kick();
    this.tickTimer = this.opts.clock.setTimer(this.tickMs, this.onTick);
  };

  /** Runs the Ready loop unless it is running (it re-checks for work before it stops). */
  private kick(): void {
    if (this.looping || this.state !== 'open') return;
    this.looping = true;
    this.loopDone = this.runLoop();
  }

  private async runLoop(): Promise<void> {
    try {
      while (this.state === 'open' && this.raft.hasReady()) {
        await this.handleReady(this.raft.ready());
        if (this.raft.hasUnannouncedCommit()) this.scheduleAnnounce();
      }
    } catch (err) {
      this.fatal(err as Error);
    } finally {
      this.looping = false;
    }
  }

  private async handleReady(rd: Ready): Promise<void> {
    const { log, hardState } = this.storage;
    let installing: SnapshotInfo | undefined;
    if (rd.snapshot !== undefined) {
      installing = await this.snapshots.forInstall(rd.snapshot);
      await log.reset(rd.snapshot.index + 1);
    }
    // A leader's appends go out while its own write is on the way to the disk (Ready.sendFirst).
    if (rd.sendFirst) for (const m of rd.messages) this.send(m);
    if (rd.entries.length > 0) log.append(rd.entries);
    const durable: Promise<void>[] = [];
    if (rd.entries.length > 0) durable.push(log.sync());
    const hs = rd.hardState;
    if (hs !== undefined && (hs.term !== this.saved.term || hs.vote !== this.saved.vote)) {
      // The commit recorded is one whose entries are already durable (a crash between the
      // two writes must not leave a commit over entries that never reached the disk).
      this.saved = { term: hs.term, vote: hs.vote };
      durable.push(hardState.save({ ...this.saved, commit: this.safeCommit }));
    }
    await Promise.all(durable);
    if (hs !== undefined) this.commitDurable(hs.commit);
    if (!rd.sendFirst) for (const m of rd.messages) this.send(m);
    if (installing !== undefined) await this.snapshots.install(installing);
    this.apply(rd.committedEntries);
    for (const r of rd.readStates) this.answerRead(r);
    if (rd.softState !== undefined || this.raft.term !== this.lastTerm) this.changeState(rd.softState ?? this.softState);
    this.raft.advance(rd);
  }

  private apply(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    for (const e of entries) {
      const result = e.type === 'command' ? this.opts.fsm.apply(e) : undefined;
      this.appliedIndex = e.index;
      this.proposals.applied(e, result);
    }
    this.reads.applied(this.appliedIndex);
  }

  private answerRead(r: ReadState): void {
    const err = r.error === undefined ? undefined : r.error === 'not-leader' ? () => this.notLeader() : () => new MusterError('ERR_INTERNAL', 'too many pending reads');
    this.reads.answer(r.requestId, r.index, err, this.appliedIndex);
  }

  private changeState(ss: SoftState): void {
    const prev = this.softState;
    this.softState = ss;
    this.lastTerm = this.raft.term;
    if (prev.role === 'follower' && ss.role === 'pre-candidate') {
      this.logger.warn('heartbeat timeout reached, starting election', { 'last-leader': prev.leader });
    }
    if (prev.role === 'leader' && ss.role !== 'leader') {
      // hashicorp/raft's ErrLeadershipLost: appended entries may still commit under the next
      // leader, or be truncated; the callers cannot know which.
      this.proposals.failAll(leadershipLost);
    }
    this.checkTransfers();
    this.opts.onStateChange?.({ role: ss.role, leader: ss.leader, term: this.raft.term });
  }

  /** Sends a new commit alone if no write's append carried it within commitAnnounceMs. */
  private scheduleAnnounce(): void {
    this.announceTimer ??= this.opts.clock.setTimer(commitAnnounceMs, () => {
      this.announceTimer = undefined;
      if (this.state !== 'open') return;
      this.raft.announceCommit();
      this.kick();
    });
  }

  /** Entries up to `commit` are durable here: the hard state may record it (at most once a second). */
  private commitDurable(commit: number): void {
    if (commit <= this.safeCommit) return;
    this.safeCommit = commit;
    this.hintTimer ??= this.opts.clock.setTimer(commitHintIntervalMs, () => {
      this.hintTimer = undefined;
      if (this.state !== 'open') return;
      this.storage.hardState.save({ ...this.saved, commit: this.safeCommit }).catch((err: unknown) => this.fatal(err as Error));
    });
  }

  private send(m: Message): void {
    const address = this.addressOf(m.to);
    if (address === undefined) {
      this.logger.debug('no address for server: message dropped', { id: m.to, type: m.type });
      return;
    }
    this.idByAddress.set(address, m.to);
    this.opts.transport.send(address, m);
  }

  private addressOf(id: ServerId): string | undefined {
    if (this.opts.addressOf !== undefined) return this.opts.addressOf(id);
    return this.configurationAddress(id);
  }

  /** A server's address in the latest configuration (committed or not). */
  configurationAddress(id: ServerId): string | undefined {
    return this.raft.configuration.servers.find((s) => s.id === id)?.address;
  }

  // ---- the transport's side ----

  private receive(m: Message): void {
    if (this.state !== 'open') return;
    if ((m.type === 'append' || m.type === 'heartbeat' || m.type === 'install-snapshot') && m.term >= this.raft.term) {
      this.leaderHeardMs = this.opts.clock.monotonicMs();
    }
    try {
      this.raft.step(m);
    } catch (err) {
      // A broken invariant of the core (asserted): stop rather than go on with a bad state.
      this.fatal(err as Error);
      return;
    }
    this.kick();
  }

  private unreachable(address: string): void {
    const id = this.idByAddress.get(address);
    if (this.state !== 'open' || id === undefined) return;
    this.raft.reportUnreachable(id);
    this.kick();
  }

  // ---- requests ----

  /**
   * Takes a snapshot of the state machine at the applied index now, streams it to disk, then
   * compacts the log (hashicorp/raft's user snapshot). Resolves with undefined when there is
   * nothing new since the last one or a snapshot from the leader is being installed.
   */
  snapshot(): Promise<SnapshotInfo | undefined> {
    const closed = this.closedError();
    if (closed) return Promise.reject(closed);
    return this.snapshots.snapshot();
  }

  /**
   * Appends `data` as a command; resolves with the FSM's result once it is applied here.
   * Refused at once (nothing appended) with NotLeaderError when this server is not the leader.
   * Rejected with "leadership lost while committing log" when leadership is lost before the
   * entry is applied, or another term's entry took its index: the write may or may not
   * happen, exactly as with hashicorp/raft.
   */
  propose(data: Uint8Array): Promise<unknown> {
    const closed = this.closedError();
    if (closed) return Promise.reject(closed);
    const r = this.raft.propose(data);
    if ('error' in r) return Promise.reject(this.refusal(r.error, r.message));
    this.kick();
    return this.proposals.add(r.index, r.term);
  }

  /**
   * Resolves once this server's applied state is at least the leader's commit index at the
   * time of the call: 'quorum' confirms leadership with a heartbeat round (Consul's
   * `consistent`), 'lease' answers at once while the leader's lease holds (`default`).
   */
  read(mode: ReadMode): Promise<void> {
    const closed = this.closedError();
    if (closed) return Promise.reject(closed);
    const { id, promise } = this.reads.start();
    this.raft.readIndex(id, mode);
    this.kick();
    return promise;
  }

  /** One membership change; resolves with its index once it is committed and applied here. */
  async changeConfiguration(change: ConfigurationChange): Promise<number> {
    this.checkOpen();
    const r = this.raft.proposeConfigurationChange(change);
    if ('error' in r) throw this.refusal(r.error, r.message);
    this.kick();
    await this.proposals.add(r.index, r.term);
    return r.index;
  }

  /**
   * Hands leadership to `to` (default: the most caught-up voter); resolves with the new
   * leader's id ('' if none is known yet) once this server stepped down.
   */
  transferLeadership(to?: ServerId): Promise<ServerId> {
    const closed = this.closedError();
    if (closed) return Promise.reject(closed);
    const r = this.raft.transferLeadership(to);
    if ('error' in r) {
      return Promise.reject(r.error === 'not-leader' ? this.notLeader() : new MusterError('ERR_BAD_REQUEST', transferErrorTexts[r.error]));
    }
    this.kick();
    const deadlineTick = this.ticks + transferTimeoutElections * this.raft.opts.electionTicks;
    return new Promise((resolve, reject) => this.transfers.push({ deadlineTick, resolve, reject }));
  }

  private checkTransfers(): void {
    if (this.transfers.length === 0) return;
    const st = this.raft.status();
    if (st.role !== 'leader') {
      for (const t of this.transfers.splice(0)) t.resolve(st.leader);
      return;
    }
    this.transfers = this.transfers.filter((t) => {
      if (this.ticks < t.deadlineTick) return true;
      t.reject(new MusterError('ERR_INTERNAL', 'leadership transfer timeout'));
      return false;
    });
  }

  private refusal(error: ChangeError, message: string): MusterError {
    return error === 'not-leader' ? this.notLeader() : refusalError(error, message);
  }

  private notLeader(): NotLeaderError {
    const leader = this.raft.status().leader;
    return new NotLeaderError(leader, leader === '' ? undefined : this.addressOf(leader));
  }

  /**
   * Bootstraps the cluster on a server that has no state yet (bootstrap_expect: the expected
   * servers became known through gossip after open). Resolves false, changing nothing, when
   * this server has any: a term, an entry or a snapshot (it was bootstrapped before, or a
   * leader or candidate reached it first: hashicorp/raft's "bootstrap only works on new clusters").
   */
  async bootstrap(configuration: Configuration): Promise<boolean> {
    this.checkOpen();
    while (this.looping) await this.loopDone;
    this.checkOpen();
    const st = this.raft.status();
    if (st.term !== 0 || st.lastIndex !== 0 || st.snapshotIndex !== 0) return false;
    const o = this.opts;
    this.raft = new RaftNode({ ...o.raft, id: o.id, rng: o.rng, logger: o.logger }, { hardState: emptyHardState, entries: [], snapshot: undefined, bootstrap: configuration });
    this.lastTerm = this.raft.term;
    this.campaignIfAlone();
    this.kick();
    return true;
  }

  // ---- inspection ----

  status(): RaftDriverStatus {
    assert(this.state !== 'new' && this.state !== 'opening', 'raft driver: status() before open()');
    const s = this.raft.status();
    return {
      ...s,
      appliedIndex: this.appliedIndex,
      lastContactMs: s.role === 'leader' ? 0 : s.leader !== '' && this.leaderHeardMs !== undefined ? Math.round(this.opts.clock.monotonicMs() - this.leaderHeardMs) : s.leaderContactTicks * this.tickMs,
      leaderAddress: s.leader === '' ? undefined : this.addressOf(s.leader),
    };
  }

  get isLeader(): boolean {
    return this.state === 'open' && this.raft.status().role === 'leader';
  }
}
