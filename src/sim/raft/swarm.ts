/**
 * Swarm options (TigerBeetle VOPR style, after Groce et al.'s swarm testing): every seed draws
 * its own cluster size, timing, fault mix and rates, so one seed may be a quiet cluster with a
 * slow disk and the next a lossy network with crashes and one-way partitions. A fault class is
 * switched on per seed with probability FAULT_CLASS_ON, then its rate is drawn from the range
 * below. The options are printed with every failure: they and the seed replay the run. Pure.
 */
import { SeededRng } from '../../lib/index.js';
import type { Rng } from '../../lib/index.js';

/** Driver bugs the sim can inject (in the sim's driver, never in the core) to prove the checkers bite. */
export type BugName =
  /** Messages of a Ready are sent when it is written, before its fsync completes. */
  | 'ack-before-fsync'
  /** The leader's driver commits an entry of an earlier term once a quorum stores it (Fig. 8). */
  | 'commit-previous-term'
  /** Any server answers a consistent read from its own state at once, without read index. */
  | 'stale-read'
  /** A restarted server forgets the vote it cast in its current term. */
  | 'forget-vote'
  /** The sender's driver never reports the end of a snapshot stream (reportSnapshot). */
  | 'lose-snapshot-report'
  /** A snapshot records the latest configuration (maybe appended after its index, uncommitted) instead of the one at its index. */
  | 'snapshot-latest-config';

export const bugNames: readonly BugName[] = ['ack-before-fsync', 'commit-previous-term', 'stale-read', 'forget-vote', 'lose-snapshot-report', 'snapshot-latest-config'];

export type PartitionMode =
  /** One server cut off from every other, both ways. */
  | 'isolate'
  /** A random split into two sides (a minority and a majority, or a tie's worth). */
  | 'halves'
  /** Two sides joined by one server that hears both (etcd's bridge). */
  | 'bridge'
  /** A few random links cut in one direction only. */
  | 'one-way'
  /** The leader's outgoing links cut (it still hears everyone), or its incoming ones. */
  | 'leader-one-way';

export const partitionModes: readonly PartitionMode[] = ['isolate', 'halves', 'bridge', 'one-way', 'leader-one-way'];

export interface Swarm {
  seed: number;
  nodes: number;
  /** Nominal tick interval; each server's own is off by up to ±driftMax of it. */
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  driftMax: number;
  maxEntriesPerAppend: number;
  maxInflightAppends: number;
  trailingEntries: number;
  maxCommittedEntriesPerReady: number;
  /** A server snapshots its FSM once this many entries were applied since its last snapshot. */
  snapshotEvery: number;
  /** One-way delay: delayMinMs plus an exponential of mean delayMeanMs (capped), so messages reorder. */
  delayMinMs: number;
  delayMeanMs: number;
  lossProb: number;
  dupProb: number;
  /** Loss between clients and servers (an HTTP request or answer that never arrives). */
  clientLossProb: number;
  /** Per fault step: probability of clogging one directed link for about clogMeanMs. */
  clogProb: number;
  clogMeanMs: number;
  partitionProb: number;
  partitionModes: PartitionMode[];
  partitionMeanMs: number;
  crashProb: number;
  /** Probability that a crash or an 'isolate' partition picks the leader (Jepsen kills leaders). */
  leaderBias: number;
  /** Probability that a new leader crashes within its first NEW_LEADER_CRASH_TICKS ticks. */
  newLeaderCrashProb: number;
  /** Per fault step: probability of crashing every server at once (then all restart). */
  restartAllProb: number;
  downMeanMs: number;
  /**
   * At a crash, each write not yet fsynced survives with this probability (an ordered prefix):
   * 0 (everything unsynced is lost) in half the seeds.
   */
  crashKeepProb: number;
  fsyncMinMs: number;
  fsyncMeanMs: number;
  slowDiskProb: number;
  /** Mean fsync latency of a slow disk. */
  slowDiskMeanMs: number;
  slowDiskSpanMs: number;
  transferProb: number;
  clients: number;
  keys: number;
  /** Share of reads in Consul's default mode (the leader lease) rather than ?consistent (quorum). */
  leaseReadProb: number;
  thinkMeanMs: number;
  /** A client gives up on an attempt after this long: the operation becomes indeterminate. */
  attemptTimeoutMs: number;
  faultStepMs: number;
  /** Simulated length of the safety phase (faults on). */
  safetyMs: number;
  bugs: BugName[];
  // ---- membership (membership.ts); all off in the seeds where MEMBERSHIP_ON misses ----
  /** Spare servers (0..2) that start during the safety phase: the leader adds them as non-voters, then promotes them. */
  spares: number;
  /** Per membership step (RECONCILE_MS): probability that a voter leaves (Consul's leave: the leader removes it; a leader removes itself). */
  leaveProb: number;
  /** Probability that the voter who leaves is the leader. */
  leaveLeaderBias: number;
  /** Voters never leave below this many (a leave needs one more). */
  minVoters: number;
  /** Per membership step: probability that a server that left comes back (the leader adds it again, with its old disk). */
  rejoinProb: number;
  /** Autopilot's CleanupDeadServers: failed voters are removed (fewer than half of them at a time). */
  cleanupDeadServers: boolean;
  /** Gossip marks a server failed once it has been down this long. */
  failAfterMs: number;
  /** Autopilot: a non-voter is promoted once live this long ... */
  stabilizationMs: number;
  /** ... and within this many entries of the leader's log (huge: promoted before it caught up). */
  maxTrailingLogs: number;
  /** Per change: probability that a new server is added as a voter at once (hashicorp's AddVoter, not caught up). */
  addVoterProb: number;
}

export interface SwarmOverrides {
  nodes?: number;
  safetyMs?: number;
  bugs?: BugName[];
  /** Replace drawn values (for tests and replays of hand-made scenarios). */
  patch?: Partial<Swarm>;
}

/** Probability that a fault class (loss, dup, clog, partition, crash, slow disk, transfer) is on for a seed. */
export const FAULT_CLASS_ON = 0.6;
/** Probability that membership changes are on for a seed (they cost: up to SPARES_MAX more servers). */
export const MEMBERSHIP_ON = 0.4;
/** Most spare servers a seed may have. */
export const SPARES_MAX = 2;
/** Default simulated safety phase: short, so the corpus of 1,000 seeds fits the test budget. */
export const DEFAULT_SAFETY_MS = 4000;

const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.next();
const intIn = (rng: Rng, lo: number, hi: number): number => lo + rng.int(hi - lo + 1);
const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

export function drawSwarm(seed: number, o: SwarmOverrides = {}): Swarm {
  const rng = new SeededRng(seed ^ 0x2545f491);
  const on = (): boolean => rng.next() < FAULT_CLASS_ON;
  const rate = (hi: number): number => (on() ? round(uniform(rng, hi / 10, hi), 4) : 0);
  const modes = partitionModes.filter(() => rng.next() < 0.6);
  const swarm: Swarm = {
    seed,
    nodes: o.nodes ?? (rng.next() < 0.5 ? 3 : 5),
    tickMs: 10,
    electionTicks: intIn(rng, 6, 15),
    heartbeatTicks: intIn(rng, 1, 3),
    driftMax: round(uniform(rng, 0, 0.04)),
    maxEntriesPerAppend: intIn(rng, 1, 8),
    maxInflightAppends: intIn(rng, 1, 8),
    trailingEntries: intIn(rng, 0, 6),
    maxCommittedEntriesPerReady: intIn(rng, 1, 16),
    snapshotEvery: intIn(rng, 6, 40),
    delayMinMs: round(uniform(rng, 0.1, 1)),
    delayMeanMs: round(uniform(rng, 0.5, 12)),
    lossProb: rate(0.2),
    dupProb: rate(0.1),
    clientLossProb: rate(0.05),
    clogProb: rate(0.05),
    clogMeanMs: round(uniform(rng, 20, 300)),
    partitionProb: modes.length === 0 ? 0 : rate(0.05),
    partitionModes: modes,
    partitionMeanMs: round(uniform(rng, 50, 500)),
    crashProb: rate(0.04),
    leaderBias: round(uniform(rng, 0, 0.8), 2),
    newLeaderCrashProb: rate(0.3),
    restartAllProb: rng.next() < 0.2 ? rate(0.01) : 0,
    downMeanMs: round(uniform(rng, 20, 400)),
    crashKeepProb: rng.next() < 0.5 ? 0 : round(uniform(rng, 0, 1), 2),
    fsyncMinMs: round(uniform(rng, 0.05, 0.5)),
    fsyncMeanMs: round(uniform(rng, 0.2, 5)),
    slowDiskProb: rate(0.03),
    slowDiskMeanMs: round(uniform(rng, 20, 250)),
    slowDiskSpanMs: round(uniform(rng, 100, 600)),
    transferProb: rate(0.02),
    clients: intIn(rng, 1, 4),
    keys: intIn(rng, 1, 3),
    leaseReadProb: rng.next() < 0.5 ? round(uniform(rng, 0.2, 1), 2) : 0,
    thinkMeanMs: round(uniform(rng, 2, 40)),
    attemptTimeoutMs: round(uniform(rng, 150, 600)),
    faultStepMs: 20,
    safetyMs: o.safetyMs ?? DEFAULT_SAFETY_MS,
    bugs: o.bugs ?? [],
    ...drawMembership(rng),
  };
  return { ...swarm, ...o.patch };
}

type MembershipOptions = Pick<Swarm, 'spares' | 'leaveProb' | 'leaveLeaderBias' | 'minVoters' | 'rejoinProb' | 'cleanupDeadServers' |
  'failAfterMs' | 'stabilizationMs' | 'maxTrailingLogs' | 'addVoterProb'>;

/** Drawn last, so the options above stay what they were for every seed. */
function drawMembership(rng: Rng): MembershipOptions {
  const on = rng.next() < MEMBERSHIP_ON;
  const m: MembershipOptions = {
    spares: intIn(rng, 0, SPARES_MAX),
    leaveProb: rng.next() < 0.75 ? round(uniform(rng, 0.005, 0.04), 4) : 0,
    leaveLeaderBias: round(uniform(rng, 0, 0.7), 2),
    minVoters: intIn(rng, 1, 3),
    rejoinProb: rng.next() < 0.5 ? round(uniform(rng, 0.01, 0.08), 4) : 0,
    cleanupDeadServers: rng.next() < 0.5,
    failAfterMs: round(uniform(rng, 40, 400)),
    stabilizationMs: round(rng.next() < 0.3 ? 0 : uniform(rng, 10, 400)),
    maxTrailingLogs: rng.next() < 0.3 ? 1_000_000 : intIn(rng, 0, 40),
    addVoterProb: rng.next() < 0.3 ? round(uniform(rng, 0.1, 0.5), 2) : 0,
  };
  if (!on) return { ...m, spares: 0, leaveProb: 0, rejoinProb: 0, cleanupDeadServers: false, addVoterProb: 0 };
  return m;
}

/** Whether a swarm changes membership at all. */
export function membershipOn(s: Swarm): boolean {
  return s.spares > 0 || s.leaveProb > 0 || s.cleanupDeadServers;
}

/** The longest election timeout any server can have (ticks run up to driftMax slow). */
export function maxElectionMs(s: Swarm): number {
  return 2 * s.electionTicks * s.tickMs * (1 + s.driftMax);
}

/** Liveness: after the heal a leader must exist within this (10 x the longest election timeout). */
export function leaderBoundMs(s: Swarm): number {
  return 10 * maxElectionMs(s);
}

/** One line of `key=value` pairs, the failure report's swarm. */
export function formatSwarm(s: Swarm): string {
  return Object.entries(s)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') || '-' : String(v)}`)
    .join(' ');
}
