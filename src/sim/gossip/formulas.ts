/**
 * What memberlist's and serf's formulas predict for a pool of n members (RELIABILITY-NOTES
 * §5.2, §5.3), to set beside what the simulator measures.
 */
import { pushPullIntervalMs, retransmitLimit, suspicionBounds, type SwimTiming } from '../../gossip/core/config.js';

export interface Expectations {
  suspicionMinMs: number;
  suspicionMaxMs: number;
  confirmationsWanted: number;
  retransmits: number;
  pushPullIntervalMs: number;
  /**
   * A crashed member's first death: one probe interval to suspect it, then the suspicion, which
   * confirmations bring down to its minimum (many members probe it every second at this size).
   */
  detectionMs: number;
  /** serf's convergence simulator: rounds until a broadcast reaches 99.99% of members, in ms. */
  spreadMs: number;
  /** Packets a member sends per second when all is well: a ping and an ack per probe interval. */
  probePacketsPerS: number;
  /** serf's bandwidth bound, halved to what one member sends: full packets to gossipNodes every round. */
  gossipBytesMaxPerS: number;
}

export function expectations(timing: SwimTiming, n: number, loss = 0): Expectations {
  const { minMs, maxMs, confirmationsWanted } = suspicionBounds(timing, n);
  return {
    suspicionMinMs: minMs,
    suspicionMaxMs: maxMs,
    confirmationsWanted,
    retransmits: retransmitLimit(timing.retransmitMult, n),
    pushPullIntervalMs: pushPullIntervalMs(timing.pushPullIntervalMs, n),
    detectionMs: timing.probeIntervalMs + minMs,
    spreadMs: epidemicSpreadMs(n, timing.gossipNodes, timing.gossipIntervalMs, loss, 0.9999),
    probePacketsPerS: 2000 / timing.probeIntervalMs,
    gossipBytesMaxPerS: (timing.udpPacketBytesMax * timing.gossipNodes * 1000) / timing.gossipIntervalMs,
  };
}

/**
 * serf's simulator (_simulator.js): infected(x) = n / (1 + (n + 1)·e^(−contact·n·x)) with
 * contact = (fanout / n)·(1 − loss)·0.5; the whole rounds x until infected/n ≥ fraction, times
 * the gossip interval. n = 100 → 2.0 s, 1,000 → 2.2 s at LAN defaults (RELIABILITY-NOTES §5.3).
 */
export function epidemicSpreadMs(n: number, fanout: number, intervalMs: number, loss: number, fraction: number): number {
  const rate = fanout * (1 - loss) * 0.5;
  const rounds = Math.ceil(Math.log((n + 1) / (1 / fraction - 1)) / rate);
  return rounds * intervalMs;
}
