import { describe, expect, it } from 'vitest';
import { checkConfiguration, decodeConfiguration, encodeConfiguration, nextConfiguration, quorumIndex, quorumSize } from './configuration.js';
import type { Configuration } from './types.js';

const conf: Configuration = {
  servers: [
    { id: 'a', address: '10.0.0.1:8300', suffrage: 'voter' },
    { id: 'b', address: '10.0.0.2:8300', suffrage: 'nonvoter' },
  ],
};
const ids = (c: Configuration | { error: string }): string[] => ('error' in c ? [c.error] : c.servers.map((s) => `${s.id}:${s.suffrage}:${s.address}`));

describe('configuration', () => {
  it('round-trips through its entry encoding and rejects malformed data', () => {
    expect(decodeConfiguration(encodeConfiguration(conf))).toEqual(conf);
    expect(() => decodeConfiguration(new Uint8Array([0xc0]))).toThrow(/malformed/);
  });

  it('applies hashicorp/raft\'s changes', () => {
    expect(ids(nextConfiguration(conf, { op: 'add-nonvoter', id: 'c', address: 'x:1' }))).toEqual(['a:voter:10.0.0.1:8300', 'b:nonvoter:10.0.0.2:8300', 'c:nonvoter:x:1']);
    // add-nonvoter on a voter only updates its address; add-voter on a non-voter promotes it.
    expect(ids(nextConfiguration(conf, { op: 'add-nonvoter', id: 'a', address: 'new:1' }))[0]).toBe('a:voter:new:1');
    expect(ids(nextConfiguration(conf, { op: 'add-voter', id: 'b', address: 'new:2' }))[1]).toBe('b:voter:new:2');
    expect(ids(nextConfiguration(conf, { op: 'promote', id: 'b' }))[1]).toBe('b:voter:10.0.0.2:8300');
    expect(ids(nextConfiguration(conf, { op: 'remove', id: 'b' }))).toEqual(['a:voter:10.0.0.1:8300']);
    expect(ids(nextConfiguration(conf, { op: 'remove', id: 'zz' }))).toHaveLength(2);
    expect(ids(nextConfiguration(conf, { op: 'demote', id: 'a' }))).toEqual(['Need at least one voter in configuration']);
    expect(ids(nextConfiguration(conf, { op: 'add-voter', id: 'c', address: '10.0.0.2:8300' }))).toEqual(['Found duplicate address in configuration: 10.0.0.2:8300']);
  });

  it('checks ids and addresses', () => {
    expect(checkConfiguration({ servers: [{ id: '', address: 'x', suffrage: 'voter' }] })).toBe('Empty ID in configuration');
    expect(checkConfiguration({ servers: [{ id: 'a', address: 'x', suffrage: 'voter' }, { id: 'a', address: 'y', suffrage: 'voter' }] })).toBe('Found duplicate ID in configuration: a');
  });

  it('counts quorums over voters', () => {
    expect([1, 2, 3, 4, 5].map(quorumSize)).toEqual([1, 2, 2, 3, 3]);
    const match: Record<string, number> = { a: 9, b: 5, c: 7, d: 1, e: 0 };
    expect(quorumIndex(['a', 'b', 'c', 'd', 'e'], (id) => match[id] ?? 0)).toBe(5);
    expect(quorumIndex(['a', 'b', 'c'], (id) => match[id] ?? 0)).toBe(7);
    expect(quorumIndex([], () => 1)).toBe(0);
  });
});
