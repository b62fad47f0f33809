/**
 * Elections with pre-vote (thesis §9.6) and check-quorum (thesis §6.2), which are always on:
 * disruption by rejoining servers, leader stickiness, stepping down without a quorum, the
 * lower-term liveness trap (etcd#8243), and the start lease.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../lib/index.js';
import { encodeConfiguration } from './configuration.js';
import type { VoteMessage } from './messages.js';
import { RaftNode } from './raft.js';
import { TestNetwork, diskWithLog, drainMessages } from './test-network.js';
import { emptyHardState } from './types.js';

function runUntilLeader(net: TestNetwork, maxTicks = 300): string | undefined {
  for (let i = 0; i < maxTicks; i++) {
    net.tickAll();
    net.stabilize();
    const l = net.leader();
    if (l !== undefined && [...net.nodes.values()].every((n) => n.raft === undefined || n.raft.status().leader === l || n.id === l)) return l;
  }
  return net.leader();
}

describe('leader election with pre-vote and check-quorum (both always on)', () => {
  const cases: { size: number; down: string[]; want: 'leader' | 'pre-candidate' }[] = [
    { size: 3, down: [], want: 'leader' },
    { size: 3, down: ['c'], want: 'leader' },
    { size: 3, down: ['b', 'c'], want: 'pre-candidate' },
    { size: 4, down: ['b', 'c'], want: 'pre-candidate' },
    { size: 5, down: ['b', 'c'], want: 'leader' },
    { size: 5, down: ['b', 'c', 'd'], want: 'pre-candidate' },
  ];
  for (const c of cases) {
    it(`${c.size} voters with ${c.down.join(',') || 'none'} down: a ends ${c.want}`, () => {
      const ids = ['a', 'b', 'c', 'd', 'e'].slice(0, c.size);
      const net = new TestNetwork(ids, { node: { startLease: false } });
      for (const id of c.down) net.crash(id);
      net.elect('a');
      expect(net.raft('a').status().role).toBe(c.want);
      // A failed pre-vote leaves every term as it was.
      if (c.want !== 'leader') for (const id of ids.filter((x) => !c.down.includes(x))) expect(net.raft(id).term).toBe(1);
    });
  }

  it('clusters of 3 and 5 elect one leader by ticking alone, from many seeds', () => {
    for (const size of [3, 5]) {
      for (let seed = 1; seed <= 30; seed++) {
        const ids = ['a', 'b', 'c', 'd', 'e'].slice(0, size);
        const net = new TestNetwork(ids, { seed });
        const leader = runUntilLeader(net);
        expect(leader, `size ${size} seed ${seed}`).toBeDefined();
        expect(net.leaderOfTerm.size).toBeLessThanOrEqual(3);
      }
    }
  });
});

describe('pre-vote', () => {
  it('a server cut off keeps its term, and rejoining does not depose the leader', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    const term = net.raft('a').term;
    net.isolate('c');
    for (let i = 0; i < 100; i++) {
      net.tickAll();
      net.stabilize();
    }
    expect(net.raft('c').term).toBe(term);
    expect(net.raft('c').status().role).toBe('pre-candidate');
    net.heal();
    for (let i = 0; i < 30; i++) {
      net.tickAll();
      net.stabilize();
    }
    expect(net.leader()).toBe('a');
    expect(net.raft('a').term).toBe(term);
    expect(net.raft('c').status()).toMatchObject({ role: 'follower', leader: 'a' });
  });

  it('a server with the best log but a lower term is not stuck (etcd#8243)', () => {
    const ids = ['a', 'b', 'c'];
    const net = new TestNetwork([], { node: { startLease: false } });
    // a holds an entry b lacks; b ran up its term (say, before pre-vote was enabled); c is down.
    net.addNode('a', undefined, {}, diskWithLog(ids, [1, 1, 2], 2));
    net.addNode('b', undefined, {}, diskWithLog(ids, [1, 1], 5));
    net.addNode('c', undefined, {}, diskWithLog(ids, [1, 1], 5));
    net.crash('c');
    const leader = runUntilLeader(net);
    expect(leader).toBe('a');
    expect(net.raft('a').term).toBeGreaterThan(5);
  });
});

describe('check-quorum', () => {
  it('a leader that hears no quorum for an election timeout steps down', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false, electionTicks: 10 } });
    net.elect('a');
    net.isolate('a');
    for (let i = 0; i < 9; i++) net.tick('a');
    expect(net.raft('a').status().role).toBe('leader');
    net.tick('a');
    expect(net.raft('a').status()).toMatchObject({ role: 'follower', leader: '' });
  });

  it('a leader that keeps hearing a quorum stays leader', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    net.isolate('c');
    for (let i = 0; i < 100; i++) {
      net.tickAll();
      net.stabilize();
    }
    expect(net.leader()).toBe('a');
    expect(net.raft('a').term).toBe(2);
  });

  it('followers that heard the leader recently ignore vote requests of a higher term (stickiness)', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    const b = net.raft('b');
    for (const type of ['pre-vote', 'vote'] as const) {
      b.step({ type, from: 'c', to: 'b', term: 9, lastIndex: 99, lastTerm: 9, transfer: false });
      expect(drainMessages(b)).toEqual([]);
      expect(b.status()).toMatchObject({ term: 2, leader: 'a', vote: 'a' });
    }
    // After an election timeout without the leader, the same request is granted.
    net.isolate('b');
    for (let i = 0; i < 10; i++) net.tick('b');
    b.step({ type: 'pre-vote', from: 'c', to: 'b', term: 9, lastIndex: 99, lastTerm: 9, transfer: false });
    expect(drainMessages(b)).toEqual([expect.objectContaining({ type: 'pre-vote-response', reject: false })]);
  });

  it('a server that raised its term while cut off makes the leader step down, and the cluster recovers', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    net.isolate('c');
    // c reaches term 9 (a vote request of a server that then vanished).
    for (let i = 0; i < 20; i++) net.tick('c');
    net.raft('c').step({ type: 'vote', from: 'b', to: 'c', term: 9, lastIndex: 0, lastTerm: 0, transfer: false });
    net.processAll();
    net.queue = [];
    expect(net.raft('c').term).toBe(9);
    net.heal();
    const leader = runUntilLeader(net);
    expect(leader).toBeDefined();
    expect(net.raft(leader as string).term).toBeGreaterThan(9);
  });
});

describe('the start lease', () => {
  it('a restarted server refuses votes for an election timeout, then grants them', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { electionTicks: 10 } });
    const leader = runUntilLeader(net) as string;
    const other = ['a', 'b', 'c'].find((x) => x !== leader) as string;
    net.crash(other);
    net.restart(other);
    const r = net.raft(other);
    const vote = { type: 'pre-vote' as const, from: leader, to: other, term: 50, lastIndex: 99, lastTerm: 49, transfer: false };
    r.step(vote);
    expect(drainMessages(r)).toEqual([]);
    net.isolate(other);
    for (let i = 0; i < 10; i++) net.tick(other);
    r.step(vote);
    expect(drainMessages(r)).toEqual([expect.objectContaining({ type: 'pre-vote-response', reject: false })]);
  });
});

describe('votes and the configuration', () => {
  it('a candidate that is not a voter of our configuration gets our vote for an up-to-date log only (thesis §4.1)', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    const a = net.raft('a');
    // Our configuration may be stale: the candidate may be a voter of a newer one we lack.
    a.step({ type: 'vote', from: 'zz', to: 'a', term: 5, lastIndex: 9, lastTerm: 4, transfer: false });
    expect(drainMessages(a)).toEqual([expect.objectContaining({ type: 'vote-response', reject: false })]);
    // A server removed long ago has a stale log: no vote, and (pre-vote first) no term raised.
    const b = net.raft('b');
    b.step({ type: 'pre-vote', from: 'zz', to: 'b', term: 5, lastIndex: 0, lastTerm: 0, transfer: false });
    expect(drainMessages(b)).toEqual([expect.objectContaining({ type: 'pre-vote-response', reject: true })]);
    expect(b.term).toBe(1);
  });
});

describe('the start lease', () => {
  const conf = { servers: ['a', 'b', 'c'].map((id) => ({ id, address: id, suffrage: 'voter' as const })) };
  const preVote = (term: number): VoteMessage => ({ type: 'pre-vote', from: 'b', to: 'a', term, lastIndex: 5, lastTerm: term - 1, transfer: false });
  const answer = (n: RaftNode): boolean | undefined => {
    const m = n.ready().messages.find((x) => x.type === 'pre-vote-response');
    return m === undefined ? undefined : !(m as { reject: boolean }).reject;
  };

  it('a restarted server refuses (pre-)votes for an election timeout; a server with no state at all grants them at once', () => {
    const restarted = new RaftNode({ id: 'a', rng: new SeededRng(1) }, { hardState: { term: 3, vote: 'a', commit: 1 }, entries: [{ index: 1, term: 1, type: 'configuration', data: encodeConfiguration(conf) }] });
    restarted.step(preVote(4));
    expect(answer(restarted)).not.toBe(true); // ignored (no answer) or refused: never granted
    const brandNew = new RaftNode({ id: 'a', rng: new SeededRng(1) }, { hardState: emptyHardState, entries: [], bootstrap: conf });
    brandNew.step(preVote(2));
    expect(answer(brandNew)).toBe(true);
  });
});
