/**
 * The Raft paper's rules, one test each, after etcd-raft's raft_paper_test.go (the section in
 * each name). Pre-vote and check-quorum are always on here.
 */
import { describe, expect, it } from 'vitest';
import type { AppendMessage, VoteMessage } from './messages.js';
import { RaftNode } from './raft.js';
import { SeededRng } from '../lib/index.js';
import { TestNetwork, bytes, diskWithLog, drain, drainMessages, loneLeader, loneNode, ofType } from './test-network.js';
import type { Entry } from './types.js';

const cmd = (index: number, term: number, text = `e${index}`): Entry => ({ index, term, type: 'command', data: bytes(text) });

describe('§5.1 terms', () => {
  for (const role of ['follower', 'candidate', 'leader'] as const) {
    it(`a ${role} adopts a higher term from any message and becomes follower`, () => {
      const n = role === 'leader' ? loneLeader(['a', 'b', 'c']) : loneNode('a', ['a', 'b', 'c']);
      if (role === 'candidate') {
        n.campaign();
        for (const m of ofType(drainMessages(n), 'pre-vote')) n.step({ type: 'pre-vote-response', from: m.to, to: 'a', term: m.term, reject: false });
        expect(n.status().role).toBe('candidate');
      }
      drain(n);
      n.step({ type: 'append', from: 'b', to: 'a', term: 9, prevIndex: 0, prevTerm: 0, entries: [], commit: 0 });
      expect(n.status()).toMatchObject({ role: 'follower', term: 9, leader: 'b' });
    });
  }

  it('a stale leader learns the newer term from the answer to its append', () => {
    const n = loneNode('a', ['a', 'b', 'c']);
    n.step({ type: 'append', from: 'b', to: 'a', term: 5, prevIndex: 0, prevTerm: 0, entries: [], commit: 0 });
    drain(n);
    n.step({ type: 'heartbeat', from: 'c', to: 'a', term: 3, commit: 0, seq: 0, sentTick: 0 });
    const [resp] = drainMessages(n);
    expect(resp).toMatchObject({ type: 'append-response', to: 'c', term: 5 });
    expect(n.status().leader).toBe('b');
  });

  it('ignores a vote request from an older term', () => {
    const n = loneNode('a', ['a', 'b', 'c']);
    n.step({ type: 'append', from: 'b', to: 'a', term: 5, prevIndex: 0, prevTerm: 0, entries: [], commit: 0 });
    drain(n);
    n.step({ type: 'vote', from: 'c', to: 'a', term: 4, lastIndex: 9, lastTerm: 4, transfer: false });
    expect(drainMessages(n)).toEqual([]);
    expect(n.status().vote).toBe('');
  });
});

describe('§5.2 leader election', () => {
  it('a server starts as a follower', () => {
    expect(loneNode('a', ['a', 'b', 'c']).status().role).toBe('follower');
  });

  it('the leader sends a heartbeat to every follower every heartbeatTicks', () => {
    const n = loneLeader(['a', 'b', 'c'], { heartbeatTicks: 2 });
    drain(n);
    n.tick();
    expect(ofType(drainMessages(n), 'heartbeat')).toEqual([]);
    n.tick();
    const hb = ofType(drainMessages(n), 'heartbeat');
    expect(hb.map((m) => m.to).sort()).toEqual(['b', 'c']);
    expect(hb.every((m) => m.term === n.term)).toBe(true);
  });

  it('after the election timeout a follower pre-votes for term+1 without changing its term, then campaigns', () => {
    const n = loneNode('a', ['a', 'b', 'c']);
    drain(n);
    for (let i = 0; i < 20; i++) n.tick();
    const pre = ofType(drainMessages(n), 'pre-vote');
    expect(pre.map((m) => m.to).sort()).toEqual(['b', 'c']);
    expect(pre[0]).toMatchObject({ term: 2, lastIndex: 1, lastTerm: 1 });
    expect(n.status()).toMatchObject({ role: 'pre-candidate', term: 1, vote: '' });
    n.step({ type: 'pre-vote-response', from: 'b', to: 'a', term: 2, reject: false });
    expect(n.status()).toMatchObject({ role: 'candidate', term: 2, vote: 'a' });
    const rd = n.ready();
    // The vote requests leave only after the term and self-vote are durable (same Ready).
    expect(rd.hardState).toMatchObject({ term: 2, vote: 'a' });
    expect(rd.mustSync).toBe(true);
    expect(ofType(rd.messages, 'vote').map((m) => m.to).sort()).toEqual(['b', 'c']);
  });

  it('a candidate counts its own vote only once it is durable', () => {
    const n = loneNode('a', ['a']);
    n.campaign();
    expect(n.status().role).toBe('candidate');
    const rd = n.ready();
    expect(rd.hardState).toMatchObject({ term: 2, vote: 'a' });
    expect(n.status().role).toBe('candidate');
    n.advance(rd);
    expect(n.status().role).toBe('leader');
  });

  const outcomes: [number, Record<string, boolean>, string][] = [
    [1, {}, 'leader'],
    [3, { b: true, c: true }, 'leader'],
    [3, { b: true }, 'leader'],
    [5, { b: true, c: true, d: true, e: true }, 'leader'],
    [5, { b: true, c: true, d: true }, 'leader'],
    [5, { b: true }, 'candidate'],
    [3, { b: false, c: false }, 'follower'],
    [5, { b: false, c: false, d: false }, 'follower'],
    [5, { b: true, c: false, d: false, e: false }, 'follower'],
    [3, {}, 'candidate'],
  ];
  for (const [size, votes, want] of outcomes) {
    it(`with ${size} voters and votes ${JSON.stringify(votes)} the candidate ends ${want}`, () => {
      const ids = ['a', 'b', 'c', 'd', 'e'].slice(0, size);
      const n = loneNode('a', ids);
      n.campaign();
      for (const id of ids.slice(1)) n.step({ type: 'pre-vote-response', from: id, to: 'a', term: 2, reject: false });
      drain(n);
      for (const [from, granted] of Object.entries(votes)) n.step({ type: 'vote-response', from, to: 'a', term: 2, reject: !granted });
      expect(n.status().role).toBe(want);
    });
  }

  it('a follower votes at most once per term, first come first served', () => {
    const cases: [string, string, boolean][] = [['', 'b', true], ['', 'c', true], ['b', 'b', true], ['c', 'c', true], ['b', 'c', false], ['c', 'b', false]];
    for (const [vote, from, granted] of cases) {
      const n = new RaftNode({ id: 'a', rng: new SeededRng(1), startLease: false },
        { ...diskWithLog(['a', 'b', 'c'], []), hardState: { term: 1, vote, commit: 0 } });
      n.step({ type: 'vote', from, to: 'a', term: 1, lastIndex: 0, lastTerm: 0, transfer: false });
      const [resp] = drainMessages(n);
      expect(resp, `vote ${vote} from ${from}`).toMatchObject({ type: 'vote-response', to: from, reject: !granted });
    }
  });

  it('a candidate steps back to follower on an append from the leader of its term', () => {
    const n = loneNode('a', ['a', 'b', 'c']);
    n.campaign();
    n.step({ type: 'pre-vote-response', from: 'b', to: 'a', term: 2, reject: false });
    drain(n);
    n.step({ type: 'append', from: 'c', to: 'a', term: 2, prevIndex: 1, prevTerm: 1, entries: [], commit: 0 });
    expect(n.status()).toMatchObject({ role: 'follower', leader: 'c', term: 2 });
  });

  it('election timeouts are random in [electionTicks, 2 × electionTicks)', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 200; seed++) {
      const n = loneNode('a', ['a', 'b', 'c'], { electionTicks: 10 }, seed);
      drain(n);
      let t = 0;
      while (n.status().role === 'follower') {
        n.tick();
        t++;
      }
      seen.add(t);
    }
    expect(Math.min(...seen)).toBe(10);
    expect(Math.max(...seen)).toBe(19);
    expect(seen.size).toBe(10);
  });
});

describe('§5.3 log replication', () => {
  it('the leader appends a proposal and sends it to every follower', () => {
    const n = loneLeader(['a', 'b', 'c']);
    drain(n);
    // The followers acknowledge the no-op: their progress moves from probe to replicate.
    for (const f of ['b', 'c']) n.step({ type: 'append-response', from: f, to: 'a', term: 2, index: 2, reject: false, hintIndex: 0, hintTerm: 0 });
    drain(n);
    const r = n.propose(bytes('x'));
    expect(r).toEqual({ index: 3, term: 2 });
    const rd = n.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([3]);
    const apps = ofType(rd.messages, 'append');
    expect(apps.map((m) => m.to).sort()).toEqual(['b', 'c']);
  });

  it('the leader commits once a quorum stored the entry, and tells the followers', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    net.isolate('c');
    net.propose('a', 'x');
    net.stabilize();
    expect(net.appliedTexts('a')).toEqual(['x']);
    expect(net.appliedTexts('b')).toEqual(['x']);
    expect(net.appliedTexts('c')).toEqual([]);
    expect(net.raft('b').status().commit).toBe(3);
  });

  it('a follower commits only up to the leader commit and the entries it has (heartbeats carry min(match, commit))', () => {
    const n = loneNode('a', ['a', 'b', 'c']);
    n.step({ type: 'append', from: 'b', to: 'a', term: 2, prevIndex: 1, prevTerm: 1, entries: [cmd(2, 2), cmd(3, 2)], commit: 9 });
    expect(n.status().commit).toBe(3);
    const n2 = loneNode('a', ['a', 'b', 'c']);
    n2.step({ type: 'append', from: 'b', to: 'a', term: 2, prevIndex: 1, prevTerm: 1, entries: [cmd(2, 2)], commit: 1 });
    expect(n2.status().commit).toBe(1);
    const leader = loneLeader(['a', 'b', 'c']);
    drain(leader);
    leader.tick();
    for (const hb of ofType(drainMessages(leader), 'heartbeat')) expect(hb.commit).toBe(0);
  });

  it('a follower rejects an append whose previous entry does not match, with a hint', () => {
    // The follower's log: terms [1, 2]. [prevIndex, prevTerm, rejected, hint index, hint term]
    const cases: [number, number, boolean, number, number][] = [
      [0, 0, false, 0, 0], [1, 1, false, 0, 0], [2, 2, false, 0, 0],
      [2, 1, true, 1, 1], // entry 2 has term 2 > 1: the largest entry with a term <= 1 is 1
      [3, 3, true, 2, 2], // beyond the end: the last entry
    ];
    for (const [prevIndex, prevTerm, reject, hintIndex, hintTerm] of cases) {
      const net = new TestNetwork([]);
      net.addNode('a', undefined, {}, diskWithLog(['a', 'b', 'c'], [1, 2]));
      const a = net.raft('a');
      a.step({ type: 'append', from: 'b', to: 'a', term: 2, prevIndex, prevTerm, entries: [], commit: 0 });
      const [resp] = drainMessages(a);
      expect(resp, `prev ${prevIndex}/${prevTerm}`).toMatchObject({ type: 'append-response', reject });
      if (reject) expect(resp).toMatchObject({ index: prevIndex, hintIndex, hintTerm });
    }
  });

  it('a follower deletes a conflicting suffix and appends (Fig. 2 receiver rules 3, 4)', () => {
    const cases: { prev: [number, number]; entries: Entry[]; want: number[] }[] = [
      { prev: [2, 2], entries: [cmd(3, 3)], want: [1, 2, 3] },
      { prev: [1, 1], entries: [cmd(2, 3), cmd(3, 4)], want: [1, 3, 4] },
      { prev: [0, 0], entries: [cmd(1, 1)], want: [1, 2] },
      { prev: [0, 0], entries: [cmd(1, 3)], want: [3] },
    ];
    for (const c of cases) {
      const net = new TestNetwork([]);
      net.addNode('a', undefined, {}, diskWithLog(['a', 'b', 'c'], [1, 2]));
      net.raft('a').step({ type: 'append', from: 'b', to: 'a', term: 5, prevIndex: c.prev[0], prevTerm: c.prev[1], entries: c.entries, commit: 0 });
      net.processAll();
      expect(net.node('a').disk.entries.map((e) => e.term)).toEqual(c.want);
    }
  });

  it('the leader brings every follower log of Fig. 7 in line with its own', () => {
    const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    const followers: number[][] = [
      [1, 1, 1, 4, 4, 5, 5, 6, 6], // a
      [1, 1, 1, 4], // b
      [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], // c
      [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], // d
      [1, 1, 1, 4, 4, 4, 4], // e
      [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], // f
    ];
    for (const [i, flog] of followers.entries()) {
      const ids = ['l', 'f', 'x'];
      const net = new TestNetwork([], { node: { startLease: false } });
      net.addNode('l', undefined, {}, diskWithLog(ids, leaderLog, 8));
      net.addNode('f', undefined, {}, diskWithLog(ids, flog, 7));
      // A third voter that votes for the leader and then stays away.
      net.addNode('x', undefined, {}, diskWithLog(ids, [], 7));
      net.elect('l');
      net.isolate('x');
      expect(net.leader(), `case ${i}`).toBe('l');
      net.propose('l', 'last');
      net.stabilize();
      const want = net.node('l').disk.entries.map((e) => `${e.index}/${e.term}`);
      expect(net.node('f').disk.entries.map((e) => `${e.index}/${e.term}`), `case ${i}`).toEqual(want);
    }
  });

  it('fast backtracking: a long divergent tail is found in a few round trips', () => {
    const ids = ['l', 'f', 'x'];
    const net = new TestNetwork([], { node: { startLease: false } });
    net.addNode('l', undefined, {}, diskWithLog(ids, [1, ...Array<number>(300).fill(3)], 7));
    net.addNode('f', undefined, {}, diskWithLog(ids, [1, ...Array<number>(200).fill(2)], 6));
    net.addNode('x', undefined, {}, diskWithLog(ids, [], 6));
    net.elect('l');
    net.isolate('x');
    net.stabilize();
    const rejections = net.sent.filter((m) => m.type === 'append-response' && m.reject && m.from === 'f');
    expect(rejections.length).toBeLessThanOrEqual(3);
    expect(net.node('f').disk.entries.length).toBe(302);
  });
});

describe('§5.4 safety', () => {
  it('§5.4.1 a voter refuses a candidate whose log is less up to date', () => {
    // The voter's log has last index 2, last term 2. [candidate last index, last term, refused]
    const cases: [number, number, boolean][] = [
      [1, 1, true], [3, 1, true], [1, 2, true], [2, 2, false], [3, 2, false], [1, 3, false], [2, 3, false],
    ];
    for (const [lastIndex, lastTerm, reject] of cases) {
      const net = new TestNetwork([]);
      net.addNode('a', undefined, { startLease: false }, diskWithLog(['a', 'b', 'c'], [1, 2]));
      const a = net.raft('a');
      a.step({ type: 'vote', from: 'b', to: 'a', term: 3, lastIndex, lastTerm, transfer: false } satisfies VoteMessage);
      const [resp] = drainMessages(a);
      expect(resp, `candidate ${lastIndex}/${lastTerm}`).toMatchObject({ type: 'vote-response', reject });
    }
  });

  it('§5.4.2 a leader commits entries of earlier terms only through an entry of its own term', () => {
    const ids = ['l', 'f', 'x'];
    const net = new TestNetwork([], { node: { startLease: false } });
    net.addNode('l', undefined, {}, diskWithLog(ids, [1, 2], 3));
    net.addNode('f', undefined, {}, diskWithLog(ids, [1], 3));
    net.addNode('x', undefined, {}, diskWithLog(ids, [1], 3));
    net.ignored.add('append');
    net.elect('l');
    net.ignored.clear();
    const l = net.raft('l');
    expect(l.status()).toMatchObject({ role: 'leader', term: 4, commit: 0 });
    // The follower acknowledges entry 2 (term 2) alone: a quorum has it, yet it must not commit.
    l.step({ type: 'append-response', from: 'f', to: 'l', term: 4, index: 2, reject: false, hintIndex: 0, hintTerm: 0 });
    expect(l.status().commit).toBe(0);
    // Once the no-op of term 4 (index 3) is on a quorum, everything before it commits.
    l.step({ type: 'append-response', from: 'f', to: 'l', term: 4, index: 3, reject: false, hintIndex: 0, hintTerm: 0 });
    expect(l.status().commit).toBe(3);
  });

  /**
   * Fig. 8 (indexes shifted by the configuration entry and the no-ops): S1 leads term 2 and
   * gets entry A to S2 only; S5 leads term 3 with S3, S4 and appends B alone; S1 leads term 4.
   */
  function fig8(): TestNetwork {
    const net = new TestNetwork(['s1', 's2', 's3', 's4', 's5'], { node: { startLease: false, maxEntriesPerAppend: 1 } });
    net.elect('s1');
    net.partition(['s1', 's2'], ['s3', 's4', 's5']);
    net.propose('s1', 'A');
    net.stabilize();
    net.crash('s1');
    net.heal();
    net.isolate('s2');
    net.ignored.add('append');
    net.elect('s5');
    expect(net.raft('s5').status()).toMatchObject({ role: 'leader', term: 3 });
    net.isolate('s5');
    net.propose('s5', 'B');
    net.crash('s5');
    net.heal();
    net.restart('s1');
    net.elect('s1'); // rejected at term 3 by S3, S4: it learns term 3 (not stuck)
    return net;
  }

  it('Fig. 8 (c, d): an old-term entry on a majority is not committed, and a later leader may overwrite it', () => {
    const net = fig8();
    // A reaches S3, but S1's own no-op (term 4) reaches S3 only: A is on a majority, the
    // no-op is not, and S4 hears nothing.
    net.dropIf = (m) => m.type === 'append' && ((m.to === 's2' && m.entries.some((e) => e.term === 4)) || m.to === 's4');
    net.elect('s1');
    expect(net.raft('s1').status()).toMatchObject({ role: 'leader', term: 4 });
    expect(net.node('s3').disk.entries.map(textOfEntry)).toContain('A');
    expect(net.raft('s1').status().commit).toBe(2);
    net.crash('s1');
    net.heal();
    net.restart('s5');
    net.elect('s5');
    net.elect('s5');
    expect(net.raft('s5').status().role).toBe('leader');
    net.stabilize();
    for (const id of ['s2', 's3', 's4', 's5']) {
      expect(net.node(id).disk.entries.map(textOfEntry), id).not.toContain('A');
      expect(net.appliedTexts(id), id).toEqual(['B']);
    }
  });

  it('Fig. 8 (e): once an entry of the leader\'s term is on a majority, the old entry is committed and stays', () => {
    const net = fig8();
    net.elect('s1');
    net.stabilize();
    expect(net.appliedTexts('s1')).toEqual(['A']);
    net.crash('s1');
    net.restart('s5');
    for (let i = 0; i < 100; i++) {
      net.tickAll();
      net.stabilize();
    }
    expect(['s2', 's3', 's4']).toContain(net.leader());
    net.restart('s1');
    net.propose(net.leader() as string, 'C');
    for (let i = 0; i < 5; i++) {
      net.tickAll();
      net.stabilize();
    }
    for (const id of ['s1', 's2', 's3', 's4', 's5']) expect(net.appliedTexts(id), id).toEqual(['A', 'C']);
  });
});

const textOfEntry = (e: Entry): string => new TextDecoder().decode(e.data);

describe('§5.5 / thesis §3.8 persistence', () => {
  it('a vote is granted in the same Ready that persists it, and a restart does not vote again in the term', () => {
    const net = new TestNetwork([]);
    net.addNode('a', undefined, { startLease: false }, diskWithLog(['a', 'b', 'c'], [1]));
    const a = net.raft('a');
    a.step({ type: 'vote', from: 'b', to: 'a', term: 2, lastIndex: 1, lastTerm: 1, transfer: false });
    const rd = a.ready();
    expect(rd.hardState).toMatchObject({ term: 2, vote: 'b' });
    expect(rd.mustSync).toBe(true);
    expect(rd.messages).toEqual([expect.objectContaining({ type: 'vote-response', reject: false })]);
    net.node('a').disk.hardState = { ...(rd.hardState as { term: number; vote: string; commit: number }) };
    a.advance(rd);
    net.crash('a');
    net.restart('a');
    const again = net.raft('a');
    again.step({ type: 'vote', from: 'c', to: 'a', term: 2, lastIndex: 5, lastTerm: 1, transfer: false });
    expect(drainMessages(again)).toEqual([expect.objectContaining({ type: 'vote-response', reject: true })]);
  });

  it('a single-voter cluster commits its own append in the Ready after the one that persists it', () => {
    const n = loneNode('a', ['a']);
    n.campaign();
    drain(n);
    expect(n.status().role).toBe('leader');
    n.propose(bytes('x'));
    const rd1 = n.ready();
    expect(rd1.entries.map((e) => e.index)).toEqual([3]);
    expect(rd1.committedEntries.map((e) => e.index)).toEqual([]);
    n.advance(rd1);
    const rd2 = n.ready();
    expect(rd2.committedEntries.map((e) => e.index)).toEqual([3]);
    expect(rd2.hardState?.commit).toBe(3);
  });

  it('append messages carry (prevIndex, prevTerm) of the entry before them', () => {
    const n = loneLeader(['a', 'b', 'c']);
    const apps = ofType(drainMessages(n), 'append') as AppendMessage[];
    expect(apps[0]).toMatchObject({ prevIndex: 1, prevTerm: 1 });
  });
});
