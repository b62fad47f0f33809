/**
 * Membership changes one server at a time (thesis §4.1), hashicorp/raft's operations: a new
 * server catches up as a non-voter, is promoted, servers are demoted and removed, a removed
 * leader leads until the change commits. A configuration is in force once appended.
 */
import { describe, expect, it } from 'vitest';
import { encodeConfiguration } from './configuration.js';
import { TestNetwork, bytes, diskWithLog, drain, loneLeader } from './test-network.js';

function settle(net: TestNetwork, rounds = 5): void {
  for (let i = 0; i < rounds; i++) {
    net.tickAll();
    net.stabilize();
  }
}

function change(net: TestNetwork, leader: string, c: Parameters<ReturnType<TestNetwork['raft']>['proposeConfigurationChange']>[0]) {
  const r = net.raft(leader).proposeConfigurationChange(c);
  net.processReady(net.node(leader));
  net.stabilize();
  return r;
}

const suffrages = (net: TestNetwork, id: string): string[] =>
  net.raft(id).status().configuration.servers.map((s) => `${s.id}:${s.suffrage}`);

describe('membership', () => {
  it('a new server joins as a non-voter: it receives the log but counts for no quorum', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    net.propose('a', 'x');
    net.stabilize();
    net.addNode('d', undefined, { startLease: false });
    expect(change(net, 'a', { op: 'add-nonvoter', id: 'd', address: 'addr-d' })).toEqual({ index: 4, term: 2 });
    settle(net);
    expect(net.appliedTexts('d')).toEqual(['x']);
    expect(suffrages(net, 'd')).toEqual(['a:voter', 'b:voter', 'c:voter', 'd:nonvoter']);
    // With b and c down, a and the non-voter d are no quorum.
    net.crash('b');
    net.crash('c');
    net.propose('a', 'y');
    net.stabilize();
    expect(net.appliedTexts('a')).toEqual(['x']);
    expect(net.node('d').disk.entries.map((e) => new TextDecoder().decode(e.data))).toContain('y');
  });

  it('a promoted server is a voter: it counts for the quorum and can be elected', () => {
    const net = new TestNetwork(['a'], { node: { startLease: false } });
    net.elect('a');
    net.addNode('b', undefined, { startLease: false });
    change(net, 'a', { op: 'add-nonvoter', id: 'b', address: 'addr-b' });
    settle(net);
    expect(change(net, 'a', { op: 'promote', id: 'b' })).toHaveProperty('index');
    settle(net);
    expect(suffrages(net, 'a')).toEqual(['a:voter', 'b:voter']);
    net.crash('b');
    net.propose('a', 'needs b');
    net.stabilize();
    expect(net.appliedTexts('a')).toEqual([]);
    net.restart('b');
    settle(net);
    expect(net.appliedTexts('a')).toEqual(['needs b']);
    net.elect('b');
    expect(net.leader()).toBe('b');
    net.propose('b', 'from b');
    settle(net);
    expect(net.appliedTexts('a')).toEqual(['needs b', 'from b']);
  });

  it('add-voter adds a voter at once; demote makes it a non-voter again', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    net.addNode('d', undefined, { startLease: false });
    change(net, 'a', { op: 'add-voter', id: 'd', address: 'addr-d' });
    settle(net);
    expect(suffrages(net, 'b')).toContain('d:voter');
    change(net, 'a', { op: 'demote', id: 'd' });
    settle(net);
    expect(suffrages(net, 'b')).toContain('d:nonvoter');
  });

  it('a removed follower stops receiving the log; the quorum shrinks', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    change(net, 'a', { op: 'remove', id: 'c' });
    settle(net);
    expect(suffrages(net, 'a')).toEqual(['a:voter', 'b:voter']);
    expect([...(net.raft('a').status().progress?.keys() ?? [])]).toEqual(['a', 'b']);
    net.propose('a', 'x');
    settle(net);
    expect(net.appliedTexts('b')).toEqual(['x']);
    expect(net.appliedTexts('c')).toEqual([]);
    // c learnt its removal before it was cut off. Not knowing that it committed, it may still
    // campaign (thesis §4.2.2), but with pre-votes only: its term never moves.
    expect(net.raft('c').status().configuration.servers.map((s) => s.id)).toEqual(['a', 'b']);
    const term = net.raft('c').term;
    net.isolate('c');
    for (let i = 0; i < 100; i++) net.tick('c');
    expect(net.raft('c').status().term).toBe(term);
    expect(net.raft('c').status().role).not.toBe('leader');
  });

  it('a leader that removed itself and stepped down before the change committed still campaigns: only it can win (thesis Fig. 4.6)', () => {
    const net = new TestNetwork(['a', 'b'], { node: { startLease: false } });
    net.elect('a');
    net.isolate('a');
    expect(net.raft('a').proposeConfigurationChange({ op: 'remove', id: 'a' })).toHaveProperty('index', 3);
    net.processAll();
    // Cut off from b, a steps down (check-quorum) with {b} in force but uncommitted.
    for (let i = 0; i < 100 && net.raft('a').status().role === 'leader'; i++) net.tick('a');
    expect(net.raft('a').status()).toMatchObject({ role: 'follower', commit: 2 });
    expect(net.raft('a').status().configuration.servers.map((s) => s.id)).toEqual(['b']);
    net.heal();
    // b needs a's vote, which a refuses (b's log is shorter): a must be elected, commit {b}, step down.
    for (let i = 0; i < 200 && net.leader() !== 'b'; i++) settle(net, 1);
    expect(net.leader()).toBe('b');
    expect(net.raft('b').status().configuration.servers.map((s) => s.id)).toEqual(['b']);
    expect(net.raft('b').status().commit).toBeGreaterThanOrEqual(3);
  });

  it('a removed leader keeps leading until the change commits, then steps down; the others elect a leader', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    net.isolate('a');
    const r = net.raft('a').proposeConfigurationChange({ op: 'remove', id: 'a' });
    net.processAll();
    expect(r).toHaveProperty('index', 3);
    // Not committed yet: still the leader, and proposals are still taken.
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', commit: 2 });
    expect(net.raft('a').status().configuration.servers.map((s) => s.id)).toEqual(['b', 'c']);
    net.heal();
    settle(net, 1);
    expect(net.raft('a').status()).toMatchObject({ role: 'follower', commit: 3 });
    for (let i = 0; i < 60 && net.leader() === undefined; i++) settle(net, 1);
    expect(['b', 'c']).toContain(net.leader());
    const term = net.raft('a').term;
    for (let i = 0; i < 50; i++) net.tick('a');
    expect(net.raft('a').status().role).toBe('follower');
    expect(net.raft('a').term).toBeGreaterThanOrEqual(term);
    net.propose(net.leader() as string, 'after');
    net.stabilize();
    expect(net.appliedTexts(net.leader() as string)).toEqual(['after']);
  });

  it('a change is refused until the leader committed an entry of its term (raft-dev 2015)', () => {
    const l = loneLeader(['a', 'b', 'c']);
    drain(l);
    expect(l.proposeConfigurationChange({ op: 'remove', id: 'c' })).toMatchObject({ error: 'not-ready' });
  });

  it('one change at a time: a second is refused while the first is uncommitted', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    net.isolate('a');
    expect(net.raft('a').proposeConfigurationChange({ op: 'add-nonvoter', id: 'd', address: 'addr-d' })).toHaveProperty('index');
    expect(net.raft('a').proposeConfigurationChange({ op: 'add-nonvoter', id: 'e', address: 'addr-e' })).toMatchObject({ error: 'pending-configuration' });
  });

  it('invalid changes are refused with hashicorp/raft\'s texts', () => {
    const net = new TestNetwork(['a'], { node: { startLease: false } });
    net.elect('a');
    const a = net.raft('a');
    expect(a.proposeConfigurationChange({ op: 'remove', id: 'a' })).toEqual({ error: 'invalid', message: 'Need at least one voter in configuration' });
    expect(a.proposeConfigurationChange({ op: 'add-voter', id: 'b', address: 'addr-a' })).toEqual({ error: 'invalid', message: 'Found duplicate address in configuration: addr-a' });
    expect(a.proposeConfigurationChange({ op: 'add-nonvoter', id: 'b' })).toMatchObject({ error: 'invalid' });
    expect(a.proposeConfigurationChange({ op: 'promote', id: 'zz' })).toMatchObject({ error: 'invalid' });
  });

  it('a configuration is in force once appended, and reverted when its entry is truncated', () => {
    const net = new TestNetwork([]);
    net.addNode('f', undefined, {}, diskWithLog(['l', 'f', 'x'], [1]));
    const f = net.raft('f');
    const conf = { servers: [{ id: 'l', address: 'l', suffrage: 'voter' as const }, { id: 'f', address: 'f', suffrage: 'nonvoter' as const }] };
    f.step({ type: 'append', from: 'l', to: 'f', term: 2, prevIndex: 1, prevTerm: 1, entries: [{ index: 2, term: 2, type: 'configuration', data: encodeConfiguration(conf) }], commit: 1 });
    expect(f.status()).toMatchObject({ configurationIndex: 2 });
    expect(f.status().configuration).toEqual(conf);
    // A new leader of term 3 overwrites index 2: the old configuration is back.
    f.step({ type: 'append', from: 'x', to: 'f', term: 3, prevIndex: 1, prevTerm: 1, entries: [{ index: 2, term: 3, type: 'noop', data: bytes('') }], commit: 1 });
    expect(f.status().configurationIndex).toBe(0);
    expect(f.status().configuration.servers.map((s) => s.id)).toEqual(['l', 'f', 'x']);
  });

  it('a server outside the configuration, or a non-voter, never campaigns', () => {
    const net = new TestNetwork(['a'], { node: { startLease: false } });
    net.addNode('joiner', undefined, { startLease: false });
    for (let i = 0; i < 100; i++) net.tick('joiner');
    expect(net.raft('joiner').status()).toMatchObject({ role: 'follower', term: 0 });
    net.elect('a');
    change(net, 'a', { op: 'add-nonvoter', id: 'joiner', address: 'addr-j' });
    settle(net);
    net.crash('a');
    for (let i = 0; i < 100; i++) net.tick('joiner');
    expect(net.raft('joiner').status()).toMatchObject({ role: 'follower', term: 2 });
  });
});
