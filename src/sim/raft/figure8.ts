/**
 * Raft Fig. 8, scripted on the simulator (3 servers A, B, C; no random faults, no clients):
 *
 *   1. A leads and appends e at index i, its outgoing links cut; A crashes.
 *   2. B is elected (by C) and appends its no-op at i; its outgoing links cut; B crashes.
 *   3. A restarts and is elected (by C, whose log is behind); it replicates e to C, but its
 *      own entries (its no-op) never reach C once C has e.
 *      A correct leader does not commit e (of an earlier term) by counting; with the
 *      'commit-previous-term' bug it does.
 *   4. A crashes.
 *   5. B restarts and is elected by C (B's last term is higher): it overwrites e.
 *
 * Without the bug, e was never committed and nothing is lost; with it, a committed entry
 * disappears and leader completeness must catch it. Used by sim.test.ts. Pure.
 */
import { assert, encode } from '../../lib/index.js';
import type { KVSCommand } from '../../fsm/index.js';
import { Cluster } from './cluster.js';
import { SimFailure } from './failure.js';
import type { SimServer } from './server.js';
import { drawSwarm } from './swarm.js';
import type { BugName } from './swarm.js';

/** Longest wait for one step of the script (simulated). */
const STEP_MS = 3000;

export interface ScenarioResult {
  failure: SimFailure | undefined;
  trace: string[];
}

export function figure8(bugs: BugName[], seed = 1): ScenarioResult {
  const swarm = drawSwarm(seed, {
    nodes: 3,
    bugs,
    patch: {
      lossProb: 0, dupProb: 0, clientLossProb: 0, clogProb: 0, partitionProb: 0, crashProb: 0, restartAllProb: 0,
      newLeaderCrashProb: 0, slowDiskProb: 0, transferProb: 0, clients: 1, thinkMeanMs: 1e12, driftMax: 0,
      maxEntriesPerAppend: 1, maxInflightAppends: 1, crashKeepProb: 1, snapshotEvery: 1_000_000,
      spares: 0, leaveProb: 0, rejoinProb: 0, cleanupDeadServers: false, addVoterProb: 0,
    },
  });
  const c = new Cluster(swarm, 400);
  try {
    script(c);
    return { failure: undefined, trace: c.trace.lines() };
  } catch (err) {
    if (err instanceof SimFailure) return { failure: err, trace: c.trace.lines() };
    if (err instanceof Error) err.message += `\n${c.trace.lines().join('\n')}`;
    throw err;
  }
}

function script(c: Cluster): void {
  const runUntil = (what: string, done: () => boolean): void => {
    c.q.runUntil(c.q.now + STEP_MS, done);
    assert(done(), `figure 8 script: ${what} did not happen`);
  };
  const run = (ms: number): void => c.q.runUntil(c.q.now + ms);
  const cutOutbound = (s: SimServer): void => {
    for (const o of c.servers) if (o !== s) c.net.cutOneWay(s.id, o.id);
  };
  c.start();
  // 1. A leads, appends e unreplicated, crashes.
  runUntil('a first leader', () => c.leader() !== undefined);
  const a = c.leader() as SimServer;
  const noop = a.raft?.log.lastIndex() ?? 0;
  runUntil('the first no-op applied everywhere', () => c.servers.every((s) => s.applied >= noop));
  cutOutbound(a);
  const cmd: KVSCommand = { type: 'kvs', op: 'set', key: 'k0', value: new Uint8Array([101]), flags: 0n, index: 0, session: '' };
  const e = a.raft?.propose(encode(cmd));
  assert(e !== undefined && !('error' in e), 'figure 8 script: A refused the proposal');
  a.processReady();
  run(50);
  a.crash();
  c.net.clearCuts();
  // 2. B is elected without e, appends its no-op at e's index unreplicated, crashes.
  runUntil('a second leader', () => c.leader() !== undefined);
  const b = c.leader() as SimServer;
  const third = c.servers.find((s) => s !== a && s !== b) as SimServer;
  cutOutbound(b);
  run(50);
  assert(b.disk.termAt(e.index) !== undefined && b.disk.termAt(e.index) !== e.term, 'figure 8 script: B has no entry at e');
  b.crash();
  c.net.clearCuts();
  // 3. A is elected again and replicates e to C, but none of its own entries (its no-op) reach C.
  a.start();
  c.net.dropIf = (m) => m.from === a.id && m.to === third.id && m.type === 'append' &&
    m.entries.some((x) => x.term > e.term) && third.raft?.log.term(e.index) === e.term;
  runUntil('A leading again', () => c.leader() === a);
  runUntil('C acknowledging e', () => (a.raft?.status().progress?.get(third.id)?.match ?? 0) >= e.index);
  // 4. A crashes.
  a.crash();
  c.net.dropIf = undefined;
  // 5. B comes back and C elects it: e is overwritten.
  b.start();
  runUntil('B leading', () => c.leader() === b);
  runUntil('C overwriting e', () => third.disk.termAt(e.index) !== e.term);
  run(500);
}
