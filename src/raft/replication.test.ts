/**
 * Replication: batching, pipelining with an inflight bound, probing, flow control, the Ready
 * contract for truncation, and the bounds on uncommitted entries and applied batches.
 */
import { describe, expect, it } from 'vitest';
import { TestNetwork, ack, bytes, diskWithLog, drain, drainMessages, loneLeader, loneNode, ofType } from './test-network.js';

/** A leader of a, b, c whose followers acknowledged the no-op (they are in replicate state). */
function replicating(extra = {}) {
  const l = loneLeader(['a', 'b', 'c'], extra);
  drain(l);
  ack(l, 'b', 2);
  ack(l, 'c', 2);
  drain(l);
  return l;
}

describe('replication', () => {
  it('proposals between two Readies go out together, in batches of maxEntriesPerAppend', () => {
    const l = replicating({ maxEntriesPerAppend: 3 });
    for (let i = 0; i < 10; i++) l.propose(bytes(`x${i}`));
    const apps = ofType(l.ready().messages, 'append').filter((m) => m.to === 'b');
    expect(apps.map((m) => m.entries.length)).toEqual([3, 3, 3, 1]);
    expect(apps.map((m) => m.prevIndex)).toEqual([2, 5, 8, 11]);
  });

  it('an append carries at most maxBytesPerAppend of data, but always one entry', () => {
    const l = replicating({ maxBytesPerAppend: 250 });
    for (let i = 0; i < 4; i++) l.propose(new Uint8Array(100));
    l.propose(new Uint8Array(1000));
    const apps = ofType(l.ready().messages, 'append').filter((m) => m.to === 'b');
    expect(apps.map((m) => m.entries.length)).toEqual([2, 2, 1]);
  });

  it('in replicate state at most maxInflightAppends appends are unacknowledged; an ack frees room', () => {
    const l = replicating({ maxEntriesPerAppend: 1, maxInflightAppends: 2 });
    for (let i = 0; i < 5; i++) l.propose(bytes(`x${i}`));
    let rd = l.ready();
    expect(ofType(rd.messages, 'append').filter((m) => m.to === 'b').map((m) => m.entries[0]?.index)).toEqual([3, 4]);
    l.advance(rd);
    ack(l, 'b', 3);
    rd = l.ready();
    expect(ofType(rd.messages, 'append').filter((m) => m.to === 'b').map((m) => m.entries[0]?.index)).toEqual([5]);
    l.advance(rd);
    expect(l.status().progress?.get('b')).toMatchObject({ state: 'replicate', match: 3, next: 6 });
  });

  it('a full window sends one empty append on a heartbeat response, so lost appends are noticed', () => {
    const l = replicating({ maxEntriesPerAppend: 1, maxInflightAppends: 1 });
    l.propose(bytes('x'));
    l.propose(bytes('y'));
    drain(l);
    l.step({ type: 'heartbeat-response', from: 'b', to: 'a', term: 2, seq: 0, sentTick: 0 });
    const apps = ofType(drainMessages(l), 'append').filter((m) => m.to === 'b');
    expect(apps).toHaveLength(1);
    expect(apps[0]?.entries).toEqual([]);
  });

  it('after a rejection the follower is probed one append at a time until one succeeds', () => {
    const l = replicating({ maxEntriesPerAppend: 1 });
    for (let i = 0; i < 3; i++) l.propose(bytes(`x${i}`));
    drain(l);
    l.step({ type: 'append-response', from: 'b', to: 'a', term: 2, index: 3, reject: true, hintIndex: 2, hintTerm: 2 });
    expect(l.status().progress?.get('b')?.state).toBe('probe');
    const first = ofType(drainMessages(l), 'append').filter((m) => m.to === 'b');
    expect(first.map((m) => m.prevIndex)).toEqual([2]);
    l.propose(bytes('more'));
    expect(ofType(drainMessages(l), 'append').filter((m) => m.to === 'b')).toEqual([]);
    ack(l, 'b', 3);
    expect(l.status().progress?.get('b')?.state).toBe('replicate');
    expect(ofType(drainMessages(l), 'append').filter((m) => m.to === 'b').length).toBeGreaterThan(1);
  });

  it('a stale rejection (at or below match) is ignored', () => {
    const l = replicating();
    l.propose(bytes('x'));
    drain(l);
    ack(l, 'b', 3);
    l.step({ type: 'append-response', from: 'b', to: 'a', term: 2, index: 2, reject: true, hintIndex: 1, hintTerm: 1 });
    expect(l.status().progress?.get('b')).toMatchObject({ state: 'replicate', match: 3 });
  });

  it('heartbeats carry commit = min(match, commit): a lagging follower is never told to commit what it lacks', () => {
    const l = replicating();
    l.propose(bytes('x'));
    drain(l);
    ack(l, 'b', 3);
    drain(l);
    expect(l.status().commit).toBe(3);
    l.tick();
    const hb = ofType(drainMessages(l), 'heartbeat');
    expect(hb.find((m) => m.to === 'b')?.commit).toBe(3);
    expect(hb.find((m) => m.to === 'c')?.commit).toBe(2);
  });

  it('an unreachable follower is probed again from its match', () => {
    const l = replicating();
    l.reportUnreachable('b');
    expect(l.status().progress?.get('b')).toMatchObject({ state: 'probe', next: 3 });
  });

  it('proposals are refused by followers and past maxUncommittedEntries', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false, maxUncommittedEntries: 3 } });
    net.elect('a');
    expect(net.raft('b').propose(bytes('x'))).toMatchObject({ error: 'not-leader', message: 'node is not the leader' });
    net.isolate('a');
    for (let i = 0; i < 3; i++) expect(net.propose('a', `x${i}`)).toHaveProperty('index');
    expect(net.propose('a', 'x3')).toMatchObject({ error: 'busy' });
  });

  it('committed entries are handed out in slices of maxCommittedEntriesPerReady', () => {
    const l = loneLeader(['a'], { maxCommittedEntriesPerReady: 4 });
    drain(l);
    for (let i = 0; i < 10; i++) l.propose(bytes(`x${i}`));
    const sizes = drain(l).map((rd) => rd.committedEntries.length).filter((n) => n > 0);
    expect(sizes).toEqual([4, 4, 2]);
    expect(l.status().applied).toBe(12);
  });

  it('a follower hands a conflicting suffix to its driver as entries starting below its last index', () => {
    const net = new TestNetwork([]);
    net.addNode('f', undefined, {}, diskWithLog(['l', 'f', 'x'], [1, 2, 2, 2]));
    const f = net.raft('f');
    f.step({ type: 'append', from: 'l', to: 'f', term: 3, prevIndex: 2, prevTerm: 2, entries: [{ index: 3, term: 3, type: 'command', data: bytes('new') }], commit: 0 });
    const rd = f.ready();
    expect(rd.entries.map((e) => [e.index, e.term])).toEqual([[3, 3]]);
    expect(rd.mustSync).toBe(true);
    f.advance(rd);
    expect(f.status().lastIndex).toBe(3);
  });

  it('an append that only repeats entries the follower has does not truncate what follows them', () => {
    const net = new TestNetwork([]);
    net.addNode('f', undefined, {}, diskWithLog(['l', 'f', 'x'], [1, 2, 2, 2]));
    const f = net.raft('f');
    f.step({ type: 'append', from: 'l', to: 'f', term: 2, prevIndex: 1, prevTerm: 1, entries: [{ index: 2, term: 2, type: 'command', data: bytes('e2') }], commit: 0 });
    expect(f.status().lastIndex).toBe(4);
    expect(drainMessages(f)).toEqual([expect.objectContaining({ type: 'append-response', index: 2, reject: false })]);
  });

  it('an append below the follower commit is answered with the commit index', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    net.propose('a', 'x');
    net.stabilize();
    const b = net.raft('b');
    b.step({ type: 'append', from: 'a', to: 'b', term: 2, prevIndex: 1, prevTerm: 1, entries: [], commit: 0 });
    expect(drainMessages(b)).toEqual([expect.objectContaining({ index: 3, reject: false })]);
  });
});

describe('a leader sends before its own write is durable (Ready.sendFirst)', () => {
  it('a leader Ready may send first; a candidate, a follower and a term change may not', () => {
    const n = loneNode('a', ['a', 'b', 'c']);
    n.campaign();
    const preVote = n.ready();
    expect(preVote.sendFirst).toBe(false); // pre-candidate
    n.advance(preVote);
    for (const m of ofType(preVote.messages, 'pre-vote')) n.step({ type: 'pre-vote-response', from: m.to, to: m.from, term: m.term, reject: false });
    const vote = n.ready();
    expect([vote.softState?.role, vote.hardState?.vote, vote.sendFirst]).toEqual(['candidate', 'a', false]);
    n.advance(vote);
    for (const m of ofType(vote.messages, 'vote')) n.step({ type: 'vote-response', from: m.to, to: m.from, term: m.term, reject: false });
    const won = n.ready();
    expect([won.softState?.role, won.entries.length > 0, won.sendFirst]).toEqual(['leader', true, true]);
    n.advance(won);
    n.propose(bytes('x'));
    expect(n.ready().sendFirst).toBe(true);

    const f = loneNode('b', ['a', 'b', 'c']);
    f.step({ type: 'append', from: 'a', to: 'b', term: 2, prevIndex: 1, prevTerm: 1, entries: [{ index: 2, term: 2, type: 'command', data: bytes('y') }], commit: 1 });
    const followerRd = f.ready();
    expect([ofType(followerRd.messages, 'append-response').length, followerRd.sendFirst]).toEqual([1, false]);
  });

  it("its own entries count toward commit only once its Ready is advanced, whatever the followers' acks", () => {
    const l = replicating();
    l.propose(bytes('x')); // index 3
    const rd = l.ready();
    expect(rd.sendFirst).toBe(true);
    expect(ofType(rd.messages, 'append').map((m) => m.to).sort()).toEqual(['b', 'c']);
    // One follower stores it and acknowledges before the leader's own write finished: with the
    // leader's copy not durable yet, one disk of three is no quorum.
    ack(l, 'b', 3);
    expect(l.status().commit).toBe(2);
    l.advance(rd); // the leader's write is durable
    expect(l.status().commit).toBe(3);
  });

  it('two followers storing it commit it while the leader still writes (a quorum of disks)', () => {
    const l = replicating();
    l.propose(bytes('x'));
    const rd = l.ready();
    ack(l, 'b', 3);
    ack(l, 'c', 3);
    expect(l.status().commit).toBe(3);
    l.advance(rd);
  });
});

describe('a new commit rides on the next append, or goes alone when the driver announces it', () => {
  /** ready/advance without the announce that drain() does. */
  const step = (l: ReturnType<typeof loneLeader>) => {
    const rd = l.ready();
    l.advance(rd);
    return rd;
  };

  it('sends no commit-only append until announceCommit, then one to each follower not told', () => {
    const l = replicating();
    l.propose(bytes('x')); // index 3
    step(l);
    ack(l, 'b', 3);
    expect(l.status().commit).toBe(3);
    expect(l.hasUnannouncedCommit()).toBe(true);
    const quiet = l.hasReady() ? step(l) : undefined;
    expect(ofType(quiet?.messages ?? [], 'append')).toEqual([]);
    l.announceCommit();
    const told = ofType(step(l).messages, 'append');
    expect(told.map((m) => [m.to, m.commit, m.entries.length]).sort()).toEqual([['b', 3, 0], ['c', 3, 0]]);
    expect(l.hasUnannouncedCommit()).toBe(false);
  });

  it("the next write's append carries it, and then there is nothing to announce", () => {
    const l = replicating();
    l.propose(bytes('x'));
    step(l);
    ack(l, 'b', 3);
    if (l.hasReady()) step(l);
    l.propose(bytes('y')); // index 4
    const apps = ofType(step(l).messages, 'append');
    expect(apps.map((m) => [m.to, m.commit, m.entries.map((e) => e.index)]).sort()).toEqual([['b', 3, [4]], ['c', 3, [4]]]);
    expect(l.hasUnannouncedCommit()).toBe(false);
    l.announceCommit();
    expect(l.hasReady()).toBe(false);
  });
});
