/**
 * The deterministic Raft simulator in `npm test`: a FIXED corpus of 1,000 seeds (500 on 3
 * servers, 500 on 5; membership changes in about 40% of them) must pass every checker, and
 * must have exercised what it claims to; then mutations (driver bugs injected by the sim, never
 * in the core) must be caught, which shows the checkers bite. A failing seed replays with
 * `npm run sim -- --seed S --nodes N`.
 */
import { describe, expect, it } from 'vitest';
import { figure8 } from './figure8.js';
import { formatFailure, runSeed } from './run-seed.js';
import { membershipOn } from './swarm.js';
import type { RunOptions, RunResult, RunStats } from './run-seed.js';

/** Seeds of the fixed corpus, per cluster size (the 5-server seeds follow the 3-server ones). */
const CORPUS_SEEDS = 500;

type Totals = Record<string, number>;

function runCorpus(from: number, count: number, options: RunOptions): { failures: RunResult[]; totals: Totals } {
  const failures: RunResult[] = [];
  const totals: Totals = {};
  for (let seed = from; seed < from + count; seed++) {
    const r = runSeed(seed, options);
    if (!r.ok) failures.push(r);
    for (const [k, v] of Object.entries(r.stats) as [keyof RunStats, RunStats[keyof RunStats]][]) {
      const key = typeof v === 'number' ? k : `${k}:${String(v)}`;
      totals[key] = (totals[key] ?? 0) + (typeof v === 'number' ? v : 1);
    }
    const s = r.swarm;
    const tally = (name: string, on: boolean): void => {
      totals[name] = (totals[name] ?? 0) + (on ? 1 : 0);
    };
    tally('swarm:loss', s.lossProb > 0);
    tally('swarm:dup', s.dupProb > 0);
    tally('swarm:clog', s.clogProb > 0);
    tally('swarm:oneWay', s.partitionProb > 0 && s.partitionModes.some((m) => m.includes('one-way')));
    tally('swarm:slowDisk', s.slowDiskProb > 0);
    tally('swarm:leaseReads', s.leaseReadProb > 0);
    tally('swarm:drift2pc', s.driftMax >= 0.02);
    tally('swarm:membership', membershipOn(s));
  }
  return { failures, totals };
}

function expectNoFailure(failures: RunResult[]): void {
  expect(failures.map((f) => `${f.seed}: ${f.failure?.checker}`), failures[0] === undefined ? '' : formatFailure(failures[0])).toEqual([]);
}

/** What each corpus must have exercised (a fifth of a seed's worth per seed or more). */
function expectCoverage(t: Totals, seeds: number): void {
  for (const k of ['crashes', 'partitions', 'snapshotsTaken', 'snapshotsInstalled', 'timeouts', 'hashChecks']) {
    expect(t[k] ?? 0, k).toBeGreaterThan(seeds / 5);
  }
  expect(t.leaders ?? 0, 'leaders').toBeGreaterThan(seeds * 1.5);
  expect(t.committed ?? 0, 'committed entries').toBeGreaterThan(seeds * 20);
  expect(t.opsOk ?? 0, 'completed client operations').toBeGreaterThan(seeds * 30);
  expect(t['linearizability:ok'] ?? 0, 'histories checked linearizable').toBeGreaterThan(seeds * 0.95);
  for (const k of ['swarm:loss', 'swarm:dup', 'swarm:clog', 'swarm:oneWay', 'swarm:slowDisk', 'swarm:leaseReads', 'swarm:drift2pc', 'swarm:membership']) {
    expect(t[k] ?? 0, k).toBeGreaterThan(seeds / 5);
  }
  // Membership: spares joined, were added and promoted; voters left (leaders too) and were removed.
  for (const k of ['joins', 'adds', 'promotes', 'removes', 'leaves']) expect(t[k] ?? 0, k).toBeGreaterThan(seeds / 5);
  expect(t.configChanges ?? 0, 'committed configuration changes').toBeGreaterThan(seeds);
  expect(t.removedLeaderStepDowns ?? 0, 'removed leaders that stepped down').toBeGreaterThan(seeds / 10);
  expect(t.rejoins ?? 0, 'servers that left and came back').toBeGreaterThan(seeds / 20);
}

describe('Raft simulator: fixed corpus (safety under faults, then liveness after the heal)', () => {
  for (const [nodes, from] of [[3, 1], [5, 1 + CORPUS_SEEDS]] as const) {
    it(`${CORPUS_SEEDS} seeds on ${nodes} servers: every checker passes and the faults were exercised`, () => {
      const { failures, totals } = runCorpus(from, CORPUS_SEEDS, { nodes });
      expectNoFailure(failures);
      expectCoverage(totals, CORPUS_SEEDS);
    }, 120_000);
  }

  it('a seed replays exactly: same swarm, same statistics, same trace', () => {
    const a = runSeed(7, { nodes: 5, traceLines: 200 });
    const lines: string[] = [];
    const b = runSeed(7, { nodes: 5, traceLines: 200, onTrace: (l) => lines.push(l) });
    expect(b.swarm).toEqual(a.swarm);
    expect(b.stats).toEqual(a.stats);
    expect(lines.length).toBeGreaterThan(1000);
    expect(b.ok).toBe(true);
    expect(a.replay).toBe('npm run sim -- --seed 7 --nodes 5');
  });
});

/** Membership changes at a high rate: two spares, frequent leaves (leaders too), rejoins, dead-server cleanup, snapshots. */
const MEMBERSHIP_HEAVY = {
  spares: 2, leaveProb: 0.04, leaveLeaderBias: 0.5, rejoinProb: 0.05, cleanupDeadServers: true, minVoters: 2, addVoterProb: 0.3, snapshotEvery: 8,
};

describe('Raft simulator: membership-heavy seeds', () => {
  it('60 seeds with frequent joins, leaves, removals of the leader, rejoins and cleanup pass every checker', () => {
    const { failures, totals } = runCorpus(2001, 60, { patch: MEMBERSHIP_HEAVY });
    expectNoFailure(failures);
    expect(totals.removedLeaderStepDowns ?? 0).toBeGreaterThan(40);
    expect(totals.rejoins ?? 0).toBeGreaterThan(40);
    expect(totals.configChanges ?? 0).toBeGreaterThan(300);
  }, 120_000);

  it('seeds that left no electable server after the heal, before the core followed thesis §4.1 and §4.2.2, converge', () => {
    // 10622 deadlocked under both old rules; 30536 and 32723 under the old vote rule alone (a candidate refused for not
    // being a voter of the voter's stale configuration).
    for (const seed of [10622, 30536, 32723]) {
      const r = runSeed(seed, { nodes: 3, patch: MEMBERSHIP_HEAVY });
      expect(r.failure, formatFailure(r)).toBeUndefined();
      expect(r.stats.configChanges).toBeGreaterThan(3);
    }
  });
});

/** Runs a small corpus with a bug injected; returns the checkers that caught it (by seed). */
function caught(from: number, count: number, options: RunOptions): { checkers: Set<string>; first: RunResult | undefined; fired: number } {
  const checkers = new Set<string>();
  let first: RunResult | undefined;
  let fired = 0;
  for (let seed = from; seed < from + count; seed++) {
    const r = runSeed(seed, options);
    fired += r.stats.bugFired;
    if (r.failure === undefined) continue;
    checkers.add(r.failure.checker);
    first ??= r;
  }
  return { checkers, first, fired };
}

describe('mutations: driver bugs injected by the simulator are caught', () => {
  it('acknowledging before fsync: committed entries not durable on a quorum (and, without that checker, lost)', () => {
    const r = caught(1, 20, { bugs: ['ack-before-fsync'] });
    expect([...r.checkers]).toContain('commit-durable');
    const f = r.first as RunResult;
    const text = formatFailure(f);
    expect(text).toContain(`FAILED seed ${f.seed}: commit-durable`);
    expect(text).toContain(`replay: npm run sim -- --seed ${f.seed} --bug ack-before-fsync`);
    expect(text).toMatch(/swarm: seed=\d+ nodes=/);
    expect(f.failure?.trace.length).toBeGreaterThan(10);
    // The end-to-end consequence, with the direct check off: crashes lose acknowledged entries.
    const patch = { crashProb: 0.1, crashKeepProb: 0, fsyncMeanMs: 5, slowDiskProb: 0.05, leaderBias: 0 };
    const lost = caught(1, 60, { bugs: ['ack-before-fsync'], disable: ['commit-durable'], patch });
    expect(lost.checkers.size, 'some seed loses an acknowledged entry').toBeGreaterThan(0);
    // quorum-overlap too: votes sent before their term is durable, a crash can undo the term that blocked an old leader.
    const expected = ['core-assertion', 'leader-completeness', 'state-machine-safety', 'linearizability', 'quorum-overlap'];
    expect([...lost.checkers].filter((c) => !expected.includes(c))).toEqual([]);
  }, 60_000);

  it('answering reads from local state: the KV history is not linearizable', () => {
    const patch = { partitionProb: 0.05, partitionModes: ['isolate' as const, 'halves' as const], keys: 1, clients: 3, lossProb: 0.02 };
    const r = caught(1, 30, { bugs: ['stale-read'], patch });
    expect([...r.checkers]).toEqual(['linearizability']);
    expect(r.first?.failure?.message).toContain('not linearizable');
  }, 60_000);

  it('forgetting the vote at a restart: two leaders in one term', () => {
    const patch = { crashProb: 0.5, downMeanMs: 2, leaderBias: 0, newLeaderCrashProb: 0.5, lossProb: 0, delayMeanMs: 12, delayMinMs: 5 };
    const r = caught(1, 150, { nodes: 3, bugs: ['forget-vote'], patch });
    expect(r.fired).toBeGreaterThan(100);
    expect([...r.checkers]).toEqual(['election-safety']);
    expect(r.first?.failure?.message).toMatch(/both lead term \d+/);
  }, 60_000);

  it('never reporting the end of a snapshot stream: a follower is never caught up after the heal', () => {
    const patch = { snapshotEvery: 6, trailingEntries: 0, crashProb: 0.05, downMeanMs: 400 };
    const r = caught(1, 10, { bugs: ['lose-snapshot-report'], patch });
    expect([...r.checkers]).toEqual(['convergence']);
  }, 60_000);

  it('a snapshot naming the latest configuration instead of the one at its index: a committed configuration contradicted', () => {
    const r = caught(1, 20, { bugs: ['snapshot-latest-config'], patch: MEMBERSHIP_HEAVY });
    expect(r.fired).toBeGreaterThan(5);
    expect([...r.checkers]).toEqual(['config-change']);
    expect(r.first?.failure?.message).toMatch(/restored snapshot \d+\/\d+ naming .* but .* was committed there/);
  }, 60_000);

  it('committing an entry of an earlier term by counting (Raft Fig. 8): a committed entry is lost', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const control = figure8([], seed);
      expect(control.failure, control.trace.join('\n')).toBeUndefined();
      const buggy = figure8(['commit-previous-term'], seed);
      expect(buggy.trace.some((l) => l.includes('BUG: committed'))).toBe(true);
      expect(buggy.failure?.checker).toBe('leader-completeness');
      expect(buggy.failure?.message).toMatch(/leads term \d+ with entry \d+ of term \d+, but entry \d+ of term \d+ was committed/);
    }
  });
});
