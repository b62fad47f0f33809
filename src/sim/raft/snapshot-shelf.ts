/**
 * A server's snapshot files: the newest SNAPSHOTS_KEPT it took or installed (what it can stream
 * to a follower), the data of streams that arrived from a leader (stepped once complete), and
 * the stream itself: the data crosses the simulated network as one message; the sender's
 * driver reports the end a message delay after it arrived, or a failure after
 * STREAM_TIMEOUT_TICKS (a connection timeout). Pure.
 */
import type { Message } from '../../raft/index.js';
import type { EventQueue } from './event-queue.js';
import type { StoredSnapshot } from './sim-disk.js';
import type { SimNetwork } from './sim-network.js';

/** Snapshots a server keeps to stream (the newest ones). */
const SNAPSHOTS_KEPT = 2;
/** A sender learns that a snapshot stream failed after this many ticks (a connection timeout). */
const STREAM_TIMEOUT_TICKS = 5;

export class SnapshotShelf {
  private readonly kept = new Map<number, StoredSnapshot>();
  private readonly incoming = new Map<number, Uint8Array>();

  constructor(private readonly id: string, private readonly tickMs: number, private readonly q: EventQueue, private readonly net: SimNetwork) {}

  /** A start or a crash: nothing in memory survives. */
  clear(): void {
    this.kept.clear();
    this.incoming.clear();
  }

  /** A snapshot taken, restored or installed here; only the newest SNAPSHOTS_KEPT are kept. */
  keep(s: StoredSnapshot): void {
    this.kept.set(s.meta.index, s);
    const newest = [...this.kept.keys()].sort((a, b) => b - a).slice(0, SNAPSHOTS_KEPT);
    for (const i of [...this.kept.keys()]) if (!newest.includes(i)) this.kept.delete(i);
  }

  /** A leader's stream arrived whole. */
  arrived(index: number, data: Uint8Array): void {
    this.incoming.set(index, data);
  }

  /** The data of the stream for `index`, if it arrived. */
  incomingData(index: number): Uint8Array | undefined {
    return this.incoming.get(index);
  }

  /** A snapshot at `index` was installed: streams up to it are no longer needed. */
  installed(index: number): void {
    for (const i of [...this.incoming.keys()]) if (i <= index) this.incoming.delete(i);
  }

  /**
   * Streams the snapshot an install-snapshot names: `deliver` hands the data to the receiver
   * (false if it is down); `report` is the driver's reportSnapshot (at most once: callers guard).
   */
  stream(m: Message & { type: 'install-snapshot' }, deliver: (data: Uint8Array) => boolean, report: (ok: boolean) => void): void {
    const { q, net } = this;
    const data = this.kept.get(m.snapshot.index)?.data;
    if (data === undefined) {
      q.after(this.tickMs, () => report(false));
      return;
    }
    const timeout = (): void => q.after(STREAM_TIMEOUT_TICKS * this.tickMs, () => report(false));
    net.sendServer(this.id, m.to, () => {
      if (deliver(data)) q.after(net.delayMs(), () => report(true));
      else timeout();
    }, timeout);
  }
}
