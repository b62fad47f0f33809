import { describe, expect, it } from 'vitest';
import { nextMembershipChange, type ServerMember } from './raft-membership.js';
import type { RaftConfigurationView, RaftPeerProgress } from './raft-view.js';

const policy = { cleanupDeadServers: true, stabilizationMs: 10_000, maxTrailingLogs: 250, minQuorum: 0 };
const member = (id: string, status: ServerMember['status'] = 'alive', extra: Partial<ServerMember> = {}): ServerMember => ({
  id,
  name: `n-${id}`,
  address: `10.0.0.${id}:8300`,
  status,
  nonVoter: false,
  ...extra,
});
const config = (...servers: Array<[string, boolean]>): RaftConfigurationView => ({
  index: 5,
  servers: servers.map(([id, voter]) => ({ id, node: `n-${id}`, address: `10.0.0.${id}:8300`, voter, leader: id === '1' })),
});
const progress = (...p: Array<[string, number]>): RaftPeerProgress[] => p.map(([id, matchIndex]) => ({ id, matchIndex, lastContactMs: 0 }));
const next = (c: RaftConfigurationView, m: ServerMember[], p: RaftPeerProgress[], since = new Map<string, number>(), nowMs = 0, pol = policy) =>
  nextMembershipChange('1', c, m, p, since, nowMs, pol);

describe('the leader’s next Raft membership change', () => {
  it('adds a live server that is not in the configuration as a non-voter first', () => {
    expect(next(config(['1', true], ['2', true]), [member('1'), member('2'), member('3')], progress(['1', 10], ['2', 10]))).toEqual({
      op: 'add-nonvoter', id: '3', address: '10.0.0.3:8300', name: 'n-3',
    });
  });

  it('promotes a non-voter once it has the log and has been live for the stabilization time, not before', () => {
    const c = config(['1', true], ['2', true], ['3', false]);
    const members = [member('1'), member('2'), member('3')];
    const since = new Map([['3', 1_000]]);
    expect(next(c, members, progress(['1', 1000], ['2', 1000], ['3', 1000]), since, 5_000)).toBeUndefined();
    expect(next(c, members, progress(['1', 1000], ['2', 1000], ['3', 500]), since, 20_000)).toBeUndefined();
    expect(next(c, members, progress(['1', 1000], ['2', 1000], ['3', 800]), since, 20_000)).toEqual({ op: 'promote', id: '3', name: 'n-3' });
    // A server that asks to stay a non-voter stays one.
    expect(next(c, [member('1'), member('2'), member('3', 'alive', { nonVoter: true })], progress(['1', 1000], ['3', 1000]), since, 20_000)).toBeUndefined();
  });

  it('removes a server that left or that gossip forgot, never itself', () => {
    expect(next(config(['1', true], ['2', true], ['3', true]), [member('1'), member('2', 'left'), member('3')], progress())).toMatchObject({ op: 'remove', id: '2', why: 'left' });
    expect(next(config(['1', true], ['2', true], ['3', true]), [member('2'), member('3')], progress())).toBeUndefined();
    expect(next(config(['1', true], ['2', true], ['3', true]), [member('1'), member('2')], progress())).toMatchObject({ op: 'remove', id: '3', why: 'unknown' });
  });

  it('removes failed servers only while they are a minority of the voters, and only with cleanup_dead_servers', () => {
    const c = config(['1', true], ['2', true], ['3', true], ['4', true], ['5', true]);
    const oneFailed = [member('1'), member('2', 'failed'), member('3'), member('4'), member('5')];
    expect(next(c, oneFailed, progress())).toMatchObject({ op: 'remove', id: '2', why: 'failed' });
    expect(next(c, oneFailed, progress(), new Map(), 0, { ...policy, cleanupDeadServers: false })).toBeUndefined();
    expect(next(c, oneFailed, progress(), new Map(), 0, { ...policy, minQuorum: 5 })).toBeUndefined();
    const threeFailed = [member('1'), member('2', 'failed'), member('3', 'failed'), member('4', 'failed'), member('5')];
    expect(next(c, threeFailed, progress())).toBeUndefined();
  });

  it('replaces a server that came back at the same address under a new ID (its data_dir was lost)', () => {
    const c = config(['1', true], ['2', true], ['3', true]);
    const reborn = member('9', 'alive', { address: '10.0.0.3:8300' });
    expect(next(c, [member('1'), member('2'), member('3', 'failed'), reborn], progress())).toMatchObject({ op: 'remove', id: '3' });
    expect(next(config(['1', true], ['2', true]), [member('1'), member('2'), reborn], progress())).toMatchObject({ op: 'add-nonvoter', id: '9' });
  });
});
