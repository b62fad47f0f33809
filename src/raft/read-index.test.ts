/**
 * Read index (thesis §6.4): 'quorum' answers the commit index once a heartbeat round sent
 * after the request is acknowledged by a quorum; 'lease' answers at once while a quorum
 * acknowledged heartbeats within leaseTicks, else it takes a round too. Neither answers before
 * the leader committed an entry of its term.
 */
import { describe, expect, it } from 'vitest';
import { TestNetwork, drain, loneLeader, ofType } from './test-network.js';

function cluster(extra = {}): TestNetwork {
  const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false, ...extra } });
  net.elect('a');
  net.propose('a', 'x');
  net.stabilize();
  return net;
}

describe('read index', () => {
  it('quorum: answered with the commit index after a heartbeat round, not before', () => {
    const net = cluster();
    const a = net.raft('a');
    a.readIndex('r1', 'quorum');
    net.processAll();
    expect(net.node('a').reads).toEqual([]);
    const hbs = net.queue.filter((m) => m.type === 'heartbeat');
    expect(hbs.map((m) => m.to).sort()).toEqual(['b', 'c']);
    net.stabilize();
    expect(net.node('a').reads).toEqual([{ requestId: 'r1', index: 3 }]);
  });

  it('quorum: a leader cut off from the others never answers, and fails the read when it steps down', () => {
    const net = cluster();
    net.isolate('a');
    net.raft('a').readIndex('r1', 'quorum');
    net.processAll();
    for (let i = 0; i < 9; i++) net.tick('a');
    expect(net.node('a').reads).toEqual([]);
    net.tick('a');
    expect(net.node('a').reads).toEqual([{ requestId: 'r1', error: 'not-leader' }]);
  });

  it('quorum: one acknowledgement of a later round answers every earlier read, in order', () => {
    const net = cluster();
    const a = net.raft('a');
    a.readIndex('r1', 'quorum');
    net.processAll();
    net.queue = [];
    a.readIndex('r2', 'quorum');
    net.processAll();
    net.stabilize();
    expect(net.node('a').reads.map((r) => r.requestId)).toEqual(['r1', 'r2']);
  });

  it('lease: answered at once while the lease holds', () => {
    const net = cluster();
    net.tickAll();
    net.stabilize();
    net.raft('a').readIndex('r1', 'lease');
    net.processAll();
    expect(net.node('a').reads).toEqual([{ requestId: 'r1', index: 3 }]);
    expect(net.queue).toEqual([]);
  });

  it('lease: once no quorum acknowledged a heartbeat within leaseTicks, it takes a quorum round', () => {
    const net = cluster({ electionTicks: 10, leaseTicks: 5 });
    net.tickAll();
    net.stabilize();
    net.isolate('a');
    for (let i = 0; i < 4; i++) net.tick('a');
    net.raft('a').readIndex('r1', 'lease');
    net.processAll();
    expect(net.node('a').reads).toEqual([{ requestId: 'r1', index: 3 }]);
    net.tick('a');
    net.raft('a').readIndex('r2', 'lease');
    net.processAll();
    expect(net.node('a').reads.map((r) => r.requestId)).toEqual(['r1']);
    // The round sent while cut off was lost; the next heartbeat round confirms the read.
    net.heal();
    net.tick('a');
    net.stabilize();
    expect(net.node('a').reads).toEqual([{ requestId: 'r1', index: 3 }, { requestId: 'r2', index: 3 }]);
  });

  it('lease: not used while leadership is being transferred', () => {
    const net = cluster();
    net.tickAll();
    net.stabilize();
    net.cutOneWay('a', 'b');
    net.raft('a').transferLeadership('b');
    net.raft('a').readIndex('r1', 'lease');
    net.processAll();
    expect(net.node('a').reads).toEqual([]);
  });

  it('reads wait until the new leader committed an entry of its term', () => {
    const l = loneLeader(['a', 'b', 'c']);
    drain(l);
    for (const mode of ['quorum', 'lease'] as const) l.readIndex(`r-${mode}`, mode);
    expect(drain(l).flatMap((rd) => rd.readStates)).toEqual([]);
    l.step({ type: 'append-response', from: 'b', to: 'a', term: 2, index: 2, reject: false, hintIndex: 0, hintTerm: 0 });
    const rd = l.ready();
    const hbs = ofType(rd.messages, 'heartbeat');
    l.advance(rd);
    expect(hbs.length).toBe(2);
    for (const hb of hbs) l.step({ type: 'heartbeat-response', from: hb.to, to: 'a', term: 2, seq: hb.seq, sentTick: hb.sentTick });
    expect(drain(l).flatMap((rd2) => rd2.readStates)).toEqual([
      { requestId: 'r-quorum', index: 2 },
      { requestId: 'r-lease', index: 2 },
    ]);
  });

  it('a single voter answers at once; a follower answers not-leader; a full queue answers busy', () => {
    const one = new TestNetwork(['a'], { node: { startLease: false } });
    one.elect('a');
    one.raft('a').readIndex('r', 'quorum');
    one.processAll();
    expect(one.node('a').reads).toEqual([{ requestId: 'r', index: 2 }]);
    const net = cluster({ maxPendingReads: 1 });
    net.raft('b').readIndex('f', 'quorum');
    net.processAll();
    expect(net.node('b').reads).toEqual([{ requestId: 'f', error: 'not-leader' }]);
    net.raft('a').readIndex('q1', 'quorum');
    net.raft('a').readIndex('q2', 'quorum');
    net.stabilize();
    expect(net.node('a').reads).toEqual([{ requestId: 'q2', error: 'busy' }, { requestId: 'q1', index: 3 }]);
  });
});
