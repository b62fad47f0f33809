/**
 * The membership checkers on their own: each must catch what it guards (the simulator's runs
 * show they pass on a correct core; these show they would fail on a broken one).
 */
import { describe, expect, it } from 'vitest';
import type { Configuration, Entry, SnapshotMeta } from '../../raft/index.js';
import { encodeConfiguration } from '../../raft/index.js';
import { loneLeader, loneNode } from '../../raft/test-helpers.js';
import { CommittedConfigs, ConfigTrack, checkQuorumOverlap, configDiff } from './config-checks.js';
import { SimFailure } from './failure.js';

const conf = (spec: string): Configuration => ({
  servers: spec.split(',').filter((x) => x !== '').map((x) => {
    const nonvoter = x.endsWith('?');
    const id = nonvoter ? x.slice(0, -1) : x;
    return { id, address: `addr-${id}`, suffrage: nonvoter ? 'nonvoter' as const : 'voter' as const };
  }),
});
const confEntry = (index: number, term: number, spec: string): Entry => ({ index, term, type: 'configuration', data: encodeConfiguration(conf(spec)) });
const noop = (index: number, term: number): Entry => ({ index, term, type: 'noop', data: new Uint8Array(0) });

function failure(f: () => void): SimFailure | undefined {
  try {
    f();
  } catch (err) {
    if (err instanceof SimFailure) return err;
    throw err;
  }
  return undefined;
}

describe('configDiff', () => {
  it('names the servers added, removed or changed', () => {
    expect(configDiff(conf('a,b,c'), conf('a,b,c'))).toEqual([]);
    expect(configDiff(conf('a,b,c'), conf('a,b,c,d?'))).toEqual(['d']);
    expect(configDiff(conf('a,b,c,d?'), conf('a,b,c,d'))).toEqual(['d']);
    expect(configDiff(conf('a,b,c'), conf('b,c,d'))).toEqual(['a', 'd']);
  });
});

describe('ConfigTrack', () => {
  it('follows appends, truncations and snapshots; the core must use the latest configuration of its log', () => {
    const node = loneNode('a', ['a', 'b', 'c']);
    const track = new ConfigTrack('a');
    track.ready(undefined, node.ready().entries); // the bootstrap entry
    track.check(node);
    track.ready(undefined, [noop(2, 2), confEntry(3, 2, 'a,b,c,d?')]);
    expect(failure(() => track.check(node))?.checker).toBe('config-in-force');
    // Truncated at 3: the bootstrap configuration is in force again, as in the core.
    track.ready(undefined, [noop(3, 3)]);
    expect(track.current).toEqual(conf('a,b,c'));
    track.check(node);
    const snap: SnapshotMeta = { index: 9, term: 3, configuration: conf('a,b'), configurationIndex: 7 };
    track.ready(snap, []);
    expect(track.current).toEqual(conf('a,b'));
  });

  it('fails on a configuration entry two servers away from the one before it in the log', () => {
    const track = new ConfigTrack('a');
    track.reset(undefined, [confEntry(1, 1, 'a,b,c')]);
    track.ready(undefined, [confEntry(2, 2, 'a,b,c,d?')]);
    const f = failure(() => track.ready(undefined, [confEntry(3, 2, 'a,b,c,d,e?')]));
    expect(f?.checker).toBe('config-change');
    expect(f?.message).toContain('2 servers (d,e)');
  });
});

describe('CommittedConfigs', () => {
  it('fails when a committed configuration is more than one server from its committed neighbours', () => {
    const c = new CommittedConfigs();
    c.committed('a', 1, encodeConfiguration(conf('a,b,c')));
    c.committed('a', 5, encodeConfiguration(conf('a,b,c,d?')));
    expect(c.latest()).toEqual(conf('a,b,c,d?'));
    const f = failure(() => c.committed('b', 9, encodeConfiguration(conf('a,b,d'))));
    expect(f?.checker).toBe('config-change');
    expect(f?.message).toContain('differs by 2 servers (c,d)');
    // Learnt out of order (a snapshot skipped it): checked against both neighbours.
    expect(failure(() => c.committed('b', 3, encodeConfiguration(conf('a,b'))))?.checker).toBe('config-change');
    c.committed('b', 3, encodeConfiguration(conf('a,b,c')));
    expect(c.count).toBe(3);
  });

  it('fails when a snapshot names another configuration than the one committed at its configurationIndex', () => {
    const c = new CommittedConfigs();
    c.committed('a', 5, encodeConfiguration(conf('a,b,c')));
    c.snapshot('a', { index: 8, term: 2, configuration: conf('a,b,c'), configurationIndex: 5 });
    const f = failure(() => c.snapshot('b', { index: 8, term: 2, configuration: conf('a,b,c,d?'), configurationIndex: 5 }));
    expect(f?.checker).toBe('config-change');
  });
});

describe('checkQuorumOverlap', () => {
  it('fails when a leader of an older term can still gather a majority of its configuration', () => {
    const old = loneLeader(['a', 'b', 'c']); // a leads term 2
    const servers = [{ id: 'a', raft: old }];
    const terms = new Map([['a', 2], ['b', 2], ['c', 5]]);
    const f = failure(() => checkQuorumOverlap('c', 5, servers, (id) => terms.get(id) ?? 0));
    expect(f?.checker).toBe('quorum-overlap');
    expect(f?.message).toContain('a,b (a majority)');
    terms.set('b', 5); // b voted in term 5: a can no longer commit
    expect(failure(() => checkQuorumOverlap('c', 5, servers, (id) => terms.get(id) ?? 0))).toBeUndefined();
  });
});
