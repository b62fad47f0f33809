import { describe, expect, it } from 'vitest';
import { RaftLog } from './log.js';
import { Inflights, Progress } from './progress.js';
import type { Entry, SnapshotMeta } from './types.js';

const e = (index: number, term: number): Entry => ({ index, term, type: 'command', data: new Uint8Array([index]) });
const log = (...terms: number[]): RaftLog => new RaftLog(undefined, terms.map((t, i) => e(i + 1, t)));
const snap = (index: number, term: number): SnapshotMeta => ({ index, term, configuration: { servers: [] }, configurationIndex: 0 });

describe('RaftLog', () => {
  it('answers terms, last index and up-to-dateness (§5.4.1)', () => {
    const l = log(1, 1, 2, 3);
    expect([l.term(0), l.term(3), l.term(4), l.term(5)]).toEqual([0, 2, 3, undefined]);
    expect([l.lastIndex(), l.lastTerm()]).toEqual([4, 3]);
    expect(l.isUpToDate(4, 3)).toBe(true);
    expect(l.isUpToDate(3, 3)).toBe(false);
    expect(l.isUpToDate(1, 4)).toBe(true);
  });

  it('finds the first conflicting or new entry, and truncates on append', () => {
    const l = log(1, 1, 2, 2);
    expect(l.findConflict([e(2, 1), e(3, 2)])).toBeUndefined();
    expect(l.findConflict([e(3, 2), e(4, 3)])).toBe(4);
    expect(l.findConflict([e(4, 2), e(5, 2)])).toBe(5);
    expect(l.append([e(3, 3)])).toBe(3);
    expect([l.lastIndex(), l.term(3)]).toEqual([3, 3]);
    expect(l.append([e(4, 3)])).toBeUndefined();
  });

  it('findConflictByTerm: the largest index <= i whose term is <= t', () => {
    const l = log(1, 3, 3, 3, 5, 5, 5, 5, 5);
    expect(l.findConflictByTerm(9, 5)).toEqual({ index: 9, term: 5 });
    expect(l.findConflictByTerm(9, 4)).toEqual({ index: 4, term: 3 });
    expect(l.findConflictByTerm(6, 2)).toEqual({ index: 1, term: 1 });
    expect(l.findConflictByTerm(9, 0)).toEqual({ index: 0, term: 0 });
    expect(l.findConflictByTerm(20, 3)).toEqual({ index: 4, term: 3 });
  });

  it('refuses to rewrite committed entries or leave gaps', () => {
    const l = log(1, 1, 1);
    l.commitTo(2);
    expect(() => l.append([e(2, 2)])).toThrow(/committed/);
    expect(() => l.append([e(5, 2)])).toThrow(/gap/);
    expect(() => l.commitTo(9)).toThrow(/beyond/);
    expect(l.commitTo(1)).toBe(false);
  });

  it('slices with count and byte bounds, never below one entry', () => {
    const l = new RaftLog(undefined, [1, 2, 3, 4].map((i) => ({ index: i, term: 1, type: 'command' as const, data: new Uint8Array(10) })));
    expect(l.slice(1, 4, 2).map((x) => x.index)).toEqual([1, 2]);
    expect(l.slice(1, 4, Infinity, 25).map((x) => x.index)).toEqual([1, 2]);
    expect(l.slice(2, 4, Infinity, 5).map((x) => x.index)).toEqual([2]);
  });

  it('compacts behind a snapshot keeping trailing entries, and never goes backwards', () => {
    const l = log(1, 1, 2, 2, 2, 3);
    l.commitTo(5);
    l.takeCommitted(10);
    l.appliedTo(5);
    expect(l.compact(snap(5, 2), 2)).toBe(true);
    expect([l.firstIndex(), l.term(3), l.term(2)]).toEqual([4, 2, undefined]);
    expect(l.compact(snap(4, 2), 0)).toBe(false);
    expect(() => l.compact(snap(6, 3), 0)).toThrow(/applied/);
  });

  it('restores from a leader snapshot: everything before is gone', () => {
    const l = log(1, 1);
    l.restore(snap(10, 4));
    expect([l.firstIndex(), l.lastIndex(), l.lastTerm(), l.committed, l.applying]).toEqual([11, 10, 4, 10, 10]);
    expect(l.pendingSnapshot?.index).toBe(10);
  });

  it('tracks what was handed to the driver and what is durable; a truncation pulls both back', () => {
    const l = new RaftLog(undefined, []);
    l.append([e(1, 1), e(2, 1), e(3, 1)]);
    expect(l.takeUnstable().map((x) => x.index)).toEqual([1, 2, 3]);
    l.stableTo(3, 1);
    l.append([e(2, 2)]);
    expect([l.stable, l.handed]).toEqual([1, 1]);
    l.stableTo(3, 1);
    expect(l.stable).toBe(1);
    expect(l.takeUnstable().map((x) => x.index)).toEqual([2]);
  });
});

describe('Progress', () => {
  it('probe → replicate → probe on rejection; a stale rejection changes nothing', () => {
    const p = new Progress(10, 4, 0);
    expect([p.state, p.next]).toEqual(['probe', 11]);
    p.sentEntries(1);
    expect(p.isPaused()).toBe(true);
    expect(p.maybeDecrTo(10, 5)).toBe(true);
    expect(p.next).toBe(6);
    expect(p.maybeDecrTo(3, 1)).toBe(false);
    p.maybeUpdate(7);
    p.becomeReplicate();
    expect(p.next).toBe(8);
    expect(p.maybeDecrTo(6, 2)).toBe(false);
    expect(p.maybeDecrTo(9, 2)).toBe(true);
    expect(p.next).toBe(8);
  });

  it('replicate pipelines until the inflight window is full', () => {
    const p = new Progress(0, 2, 0);
    p.becomeReplicate();
    p.sentEntries(3);
    expect(p.isPaused()).toBe(false);
    p.sentEntries(2);
    expect([p.isPaused(), p.next]).toEqual([true, 6]);
    p.maybeUpdate(3);
    p.inflights.freeLE(3);
    p.sentEntries(0);
    expect(p.isPaused()).toBe(false);
  });

  it('snapshot state waits; after it, probing resumes past the snapshot', () => {
    const p = new Progress(0, 2, 0);
    p.becomeSnapshot(20);
    expect(p.isPaused()).toBe(true);
    p.becomeProbe();
    expect(p.next).toBe(21);
  });

  it('Inflights frees acknowledged appends in order', () => {
    const f = new Inflights(3);
    f.add(2);
    f.add(4);
    f.add(6);
    expect(f.full()).toBe(true);
    f.freeLE(4);
    expect(f.count()).toBe(1);
    expect(() => { f.add(7); f.add(8); f.add(9); }).toThrow();
  });
});
