/**
 * The Operator endpoint over a real store and in-memory log, with a FakeRaft of 3 servers:
 * Raft configuration and peer removal with Consul's texts, the autopilot configuration, and
 * server health as Consul's autopilot computes it (a lagging and a silent server).
 */
import { describe, expect, it } from 'vitest';
import { autopilotRuntimeDefaults } from '../config/index.js';
import { Fsm, InMemoryLog } from '../fsm/index.js';
import { ManualClock } from '../lib/index.js';
import { Store, type AutopilotConfigWrite } from '../state/index.js';
import type { AutopilotServer } from './autopilot.js';
import { FakeRaft } from './fake-raft.js';
import { autopilotConfigFromWire, OperatorEndpoint, serverHealthIntervalMs } from './operator-endpoint.js';

const defaults: AutopilotConfigWrite = { ...autopilotRuntimeDefaults };

const ids = ['11111111-0000-0000-0000-000000000001', '22222222-0000-0000-0000-000000000002', '33333333-0000-0000-0000-000000000003'];
const addr = (i: number): string => `10.0.0.${i + 1}:8300`;

function setup() {
  const clock = new ManualClock(1_700_000_000_400);
  const store = new Store(clock);
  const log = new InMemoryLog(new Fsm(store));
  const raft = new FakeRaft(ids.map((id, i) => ({ id, node: `s${i + 1}`, address: addr(i), voter: true, leader: i === 0 })));
  raft.lastIndex = 1000;
  const members: AutopilotServer[] = ids.map((id, i) => ({ id, name: `s${i + 1}`, address: addr(i), status: 'alive', build: '1.8.7' }));
  const op = new OperatorEndpoint({ store, log, raft, datacenter: 'dc1', servers: () => members, clock });
  return { clock, store, log, raft, members, op };
}

describe('Operator: Raft', () => {
  it('lists the configuration with gossip names, "(unknown)" for servers gossip does not know', async () => {
    const { op, members, raft } = setup();
    members[2] = { ...members[2]!, address: '10.9.9.9:8300' };
    members[1] = { ...members[1]!, raftVsn: '2' };
    raft.configIndex = 7;
    const r = await op.raftConfiguration('', { consistency: 'default' });
    expect(r).toEqual({
      index: 7,
      servers: [
        { id: ids[0], node: 's1', address: addr(0), leader: true, protocolVersion: '3', voter: true },
        { id: ids[1], node: 's2', address: addr(1), leader: false, protocolVersion: '2', voter: true },
        { id: ids[2], node: '(unknown)', address: addr(2), leader: false, protocolVersion: 'unknown', voter: true },
      ],
    });
  });

  it('a follower answers ?stale itself and refuses the rest (to be forwarded); other datacenters fail', async () => {
    const { op, raft } = setup();
    raft.leading = false;
    expect((await op.raftConfiguration('dc1', { consistency: 'stale' })).servers).toHaveLength(3);
    await expect(op.raftConfiguration('', { consistency: 'default' })).rejects.toMatchObject({ code: 'ERR_NO_LEADER' });
    await expect(op.raftRemovePeer('', { id: ids[1]! })).rejects.toMatchObject({ code: 'ERR_NO_LEADER' });
    await expect(op.serverHealth('')).rejects.toMatchObject({ code: 'ERR_NO_LEADER' });
    await expect(op.raftConfiguration('dc2', { consistency: 'stale' })).rejects.toMatchObject({ code: 'ERR_NO_PATH_TO_DC', message: 'No path to datacenter' });
  });

  it("removes a peer by ID or address, refusing one that is not in the configuration with Consul's text", async () => {
    const { op, raft } = setup();
    await expect(op.raftRemovePeer('', { address: '1.2.3.4:5' })).rejects.toMatchObject({
      code: 'ERR_RPC',
      message: 'address "1.2.3.4:5" was not found in the Raft configuration',
    });
    await expect(op.raftRemovePeer('', { id: '' })).rejects.toThrow('id "" was not found in the Raft configuration');
    await op.raftRemovePeer('', { address: addr(2) });
    await op.raftRemovePeer('', { id: ids[1]! });
    expect(raft.removed).toEqual([ids[2], ids[1]]);
    raft.removeError = new Error('removing the last voter');
    await expect(op.raftRemovePeer('', { id: ids[0]! })).rejects.toThrow('removing the last voter');
  });
});

describe('Operator: autopilot configuration', () => {
  it('is written once from the defaults when the leader starts, then set and CAS-ed', async () => {
    const { op, log } = setup();
    await expect(op.autopilotConfiguration('', { consistency: 'default' })).rejects.toThrow('autopilot config not initialized yet');
    await log.apply({ type: 'noop' });
    await op.startAutopilot(defaults);
    const first = await op.autopilotConfiguration('', { consistency: 'default' });
    expect(first).toEqual({ ...defaults, createIndex: 2, modifyIndex: 2 });
    await op.startAutopilot({ ...defaults, minQuorum: 9 }); // a second leadership keeps the cluster's
    expect((await op.autopilotConfiguration('', { consistency: 'stale' })).minQuorum).toBe(0);
    expect(await op.autopilotSetConfiguration('', { ...defaults, cleanupDeadServers: false })).toBe(true);
    expect(await op.autopilotSetConfiguration('', { ...defaults, minQuorum: 3 }, 2)).toBe(false);
    expect(await op.autopilotSetConfiguration('', { ...defaults, minQuorum: 3 }, 3)).toBe(true);
    expect(await op.autopilotConfiguration('', { consistency: 'default' })).toEqual({ ...defaults, minQuorum: 3, createIndex: 2, modifyIndex: 5 }); // the failed CAS still took index 4
    op.stopAutopilot();
  });
});

describe('Operator: server health', () => {
  it('is the zero reply before the first pass, then every server healthy with FailureTolerance 1', async () => {
    const { op, clock } = setup();
    expect(await op.serverHealth('')).toEqual({ healthy: false, failureTolerance: 0, servers: [] });
    await op.startAutopilot(defaults);
    const h = await op.serverHealth('');
    expect(h.healthy).toBe(true);
    expect(h.failureTolerance).toBe(1);
    expect(h.servers[0]).toEqual({
      id: ids[0],
      name: 's1',
      address: addr(0),
      serfStatus: 'alive',
      version: '1.8.7',
      leader: true,
      lastContactMs: 0,
      lastTerm: 2,
      lastIndex: 1000,
      healthy: true,
      voter: true,
      stableSinceMs: clock.nowMs(),
    });
    op.stopAutopilot();
    expect((await op.serverHealth('')).servers).toEqual([]);
  });

  it('a lagging and a silent server are unhealthy; StableSince moves only when health changes', async () => {
    const { op, raft, clock } = setup();
    await op.startAutopilot(defaults);
    const started = clock.nowMs();
    clock.advance(serverHealthIntervalMs);
    expect((await op.serverHealth('')).servers.map((s) => s.stableSinceMs)).toEqual([started, started, started]);
    // s2 trails by more than MaxTrailingLogs; s3 has not answered for longer than LastContactThreshold.
    raft.progressById.set(ids[1]!, { id: ids[1]!, lastContactMs: 10, matchIndex: 1000 - 251, lastTerm: 2 });
    raft.progressById.set(ids[2]!, { id: ids[2]!, lastContactMs: 201, matchIndex: 1000, lastTerm: 2 });
    clock.advance(serverHealthIntervalMs);
    const h = await op.serverHealth('');
    expect(h.healthy).toBe(false);
    expect(h.failureTolerance).toBe(0);
    expect(h.servers.map((s) => [s.name, s.healthy, s.lastIndex, s.lastContactMs])).toEqual([
      ['s1', true, 1000, 0],
      ['s2', false, 749, 10],
      ['s3', false, 1000, 201],
    ]);
    expect(h.servers.map((s) => s.stableSinceMs)).toEqual([started, clock.nowMs(), clock.nowMs()]);
    // Exactly MaxTrailingLogs behind and exactly at the threshold are still healthy.
    raft.progressById.set(ids[1]!, { id: ids[1]!, lastContactMs: 10, matchIndex: 750, lastTerm: 2 });
    raft.progressById.set(ids[2]!, { id: ids[2]!, lastContactMs: 200, matchIndex: 1000, lastTerm: 2 });
    clock.advance(serverHealthIntervalMs);
    expect((await op.serverHealth('')).servers.every((s) => s.healthy)).toBe(true);
    op.stopAutopilot();
  });

  it('an old term, a failed member and a server gossip does not know are unhealthy', async () => {
    const { op, raft, members } = setup();
    raft.servers.push({ id: 'ghost', node: '', address: '10.0.0.9:8300', voter: false, leader: false });
    raft.progressById.set(ids[1]!, { id: ids[1]!, lastContactMs: 0, matchIndex: 1000, lastTerm: 1 });
    members[2] = { ...members[2]!, status: 'failed' };
    await op.startAutopilot(defaults);
    const h = await op.serverHealth('');
    expect(h.servers.map((s) => [s.serfStatus, s.healthy, s.lastTerm, s.lastContactMs, s.stableSinceMs === undefined])).toEqual([
      ['alive', true, 2, 0, false],
      ['alive', false, 1, 0, false],
      ['failed', false, 0, -1e-6, true],
      ['none', false, 0, -1e-6, true],
    ]);
    // 3 voters, 1 healthy: below the quorum of 2, so no failure is tolerated.
    expect([h.healthy, h.failureTolerance]).toEqual([false, 0]);
    op.stopAutopilot();
  });

  it('counts FailureTolerance over voters only (5 voters all healthy tolerate 2)', async () => {
    const { op, raft, members } = setup();
    for (const i of [3, 4]) {
      raft.servers.push({ id: `id${i}`, node: `s${i + 1}`, address: addr(i), voter: true, leader: false });
      members.push({ id: `id${i}`, name: `s${i + 1}`, address: addr(i), status: 'alive', build: '1.8.7' });
    }
    raft.servers.push({ id: 'nv', node: 'nv', address: addr(5), voter: false, leader: false });
    members.push({ id: 'nv', name: 'nv', address: addr(5), status: 'alive', build: '1.8.7' });
    await op.startAutopilot(defaults);
    expect((await op.serverHealth('')).failureTolerance).toBe(2);
    op.stopAutopilot();
  });

  it('fails as Consul does when gossip knows no live server', async () => {
    const { op, members } = setup();
    for (const m of members) m.status = 'failed';
    await expect(op.serverHealth('')).rejects.toThrow('error getting server raft protocol versions: No servers found');
  });
});

describe('Operator: RPC arguments', () => {
  it('checks the shape of an autopilot configuration that arrives over RPC', () => {
    expect(autopilotConfigFromWire({ ...defaults, extra: 1 })).toEqual(defaults);
    expect(() => autopilotConfigFromWire({ ...defaults, minQuorum: '3' })).toThrow('rpc: bad request: minQuorum must be a number');
    expect(() => autopilotConfigFromWire(null)).toThrow('rpc: bad request: autopilot config must be a map');
  });
});
