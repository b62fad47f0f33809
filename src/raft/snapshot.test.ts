/**
 * Snapshots and compaction (thesis §5, Fig. 13): a follower whose next entries were compacted
 * is caught up by install-snapshot; rule 6 (keep the suffix) and 7 (discard the log); the
 * snapshot index never goes backwards; restarts from a snapshot and trailing entries.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../lib/index.js';
import { RaftNode } from './raft.js';
import { TestNetwork, bytes, diskWithLog, drain, drainMessages, votersConfiguration } from './test-network.js';
import type { SnapshotMeta } from './types.js';

function tickAndSettle(net: TestNetwork, rounds = 5): void {
  for (let i = 0; i < rounds; i++) {
    net.tickAll();
    net.stabilize();
  }
}

describe('snapshots', () => {
  it('a lagging follower is caught up with a snapshot, then replicated to normally', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false, trailingEntries: 2 } });
    net.elect('a');
    net.isolate('c');
    for (let i = 0; i < 20; i++) net.propose('a', `x${i}`);
    net.stabilize();
    const meta = net.snapshot('a');
    expect(meta?.index).toBe(22);
    expect(net.raft('a').status().firstIndex).toBe(21);
    net.heal();
    tickAndSettle(net);
    const snaps = net.sent.filter((m) => m.type === 'install-snapshot');
    expect(snaps).toHaveLength(1);
    expect(snaps[0]).toMatchObject({ to: 'c', snapshot: { index: 22 } });
    expect(net.node('c').disk.snapshot?.index).toBe(22);
    expect(net.appliedTexts('c')).toEqual(net.appliedTexts('a'));
    expect(net.raft('a').status().progress?.get('c')?.state).toBe('replicate');
    net.propose('a', 'after');
    net.stabilize();
    expect(net.appliedTexts('c').at(-1)).toBe('after');
  });

  it('a failed snapshot stream is retried', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false, trailingEntries: 0 } });
    net.elect('a');
    net.isolate('c');
    for (let i = 0; i < 5; i++) net.propose('a', `x${i}`);
    net.stabilize();
    net.snapshot('a');
    net.heal();
    net.ignored.add('install-snapshot');
    tickAndSettle(net, 2);
    expect(net.raft('a').status().progress?.get('c')?.state).toBe('probe');
    net.heal();
    tickAndSettle(net);
    expect(net.appliedTexts('c')).toEqual(net.appliedTexts('a'));
  });

  it('a follower that has the snapshot\'s last entry keeps the entries after it (Fig. 13 rule 6)', () => {
    const net = new TestNetwork([]);
    net.addNode('f', undefined, {}, diskWithLog(['l', 'f', 'x'], [1, 2, 2, 2, 2]));
    const f = net.raft('f');
    const meta: SnapshotMeta = { index: 3, term: 2, configuration: votersConfiguration(['l', 'f', 'x']), configurationIndex: 0 };
    f.step({ type: 'install-snapshot', from: 'l', to: 'f', term: 2, snapshot: meta });
    const rd = f.ready();
    expect(rd.snapshot).toBeUndefined();
    expect(rd.messages).toEqual([expect.objectContaining({ type: 'append-response', index: 3, reject: false })]);
    expect(f.status()).toMatchObject({ commit: 3, lastIndex: 5 });
    expect(rd.committedEntries.map((e) => e.index)).toEqual([1, 2, 3]);
  });

  it('a follower whose log conflicts discards it for the snapshot (rule 7), configuration included', () => {
    const net = new TestNetwork([]);
    net.addNode('f', undefined, {}, diskWithLog(['l', 'f', 'x'], [1, 1, 1]));
    const f = net.raft('f');
    const conf = votersConfiguration(['l', 'f', 'x', 'y']);
    const meta: SnapshotMeta = { index: 10, term: 3, configuration: conf, configurationIndex: 7 };
    net.node('f').incoming.set(meta.index, []);
    f.step({ type: 'install-snapshot', from: 'l', to: 'f', term: 3, snapshot: meta });
    const rd = f.ready();
    expect(rd.snapshot).toEqual(meta);
    expect(rd.mustSync).toBe(true);
    expect(rd.messages).toEqual([expect.objectContaining({ type: 'append-response', index: 10 })]);
    f.advance(rd);
    expect(f.status()).toMatchObject({ commit: 10, applied: 10, firstIndex: 11, lastIndex: 10, configurationIndex: 7 });
    expect(f.status().configuration).toEqual(conf);
  });

  it('a snapshot at or below the commit index is ignored (the snapshot index never goes backwards)', () => {
    const net = new TestNetwork(['a', 'b', 'c'], { node: { startLease: false } });
    net.elect('a');
    for (let i = 0; i < 5; i++) net.propose('a', `x${i}`);
    net.stabilize();
    const b = net.raft('b');
    const meta: SnapshotMeta = { index: 4, term: 2, configuration: votersConfiguration(['a', 'b', 'c']), configurationIndex: 1 };
    b.step({ type: 'install-snapshot', from: 'a', to: 'b', term: 2, snapshot: meta });
    const rd = b.ready();
    expect(rd.snapshot).toBeUndefined();
    expect(rd.messages).toEqual([expect.objectContaining({ index: 7 })]);
  });

  it('compaction keeps trailingEntries behind the snapshot and ignores an older snapshot', () => {
    const net = new TestNetwork(['a'], { node: { startLease: false, trailingEntries: 3 } });
    net.elect('a');
    for (let i = 0; i < 10; i++) net.propose('a', `x${i}`);
    net.stabilize();
    const a = net.raft('a');
    const old = a.snapshotMetaAt(6);
    expect(net.snapshot('a')?.index).toBe(12);
    expect(a.status().firstIndex).toBe(10);
    expect(a.compact(old)).toEqual({ firstIndex: 10, ignored: true });
  });

  it('snapshotMetaAt carries the term and the configuration in force at that index', () => {
    const net = new TestNetwork(['a'], { node: { startLease: false } });
    net.elect('a');
    net.propose('a', 'x');
    net.stabilize();
    expect(net.raft('a').proposeConfigurationChange({ op: 'add-nonvoter', id: 'd', address: 'addr-d' })).toHaveProperty('index', 4);
    net.processAll();
    net.propose('a', 'y');
    net.stabilize();
    const a = net.raft('a');
    expect(a.snapshotMetaAt(3)).toMatchObject({ index: 3, term: 2, configurationIndex: 1 });
    expect(a.snapshotMetaAt(3).configuration.servers).toHaveLength(1);
    expect(a.snapshotMetaAt(5)).toMatchObject({ index: 5, configurationIndex: 4 });
    expect(a.snapshotMetaAt(5).configuration.servers).toHaveLength(2);
  });

  it('a restart from a snapshot and trailing entries before it resumes where it was', () => {
    const conf = votersConfiguration(['a', 'b', 'c']);
    const entries = [8, 9, 10, 11, 12].map((index) => ({ index, term: 2, type: 'command' as const, data: bytes(`e${index}`) }));
    const n = new RaftNode({ id: 'a', rng: new SeededRng(1) }, {
      hardState: { term: 3, vote: 'b', commit: 11 },
      snapshot: { index: 10, term: 2, configuration: conf, configurationIndex: 1 },
      entries,
    });
    expect(n.status()).toMatchObject({ term: 3, vote: 'b', commit: 11, applied: 10, firstIndex: 8, lastIndex: 12 });
    const rd = n.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([11]);
    expect(rd.entries).toEqual([]);
    n.advance(rd);
    // The entry before the oldest kept one has an unknown term: a follower that needs it gets the snapshot.
    expect(n.log.term(7)).toBeUndefined();
    expect(n.log.term(10)).toBe(2);
    expect(drainMessages(n)).toEqual([]);
    drain(n);
  });
});
