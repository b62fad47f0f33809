/**
 * runSeed(seed, options): one simulated run in two phases (TigerBeetle VOPR's):
 *
 * 1. safety: swarm.safetyMs of simulated time with faults on, clients running, every checker
 *    live (checkers.ts);
 * 2. liveness: heal everything (all servers up, no loss, no cuts, fast disks, no new membership
 *    change). A leader must exist within leaderBoundMs (10 x the longest election timeout);
 *    within twice that, every open client operation must end and every client must complete
 *    its final write and read, and every server of the final configuration must apply up to
 *    the leader's commit with equal state hashes. With membership changes on, servers outside
 *    the final configuration (removed, still running, maybe campaigning) must then not disrupt
 *    it for QUIET_ELECTIONS longest election timeouts.
 *
 * Then the recorded KV history must be linearizable (checkKvHistory, Wing-Gong). A failure
 * names the checker, the seed, the swarm, the servers' state and the trace's last events. Pure.
 */
import { AssertionError } from '../../lib/index.js';
import { checkKvHistory } from '../linearizability/index.js';
import { Cluster } from './cluster.js';
import { SimFailure } from './failure.js';
import type { CheckerName } from './failure.js';
import { drawSwarm, formatSwarm, leaderBoundMs, maxElectionMs, membershipOn } from './swarm.js';
import type { BugName, Swarm } from './swarm.js';

export interface RunOptions {
  nodes?: number;
  safetyMs?: number;
  bugs?: BugName[];
  patch?: Partial<Swarm>;
  /** Trace lines kept for a failure report (default TRACE_LINES). */
  traceLines?: number;
  /** Streams every trace line as it happens (the runner's --seed replay). */
  onTrace?: (line: string) => void;
  /** Checkers to switch off (only 'commit-durable' can be). */
  disable?: CheckerName[];
  /** Step budget of the linearizability check (its answer is 'unknown' beyond). */
  linearizabilitySteps?: number;
}

export interface RunFailure {
  checker: CheckerName;
  message: string;
  seed: number;
  atMs: number;
  servers: string[];
  trace: string[];
}

export interface RunStats {
  simMs: number;
  events: number;
  leaders: number;
  committed: number;
  ops: number;
  opsOk: number;
  timeouts: number;
  crashes: number;
  partitions: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  messages: number;
  hashChecks: number;
  /** Membership: spares started, committed configuration entries after the bootstrap one, and changes by kind. */
  joins: number;
  configChanges: number;
  adds: number;
  promotes: number;
  removes: number;
  /** Leaders that removed themselves (Consul's leave) and stepped down once that committed. */
  removedLeaderStepDowns: number;
  leaves: number;
  rejoins: number;
  changesFailed: number;
  /** Times an injected bug changed the driver's behaviour. */
  bugFired: number;
  linearizability: 'ok' | 'unknown' | 'failed' | 'skipped';
  leaderAfterHealMs: number | undefined;
}

export interface RunResult {
  ok: boolean;
  seed: number;
  swarm: Swarm;
  /** The command line that replays this run. */
  replay: string;
  stats: RunStats;
  failure?: RunFailure;
}

export const TRACE_LINES = 60;
export const DEFAULT_LINEARIZABILITY_STEPS = 5_000_000;
/**
 * After convergence, with membership on: this many longest election timeouts with no disruption
 * (one is enough for every removed server's randomized election timer to fire at least once).
 */
export const QUIET_ELECTIONS = 1;

export function runSeed(seed: number, options: RunOptions = {}): RunResult {
  const swarm = drawSwarm(seed, { nodes: options.nodes, safetyMs: options.safetyMs, bugs: options.bugs, patch: options.patch });
  const c = new Cluster(swarm, options.traceLines ?? TRACE_LINES);
  c.trace.sink = options.onTrace;
  for (const name of options.disable ?? []) c.checkers.disabled.add(name);
  let linearizability: RunStats['linearizability'] = 'skipped';
  let leaderAt: number | undefined;
  let failure: RunFailure | undefined;
  try {
    c.start();
    c.q.runUntil(swarm.safetyMs);
    const heal = c.q.now;
    const bound = leaderBoundMs(swarm);
    c.heal();
    for (const cl of c.clients) cl.finish();
    const clientsDone = (): boolean => c.clients.every((cl) => cl.done);
    c.q.runUntil(heal + 2 * bound, () => {
      if (leaderAt === undefined && c.leader() !== undefined) leaderAt = c.q.now;
      return leaderAt !== undefined && clientsDone() && c.converged();
    });
    if (leaderAt === undefined || leaderAt > heal + bound) {
      throw new SimFailure('liveness-leader', `no leader within ${bound.toFixed(0)}ms after the heal at ${heal.toFixed(1)}ms`);
    }
    if (!clientsDone()) {
      const open = c.clients.filter((cl) => !cl.done).map((cl) => `c${cl.id}`);
      throw new SimFailure('liveness-ops', `client operations still open ${(2 * bound).toFixed(0)}ms after the heal: ${open.join(', ')}`);
    }
    if (!c.converged()) throw new SimFailure('convergence', `servers did not converge within ${(2 * bound).toFixed(0)}ms after the heal`);
    const hashes = new Set(c.finalMembers().map((s) => s.stateHash()));
    if (hashes.size !== 1) throw new SimFailure('convergence', `servers applied the same index with different states: ${[...hashes].join(' ')}`);
    if (membershipOn(swarm)) checkQuiet(c);
    const lin = checkKvHistory(c.recorder.operations(), { stepsMax: options.linearizabilitySteps ?? DEFAULT_LINEARIZABILITY_STEPS });
    linearizability = lin.ok === true ? 'ok' : lin.ok === 'unknown' ? 'unknown' : 'failed';
    if (lin.ok === false) throw new SimFailure('linearizability', lin.description);
  } catch (err) {
    failure = toFailure(err, seed, c);
  }
  return { ok: failure === undefined, seed, swarm, replay: replayCommand(seed, options), stats: stats(c, linearizability, leaderAt), failure };
}

/** `npm run sim -- --seed S ...` with the options that shape the swarm. */
export function replayCommand(seed: number, o: RunOptions): string {
  const parts = ['npm run sim --', '--seed', String(seed)];
  if (o.nodes !== undefined) parts.push('--nodes', String(o.nodes));
  if (o.safetyMs !== undefined) parts.push('--safety-ms', String(o.safetyMs));
  if (o.bugs !== undefined && o.bugs.length > 0) parts.push('--bug', o.bugs.join(','));
  if (o.patch !== undefined) parts.push('--patch', `'${JSON.stringify(o.patch)}'`);
  return parts.join(' ');
}

/**
 * Removed servers keep running (and, if they never learnt of their removal, campaigning): for
 * QUIET_ELECTIONS longest election timeouts after convergence, no message from a server outside
 * the final configuration may raise the term of a server in it, and none may lead.
 */
function checkQuiet(c: Cluster): void {
  const inside = new Set(c.finalMembers().map((s) => s.id));
  c.termWatch = (s, m, before) => {
    if (inside.has(s.id) && !inside.has(m.from)) {
      throw new SimFailure('disruption', `${m.from}, outside the configuration, raised ${s.id}'s term from ${before} to ${s.raft?.term ?? '?'} with a ${m.type}`);
    }
  };
  c.q.runUntil(c.q.now + QUIET_ELECTIONS * maxElectionMs(c.swarm));
  c.termWatch = undefined;
  const outsider = c.servers.find((s) => !inside.has(s.id) && s.role === 'leader');
  if (outsider !== undefined) throw new SimFailure('disruption', `${outsider.id}, outside the configuration, leads term ${outsider.raft?.term ?? '?'}`);
}

function toFailure(err: unknown, seed: number, c: Cluster): RunFailure {
  let checker: CheckerName;
  let message: string;
  if (err instanceof SimFailure) [checker, message] = [err.checker, err.message];
  else if (err instanceof AssertionError) [checker, message] = ['core-assertion', err.message];
  else if (err instanceof Error) [checker, message] = ['sim', `${err.message}\n${err.stack ?? ''}`];
  else [checker, message] = ['sim', String(err)];
  return { checker, message, seed, atMs: c.q.now, servers: c.describe(), trace: c.trace.lines() };
}

function stats(c: Cluster, linearizability: RunStats['linearizability'], leaderAt: number | undefined): RunStats {
  const sum = (f: (x: { stats: Record<string, number> }) => number, xs: { stats: Record<string, number> }[]): number =>
    xs.reduce((a, x) => a + f(x), 0);
  return {
    simMs: Math.round(c.q.now),
    events: c.q.executed,
    leaders: c.checkers.stats.leaders,
    committed: c.checkers.stats.committed,
    ops: sum((x) => x.stats.ops ?? 0, c.clients),
    opsOk: sum((x) => x.stats.ok ?? 0, c.clients),
    timeouts: sum((x) => x.stats.timeouts ?? 0, c.clients),
    crashes: c.nemesis.stats.crashes,
    partitions: c.nemesis.stats.partitions,
    snapshotsTaken: sum((x) => x.stats.snapshotsTaken ?? 0, c.servers),
    snapshotsInstalled: sum((x) => x.stats.snapshotsInstalled ?? 0, c.servers),
    messages: c.net.stats.sent,
    hashChecks: c.checkers.stats.hashChecks,
    joins: c.operator.stats.joins,
    configChanges: Math.max(0, c.checkers.configs.count - 1),
    adds: c.operator.stats.adds + c.operator.stats.addVoters,
    promotes: c.operator.stats.promotes,
    removes: c.operator.stats.removes,
    removedLeaderStepDowns: sum((x) => x.stats.removedStepDowns ?? 0, c.servers),
    leaves: c.operator.stats.leaves,
    rejoins: c.operator.stats.rejoins,
    changesFailed: c.operator.stats.failed,
    bugFired: sum((x) => x.stats.bugFired ?? 0, c.servers),
    linearizability,
    leaderAfterHealMs: leaderAt === undefined ? undefined : Math.round(leaderAt - c.swarm.safetyMs),
  };
}

/** A failure as text: checker, seed, how to replay, the swarm, the servers, the trace. */
export function formatFailure(r: RunResult): string {
  const f = r.failure;
  if (f === undefined) return `seed ${r.seed}: ok`;
  return [
    `FAILED seed ${f.seed}: ${f.checker} at ${f.atMs.toFixed(2)}ms`,
    f.message,
    `replay: ${r.replay}`,
    `swarm: ${formatSwarm(r.swarm)}`,
    'servers:',
    ...f.servers.map((l) => `  ${l}`),
    `last ${f.trace.length} events:`,
    ...f.trace.map((l) => `  ${l}`),
  ].join('\n');
}
