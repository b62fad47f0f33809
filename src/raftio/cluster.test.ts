/**
 * Three real drivers in one process: real TCP on 127.0.0.1, real files in temporary
 * directories, a trivial Map state machine. Every wait is bounded; no fixed sleeps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createConnection } from 'node:net';
import { encode, MusterError } from '../lib/index.js';
import { frameOf, RpcType } from '../rpc/index.js';
import { NotLeaderError } from './errors.js';
import { MapFsm, removeTempDirs, setCommand, TestCluster, waitFor, type TestNode } from './test-support.js';

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  await removeTempDirs();
});

/** Writes `bytes` on a new connection and waits for the server to close it. */
function sendRaw(port: number, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => s.write(bytes));
    s.on('error', () => {});
    s.resume();
    s.on('close', () => resolve());
  });
}

const followers = (c: TestCluster, leader: TestNode): TestNode[] => c.live.filter((n) => n !== leader);

async function proposeMany(n: TestNode, from: number, to: number): Promise<number[]> {
  const results = await Promise.all(
    Array.from({ length: to - from + 1 }, (_, i) => n.driver.propose(setCommand(`k${from + i}`, `v${from + i}`))),
  );
  return results.map((r) => (r as { index: number }).index);
}

function expectSameState(c: TestCluster): void {
  const [first, ...rest] = c.live;
  for (const n of rest) expect(n.fsm.dump(), `${n.id} against ${first!.id}`).toEqual(first!.fsm.dump());
}

describe('a cluster of three drivers', () => {
  it('elects one leader and replicates proposals to every server, in the same order', async () => {
    cluster = await TestCluster.start(3);
    const leader = await cluster.leader();
    const indexes = await proposeMany(leader, 1, 50);
    expect(new Set(indexes).size).toBe(50);
    await cluster.applied(Math.max(...indexes));
    for (const n of cluster.live) expect(n.fsm.map.size).toBe(50);
    expectSameState(cluster);
    // Each proposal's result is the FSM's, for its own entry.
    const r = (await leader.driver.propose(setCommand('k1', 'again'))) as { prev: string };
    expect(r.prev).toBe('v1');
    expect(cluster.lines('election won').length).toBeGreaterThanOrEqual(1);
  });

  it('refuses proposals and reads on a follower, naming the leader', async () => {
    cluster = await TestCluster.start(3);
    const leader = await cluster.leader();
    const follower = followers(cluster, leader)[0]!;
    const err = await follower.driver.propose(setCommand('a', 'b')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).code).toBe('ERR_NO_LEADER');
    expect((err as NotLeaderError).message).toBe('node is not the leader');
    expect((err as NotLeaderError).leader).toBe(leader.id);
    expect((err as NotLeaderError).leaderAddress).toBe(`127.0.0.1:${leader.port}`);
    await expect(follower.driver.read('quorum')).rejects.toBeInstanceOf(NotLeaderError);
    // The leader answers both kinds of read once its state covers everything committed.
    await leader.driver.propose(setCommand('a', '1'));
    await leader.driver.read('quorum');
    await leader.driver.read('lease');
    expect(leader.fsm.map.get('a')).toBe('1');
  });

  it('loses no acknowledged write when every server is closed and reopened', async () => {
    cluster = await TestCluster.start(3);
    let leader = await cluster.leader();
    await proposeMany(leader, 1, 40);
    await cluster.close();
    cluster.nodes = [];
    for (let i = 0; i < 3; i++) await cluster.restart(i);
    leader = await cluster.leader();
    const [last] = await proposeMany(leader, 41, 41);
    await cluster.applied(last!);
    for (const n of cluster.live) {
      for (let k = 1; k <= 41; k++) expect(n.fsm.map.get(`k${k}`), `${n.id} k${k}`).toBe(`v${k}`);
    }
    expectSameState(cluster);
  });

  it('sends a snapshot to a follower that is far behind the compacted log', async () => {
    cluster = await TestCluster.start(3, { snapshotThreshold: 20, snapshotIntervalMs: 50, raft: { trailingEntries: 5 } });
    const leader = await cluster.leader();
    const lagging = cluster.live.findIndex((n) => n !== leader);
    await proposeMany(leader, 1, 10);
    await cluster.stop(lagging);
    const indexes = await proposeMany(leader, 11, 120);
    const last = Math.max(...indexes);
    // The leader snapshots on its own and compacts its log past what the follower has.
    await waitFor(() => leader.driver.status().firstIndex > 20, 10_000, 'the leader to compact its log');
    const back = await cluster.restart(lagging);
    await cluster.applied(last);
    expect(back.fsm.restores).toBe(1);
    expect(back.driver.status().snapshotIndex).toBeGreaterThan(20);
    expect(back.log.lines().some((l) => l.includes('Installed remote snapshot'))).toBe(true);
    expect(leader.transport.stats().snapshotsSent).toBeGreaterThanOrEqual(1);
    expectSameState(cluster);
    // It keeps replicating normally afterwards, and restarts from its installed snapshot.
    const [next] = await proposeMany(leader, 121, 121);
    await cluster.applied(next!);
    const again = await cluster.restart(lagging);
    await cluster.applied(next!);
    expect(again.fsm.restores).toBe(1);
    expectSameState(cluster);
  });

  it('elects a new leader when the leader is closed, and proposals continue', async () => {
    cluster = await TestCluster.start(3);
    const old = await cluster.leader();
    await proposeMany(old, 1, 10);
    const oldIndex = cluster.nodes.indexOf(old);
    await cluster.stop(oldIndex);
    const started = performance.now();
    const next = await cluster.leader(10_000);
    const electionMs = performance.now() - started;
    expect(next.id).not.toBe(old.id);
    const [i] = await proposeMany(next, 11, 11);
    await cluster.applied(i!);
    for (const n of cluster.live) expect(n.fsm.map.get('k11')).toBe('v11');
    // The old leader comes back as a follower and catches up.
    const back = await cluster.restart(oldIndex);
    await cluster.applied(i!);
    expect(back.driver.isLeader).toBe(false);
    expectSameState(cluster);
    expect(electionMs).toBeLessThan(5_000);
  });

  it('fails pending proposals with leadership lost when the leader is cut off', async () => {
    cluster = await TestCluster.start(3);
    const leader = await cluster.leader();
    await proposeMany(leader, 1, 3);
    // Cut the leader off: nothing reaches the followers any more (they keep running).
    await Promise.all(followers(cluster, leader).map((n) => n.listener.close()));
    // No quorum: the entry cannot commit; check-quorum makes the leader step down.
    const err = await leader.driver.propose(setCommand('lost', 'x')).catch((e: unknown) => e);
    expect(MusterError.is(err)).toBe(true);
    expect((err as Error).message).toBe('leadership lost while committing log');
    await waitFor(() => !leader.driver.isLeader, 5_000, 'step down');
    const refused = await leader.driver.propose(setCommand('b', 'c')).catch((e: unknown) => e);
    expect((refused as Error).message).toBe('No cluster leader');
  });

  it('answers a leadership transfer once another server leads', async () => {
    cluster = await TestCluster.start(3);
    const leader = await cluster.leader();
    await proposeMany(leader, 1, 5);
    const target = followers(cluster, leader)[0]!;
    const now = await leader.driver.transferLeadership(target.id);
    expect(now === '' || now === target.id).toBe(true);
    const next = await cluster.leader();
    expect(next.id).toBe(target.id);
    await proposeMany(next, 6, 6);
  });

  it('refuses bad frames on the raft port without harm to the cluster', async () => {
    cluster = await TestCluster.start(3);
    const leader = await cluster.leader();
    await proposeMany(leader, 1, 5);
    const garbage = [
      Uint8Array.of(RpcType.raft, 0, 0, 0, 3, 1, 2, 3),
      Buffer.concat([Uint8Array.of(RpcType.raft), frameOf(encode({ k: 'm', m: { type: 'append', from: 'x', to: leader.id, term: 99, prevIndex: 0, prevTerm: 0, entries: [{ index: 7 }], commit: 0 } }))]),
      Buffer.concat([Uint8Array.of(RpcType.raft), frameOf(encode({ k: 'm', m: { type: 'vote', from: 'x', to: leader.id, term: 'high' } }))]),
      Uint8Array.of(RpcType.raft, 0xff, 0xff, 0xff, 0xff),
    ];
    for (const n of cluster.live) for (const bytes of garbage) await sendRaw(n.port, bytes);
    const done = await proposeMany(leader, 6, 10);
    await cluster.applied(Math.max(...done));
    expect(leader.driver.isLeader).toBe(true);
    expect(leader.driver.status().term).toBe((await cluster.leader()).driver.status().term);
    for (const n of cluster.live) expect(n.transport.stats().badFrames).toBe(garbage.length);
    expectSameState(cluster);
  });

  it('restores a restarted server from its own snapshot and the log after it', async () => {
    cluster = await TestCluster.start(3, { snapshotIntervalMs: 60_000 });
    const leader = await cluster.leader();
    const first = Math.max(...(await proposeMany(leader, 1, 30)));
    const i = cluster.nodes.findIndex((n) => n !== leader);
    const follower = cluster.nodes[i]!;
    await cluster.applied(first);
    const info = await follower.driver.snapshot();
    expect(info?.meta.index).toBeGreaterThanOrEqual(first);
    const last = Math.max(...(await proposeMany(leader, 31, 40)));
    await cluster.applied(last);
    const fsm = new MapFsm();
    const back = await cluster.restart(i, fsm);
    expect(fsm.restores).toBe(1);
    await cluster.applied(last);
    expect(back.fsm.map.size).toBe(40);
    expectSameState(cluster);
  });
});
