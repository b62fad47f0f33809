/**
 * The simulated network between servers (and between clients and servers). Each message is
 * delayed by delayMinMs plus an exponential of mean delayMeanMs (capped at DELAY_CAP_FACTOR
 * times the mean), so messages reorder; it may be lost (lossProb) or delivered twice
 * (dupProb, with its own delay). Links between servers can be cut both ways or one way
 * (asymmetric partitions): a message on a cut link is lost at sending and at delivery (what
 * was in flight when the cut came is lost too). A clogged link holds its messages until it
 * unclogs (FoundationDB's clogging), then delivers them in random order.
 *
 * Client links model HTTP over TCP: loss (a request or answer that never arrives, the client
 * times out) but no duplicates and no partitions. Pure.
 */
import type { Rng } from '../../lib/index.js';
import type { Message } from '../../raft/index.js';
import type { EventQueue } from './event-queue.js';
import type { Swarm } from './swarm.js';

/** Exponential delays are capped at this many means (a bound on reordering). */
export const DELAY_CAP_FACTOR = 8;

export type LossReason = 'loss' | 'cut';

export class SimNetwork {
  lossProb: number;
  dupProb: number;
  clientLossProb: number;
  private readonly cut = new Set<string>();
  private readonly clogUntil = new Map<string, number>();
  /**
   * A targeted fault for scripted scenarios: Raft messages it returns true for (when sent or
   * when arriving) are lost.
   */
  dropIf: ((m: Message) => boolean) | undefined;
  /** Counters for the run's statistics. */
  readonly stats = { sent: 0, lost: 0, cut: 0, duplicated: 0, clogged: 0 };

  constructor(private readonly q: EventQueue, private readonly rng: Rng, private readonly swarm: Swarm) {
    this.lossProb = swarm.lossProb;
    this.dupProb = swarm.dupProb;
    this.clientLossProb = swarm.clientLossProb;
  }

  delayMs(): number {
    const mean = this.swarm.delayMeanMs;
    const exp = -mean * Math.log(1 - this.rng.next());
    return this.swarm.delayMinMs + Math.min(exp, DELAY_CAP_FACTOR * mean);
  }

  isCut(from: string, to: string): boolean {
    return this.cut.size > 0 && this.cut.has(`${from}>${to}`);
  }

  cutOneWay(from: string, to: string): void {
    this.cut.add(`${from}>${to}`);
  }

  cutBoth(a: string, b: string): void {
    this.cutOneWay(a, b);
    this.cutOneWay(b, a);
  }

  cuts(): string[] {
    return [...this.cut];
  }

  clearCuts(): void {
    this.cut.clear();
  }

  clog(from: string, to: string, forMs: number): void {
    this.clogUntil.set(`${from}>${to}`, this.q.now + forMs);
  }

  clearClogs(): void {
    this.clogUntil.clear();
  }

  /** Heals everything: no cuts, no clogs, no loss, no duplicates. */
  heal(): void {
    this.clearCuts();
    this.clearClogs();
    this.lossProb = 0;
    this.dupProb = 0;
    this.clientLossProb = 0;
  }

  /**
   * Sends between servers: `deliver` runs at arrival (once or twice); `lost` runs once if no
   * copy arrives (the sender's driver would see its stream or connection fail).
   */
  sendServer(from: string, to: string, deliver: () => void, lost?: (why: LossReason) => void, m?: Message): void {
    this.stats.sent++;
    if (this.isCut(from, to) || (m !== undefined && this.dropIf?.(m) === true)) {
      this.stats.cut++;
      lost?.('cut');
      return;
    }
    if (this.rng.next() < this.lossProb) {
      this.stats.lost++;
      lost?.('loss');
      return;
    }
    const copies = this.rng.next() < this.dupProb ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    let pending = copies;
    let arrived = false;
    for (let i = 0; i < copies; i++) {
      this.q.after(this.arrivalDelay(from, to), () => {
        pending--;
        if (!this.isCut(from, to) && !(m !== undefined && this.dropIf?.(m) === true)) {
          arrived = true;
          deliver();
        } else if (pending === 0 && !arrived) {
          this.stats.cut++;
          lost?.('cut');
        }
      });
    }
  }

  /** Client <-> server: loss only. */
  sendClient(deliver: () => void): void {
    this.stats.sent++;
    if (this.rng.next() < this.clientLossProb) {
      this.stats.lost++;
      return;
    }
    this.q.after(this.delayMs(), deliver);
  }

  private arrivalDelay(from: string, to: string): number {
    const d = this.delayMs();
    if (this.clogUntil.size === 0) return d;
    const until = this.clogUntil.get(`${from}>${to}`);
    if (until === undefined || until <= this.q.now) return d;
    this.stats.clogged++;
    return until - this.q.now + d;
  }
}
