/**
 * The driver's snapshots (README.md "The loop"): taking one of the FSM beside the Ready loop
 * and compacting the log after it; the data of snapshots sent to and received from peers; and
 * restoring the FSM from a snapshot the core installed.
 */
import type { Clock, Logger, Rng, Timer } from '../lib/index.js';
import type { RaftNode, SnapshotMeta } from '../raft/index.js';
import { findSnapshot, pacedForRestore, writeSnapshot, type OpenedStorage } from './driver-storage.js';
import type { RaftFsm } from './driver.js';
import { shutdown } from './errors.js';
import type { SnapshotInfo, SnapshotSink } from './storage/index.js';
import type { SnapshotSource } from './transport.js';
import type { InstallSnapshotMessage } from './wire.js';

/** How long writing a snapshot may hold the event loop before it yields. */
const snapshotYieldMs = 5;

export interface SnapshotHost {
  logger: Logger;
  clock: Clock;
  rng: Rng;
  fsm: RaftFsm;
  raft(): RaftNode;
  storage(): OpenedStorage;
  isOpen(): boolean;
  /** Throws when the driver is not open. */
  checkOpen(): void;
  appliedIndex(): number;
  /** The FSM now holds the state at `index` (an installed snapshot). */
  installed(index: number): void;
  /** Steps a message into the core and runs the loop. */
  step(m: InstallSnapshotMessage): void;
}

export class SnapshotKeeper {
  private timer: Timer | undefined;
  private task: Promise<SnapshotInfo | undefined> | undefined;
  /** Snapshots received and committed, until the core installs them (by index and term). */
  private readonly received = new Map<string, SnapshotInfo>();

  constructor(
    private readonly host: SnapshotHost,
    private readonly thresholdEntries: number,
    private readonly intervalMs: number,
  ) {}

  /** Checks every interval plus up to as much again (hashicorp/raft's randomTimeout). */
  arm(): void {
    const h = this.host;
    this.timer = h.clock.setTimer(this.intervalMs + h.rng.int(this.intervalMs), () => {
      if (!h.isOpen()) return;
      const raft = h.raft();
      if (raft.log.lastIndex() - raft.status().snapshotIndex >= this.thresholdEntries) {
        this.snapshot().catch((err: unknown) => h.logger.error('failed to take snapshot', { error: err as Error }));
      }
      this.arm();
    });
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Waits for a snapshot being taken (it stops early once the driver is closing). */
  async idle(): Promise<void> {
    await this.task?.catch(() => {});
  }

  /** See RaftDriver.snapshot. One at a time: a call while one runs gets that one. */
  snapshot(): Promise<SnapshotInfo | undefined> {
    this.task ??= this.take().finally(() => {
      this.task = undefined;
    });
    return this.task;
  }

  private async take(): Promise<SnapshotInfo | undefined> {
    const h = this.host;
    const raft = h.raft();
    const st = raft.status();
    const index = h.appliedIndex();
    if (st.applied < st.snapshotIndex || index <= st.snapshotIndex || index === 0) return undefined;
    const meta = raft.snapshotMetaAt(index);
    // The FSM captures its state now, at `index`; the chunks are written while entries apply.
    const data = h.fsm.snapshot();
    const started = h.clock.monotonicMs();
    h.logger.info('starting snapshot up to', { index });
    const aborted = (): Error | undefined => (h.isOpen() ? undefined : shutdown());
    const info = await writeSnapshot(h.storage().snapshots, meta, data, { aborted, clock: h.clock, yieldMs: snapshotYieldMs });
    if (!h.isOpen()) return info;
    const { firstIndex, ignored } = raft.compact(meta);
    const log = h.storage().log;
    if (!ignored && firstIndex > log.firstIndex) {
      h.logger.info('compacting logs', { from: log.firstIndex, to: firstIndex - 1 });
      await log.compactBefore(firstIndex);
    }
    h.logger.info('snapshot complete up to', { index, duration: `${Math.round(h.clock.monotonicMs() - started)}ms` });
    return info;
  }

  // ---- peers ----

  /** The data of the snapshot an install-snapshot to a peer names. */
  async openForPeer(m: InstallSnapshotMessage): Promise<SnapshotSource> {
    this.host.checkOpen();
    const store = this.host.storage().snapshots;
    const info = await findSnapshot(store, m.snapshot);
    if (info === undefined) throw new Error(`snapshot ${m.snapshot.term}-${m.snapshot.index} is no longer stored`);
    return store.open(info.id);
  }

  async createSink(m: InstallSnapshotMessage): Promise<SnapshotSink> {
    this.host.checkOpen();
    this.host.logger.info('receiving a snapshot from the leader', { from: m.from, index: m.snapshot.index, term: m.snapshot.term });
    return this.host.storage().snapshots.create(m.snapshot);
  }

  /**
   * All of a leader's snapshot arrived: commit it, unless the core will not install it (an
   * older term; at or below our commit; our log already has its last entry: Fig. 13 rule 6),
   * then step the message, which answers the leader.
   */
  async arrived(m: InstallSnapshotMessage, sink: SnapshotSink): Promise<void> {
    const h = this.host;
    h.checkOpen();
    const s = m.snapshot;
    const ignored = (): boolean => {
      const raft = h.raft();
      return m.term < raft.term || s.index <= raft.log.committed || raft.log.term(s.index) === s.term;
    };
    if (ignored()) {
      await sink.cancel();
      h.checkOpen();
      // The core must not install what was just discarded: if the log changed meanwhile so
      // that it would, the message is dropped (the leader sends the snapshot again).
      if (!ignored()) return;
    } else {
      const info = await sink.commit();
      this.received.clear();
      this.received.set(`${s.index}/${s.term}`, info);
      h.logger.info('copied to local snapshot', { bytes: info.size, index: s.index });
      h.checkOpen();
    }
    h.step(m);
  }

  // ---- installing (the Ready loop) ----

  /** The stored snapshot a Ready installs (its data arrived before the core saw it). */
  async forInstall(meta: SnapshotMeta): Promise<SnapshotInfo> {
    const info = this.received.get(`${meta.index}/${meta.term}`) ?? (await findSnapshot(this.host.storage().snapshots, meta));
    this.received.clear();
    if (info === undefined) throw new Error(`the snapshot to install (index ${meta.index}, term ${meta.term}) is not in the store`);
    return info;
  }

  /** Replaces the FSM's state by an installed snapshot's (the log is already reset). */
  async install(info: SnapshotInfo): Promise<void> {
    const h = this.host;
    const started = h.clock.monotonicMs();
    const reader = await h.storage().snapshots.open(info.id);
    await h.fsm.restore(pacedForRestore(reader), info.meta);
    h.installed(info.meta.index);
    h.logger.info('Installed remote snapshot', { index: info.meta.index, duration: `${Math.round(h.clock.monotonicMs() - started)}ms` });
  }
}
