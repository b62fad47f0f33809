/**
 * SWIM timing, as hashicorp/memberlist configures and scales it (config.go, util.go). The LAN
 * profile is what Consul's LAN pool uses (its `gossip_lan` settings override single values);
 * WAN is the servers' cross-datacenter pool; Local suits a simulator or a loopback test.
 */

export interface SwimTiming {
  probeIntervalMs: number;
  probeTimeoutMs: number;
  /** Members asked to probe on our behalf when a direct probe fails. */
  indirectChecks: number;
  /** Suspicion lasts suspicionMult × log10(n) probe intervals at least (see suspicionTimeoutMs). */
  suspicionMult: number;
  /** ... and at most this many times that, before independent confirmations shorten it. */
  suspicionMaxTimeoutMult: number;
  /** A broadcast is piggybacked retransmitMult × ceil(log10(n + 1)) times. */
  retransmitMult: number;
  /** Members gossiped to every gossipInterval. */
  gossipNodes: number;
  gossipIntervalMs: number;
  /** Dead members keep receiving gossip this long (so they learn they were declared dead). */
  gossipToTheDeadMs: number;
  pushPullIntervalMs: number;
  tcpTimeoutMs: number;
  /** Lifeguard's local health multiplier is capped below this (probe interval up to 8×). */
  awarenessMaxMultiplier: number;
  /** Largest UDP packet we send (memberlist's UDPBufferSize). */
  udpPacketBytesMax: number;
  /**
   * Lifeguard (arXiv:1707.00788) on; true in every profile. Off is the paper's SWIM baseline, as
   * memberlist ran before Lifeguard: no local health (the multiplier stays 1), indirect probes
   * ask for no nacks, a fixed suspicion timeout of the minimum (SuspicionMaxTimeoutMult = 1,
   * confirmations neither shorten it nor are gossiped again), and no suspicion riding along
   * with the ping to a suspect (buddy system). For the simulator's comparison.
   */
  lifeguard: boolean;
  /**
   * Prompt gossip (ours; memberlist has no such thing): news is gossiped as soon as it is
   * queued, in one extra round between two ticks of the gossip interval, instead of waiting
   * for the next tick. Each hop of a broadcast's spread then costs a packet's latency rather
   * than half an interval on average. A broadcast is still sent `retransmits` times in all, so
   * the bytes per broadcast stay the same; the packets at most double, in a burst of news.
   */
  promptGossip: boolean;
}

export const lanTiming: SwimTiming = {
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  retransmitMult: 4,
  gossipNodes: 3,
  gossipIntervalMs: 200,
  gossipToTheDeadMs: 30_000,
  pushPullIntervalMs: 30_000,
  tcpTimeoutMs: 10_000,
  awarenessMaxMultiplier: 8,
  udpPacketBytesMax: 1400,
  lifeguard: true,
  promptGossip: true,
};

export const wanTiming: SwimTiming = {
  ...lanTiming,
  probeIntervalMs: 5000,
  probeTimeoutMs: 3000,
  suspicionMult: 6,
  gossipNodes: 4,
  gossipIntervalMs: 500,
  gossipToTheDeadMs: 60_000,
  pushPullIntervalMs: 60_000,
  tcpTimeoutMs: 30_000,
};

export const localTiming: SwimTiming = {
  ...lanTiming,
  probeIntervalMs: 1000,
  probeTimeoutMs: 200,
  indirectChecks: 1,
  suspicionMult: 3,
  retransmitMult: 2,
  gossipIntervalMs: 100,
  gossipToTheDeadMs: 15_000,
  pushPullIntervalMs: 15_000,
  tcpTimeoutMs: 1000,
};

/** memberlist's suspicionTimeout: suspicionMult × max(1, log10(max(1, n))) × probeInterval. */
export function suspicionTimeoutMs(suspicionMult: number, members: number, probeIntervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, members)));
  // memberlist keeps three decimals of the scale (time.Duration arithmetic).
  return Math.floor((suspicionMult * Math.floor(nodeScale * 1000) * probeIntervalMs) / 1000);
}

/**
 * memberlist's retransmitLimit: retransmitMult × ceil(log10(n + 1)). JavaScript's Math.log10 is
 * exact on powers of ten, as Go's math.Log10 is, so the steps (n = 9, 99, 999...) agree.
 */
export function retransmitLimit(retransmitMult: number, members: number): number {
  return retransmitMult * Math.ceil(Math.log10(members + 1));
}

/** Push/pull runs less often in big pools: above 32 members, × (ceil(log2 n − log2 32) + 1). */
export const pushPullScaleThreshold = 32;

export function pushPullIntervalMs(intervalMs: number, members: number): number {
  if (members <= pushPullScaleThreshold) return intervalMs;
  return (Math.ceil(Math.log2(members) - Math.log2(pushPullScaleThreshold)) + 1) * intervalMs;
}

/**
 * Confirmations that shorten a suspicion (memberlist: suspicionMult − 2, none when the pool is
 * too small to have that many other members to confirm).
 */
export function suspicionConfirmationsWanted(suspicionMult: number, members: number): number {
  const k = suspicionMult - 2;
  return members - 2 < k ? 0 : k;
}

/**
 * A suspicion's bounds in a pool of `members` (memberlist's suspectNode): from max down to min
 * with `confirmationsWanted` independent confirmations. Without Lifeguard it is min, fixed.
 */
export function suspicionBounds(timing: SwimTiming, members: number): { minMs: number; maxMs: number; confirmationsWanted: number } {
  const minMs = suspicionTimeoutMs(timing.suspicionMult, members, timing.probeIntervalMs);
  if (!timing.lifeguard) return { minMs, maxMs: minMs, confirmationsWanted: 0 };
  return { minMs, maxMs: minMs * timing.suspicionMaxTimeoutMult, confirmationsWanted: suspicionConfirmationsWanted(timing.suspicionMult, members) };
}
