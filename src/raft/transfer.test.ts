/**
 * Leadership transfer (thesis §3.10): the leader catches the target up, sends TimeoutNow, the
 * target campaigns at once (no pre-vote) and the voters ignore their stickiness for it.
 * Proposals are refused meanwhile, until the transfer ends or an election timeout passes.
 */
import { describe, expect, it } from 'vitest';
import { TestNetwork, bytes } from './test-network.js';

describe('leadership transfer', () => {
  it('to an up-to-date follower: TimeoutNow at once, and it wins the next term without pre-vote', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    net.propose('a', 'x');
    net.stabilize();
    net.sent = [];
    expect(net.raft('a').transferLeadership('b')).toEqual({ ok: true, to: 'b' });
    net.processAll();
    net.stabilize();
    expect(net.leader()).toBe('b');
    expect(net.raft('b').term).toBe(3);
    expect(net.sent.filter((m) => m.type === 'pre-vote')).toEqual([]);
    expect(net.sent.filter((m) => m.type === 'vote').every((m) => m.type === 'vote' && m.transfer)).toBe(true);
    net.propose('b', 'y');
    net.stabilize();
    expect(net.appliedTexts('a')).toEqual(['x', 'y']);
  });

  it('to a lagging follower: it is caught up first, then gets TimeoutNow', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    net.isolate('c');
    for (let i = 0; i < 5; i++) net.propose('a', `x${i}`);
    net.stabilize();
    net.heal();
    net.sent = [];
    net.raft('a').transferLeadership('c');
    net.processAll();
    for (let i = 0; i < 3 && net.leader() !== 'c'; i++) {
      net.tickAll();
      net.stabilize();
    }
    expect(net.leader()).toBe('c');
    const kinds = net.sent.filter((m) => m.to === 'c' && (m.type === 'append' || m.type === 'timeout-now')).map((m) => m.type);
    expect(kinds.indexOf('timeout-now')).toBeGreaterThan(kinds.indexOf('append'));
    expect(net.appliedTexts('c')).toEqual(['x0', 'x1', 'x2', 'x3', 'x4']);
  });

  it('proposals are refused during a transfer, and resume when it times out after an election timeout', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false, electionTicks: 10 } });
    net.elect('a');
    net.cutOneWay('a', 'b');
    expect(net.raft('a').transferLeadership('b')).toEqual({ ok: true, to: 'b' });
    expect(net.raft('a').propose(bytes('x'))).toEqual({ error: 'transferring', message: 'leadership transfer in progress' });
    expect(net.raft('a').proposeConfigurationChange({ op: 'remove', id: 'c' })).toMatchObject({ error: 'transferring' });
    const round = (): void => {
      net.tickAll();
      net.stabilize();
    };
    for (let i = 0; i < 9; i++) round();
    expect(net.raft('a').status().transferee).toBe('b');
    round();
    expect(net.raft('a').status()).toMatchObject({ role: 'leader', transferee: undefined });
    expect(net.raft('a').propose(bytes('x'))).toHaveProperty('index');
  });

  it('refuses targets that cannot lead, and picks the most caught-up voter when none is named', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    const a = net.raft('a');
    expect(a.transferLeadership('a')).toEqual({ error: 'self' });
    expect(a.transferLeadership('zz')).toEqual({ error: 'not-voter' });
    expect(net.raft('b').transferLeadership('c')).toEqual({ error: 'not-leader' });
    net.isolate('c');
    net.propose('a', 'x');
    net.stabilize();
    expect(a.transferLeadership()).toEqual({ ok: true, to: 'b' });
  });

  it('a follower steps down for the transfer target even while it heard the leader recently', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    net.tickAll();
    net.stabilize();
    net.raft('a').transferLeadership('c');
    net.processAll();
    net.stabilize();
    expect(net.raft('b').status()).toMatchObject({ leader: 'c', vote: 'c', term: 3 });
  });
});
