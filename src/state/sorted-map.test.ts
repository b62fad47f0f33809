import { describe, expect, it } from 'vitest';
import { SeededRng } from '../lib/index.js';
import { compareKeys, SortedMap, SortedMapBuilder } from './sorted-map.js';

interface Node {
  _color: number;
  key: string;
  left: Node | null;
  right: Node | null;
  _count: number;
}

/** Checks the red-black invariants, order and subtree counts; returns the black height. */
function blackHeight(n: Node | null, parentRed = false): number {
  if (n === null) return 1;
  const isRed = n._color === 0;
  const fail = (what: string): never => {
    throw new Error(`node ${n.key}: ${what}`);
  };
  if (isRed && parentRed) fail('red under a red parent');
  if (n._count !== 1 + (n.left?._count ?? 0) + (n.right?._count ?? 0)) fail('wrong count');
  if (n.left && compareKeys(n.left.key, n.key) >= 0) fail('left child out of order');
  if (n.right && compareKeys(n.right.key, n.key) <= 0) fail('right child out of order');
  const l = blackHeight(n.left, isRed);
  if (blackHeight(n.right, isRed) !== l) fail('unequal black heights');
  return l + (isRed ? 0 : 1);
}

function checkTree<V>(map: SortedMap<V>): void {
  const root = (map as unknown as { tree: { root: Node | null } }).tree.root;
  if (root) expect(root._color).toBe(1);
  blackHeight(root);
}

const key = (i: number): string => `k/${String(i).padStart(7, '0')}`;

function built(n: number): SortedMap<number> {
  const b = new SortedMapBuilder<number>();
  for (let i = 0; i < n; i++) b.add(key(i), i);
  return b.finish();
}

describe('SortedMapBuilder', () => {
  it('builds a valid red-black tree of every entry for every size', () => {
    for (let n = 0; n <= 600; n++) {
      const map = built(n);
      checkTree(map);
      expect(map.size).toBe(n);
      expect([...map.entries()]).toEqual(Array.from({ length: n }, (_, i) => [key(i), i]));
      if (n > 0) expect(map.get(key(n - 1))).toBe(n - 1);
      expect(map.get(key(n))).toBeUndefined();
    }
  });

  it('gives a tree the library keeps updating correctly', () => {
    const rng = new SeededRng(7);
    for (const n of [1, 2, 3, 7, 100, 1023, 1024, 5000]) {
      let map = built(n);
      const model = new Map<string, number>();
      for (let i = 0; i < n; i++) model.set(key(i), i);
      for (let op = 0; op < 2000; op++) {
        const k = key(rng.int(n * 2));
        if (rng.int(2) === 0) {
          map = map.set(k, op);
          model.set(k, op);
        } else {
          map = map.delete(k);
          model.delete(k);
        }
      }
      checkTree(map);
      expect([...map.entries()]).toEqual([...model.entries()].sort(([a], [b]) => compareKeys(a, b)));
    }
  });

  it('stays usable after finish: an earlier map keeps its entries', () => {
    const b = new SortedMapBuilder<number>();
    for (let i = 0; i < 10; i++) b.add(key(i), i);
    const first = b.finish();
    for (let i = 10; i < 1000; i++) b.add(key(i), i);
    const second = b.finish();
    checkTree(first);
    checkTree(second);
    expect(first.size).toBe(10);
    expect([...first.entries()].map(([, v]) => v)).toEqual([...Array(10).keys()]);
    expect(second.size).toBe(1000);
  });

  it('takes unsorted or repeated keys as set() would: the last value wins', () => {
    const rng = new SeededRng(3);
    const b = new SortedMapBuilder<number>();
    let map = SortedMap.empty<number>();
    for (let i = 0; i < 50; i++) {
      b.add(key(i), i);
      map = map.set(key(i), i);
    }
    for (let i = 0; i < 500; i++) {
      const k = key(rng.int(200));
      b.add(k, 1000 + i);
      map = map.set(k, 1000 + i);
    }
    const out = b.finish();
    checkTree(out);
    expect([...out.entries()]).toEqual([...map.entries()]);
    const dup = new SortedMapBuilder<string>();
    dup.add('a', '1');
    dup.add('a', '2');
    expect([...dup.finish().entries()]).toEqual([['a', '2']]);
  });

  it('orders keys as Go does (UTF-8 bytes), like set()', () => {
    const keys = ['a', '\u{1F600}', '\uFFFF', 'b'].sort(compareKeys);
    const b = new SortedMapBuilder<number>();
    keys.forEach((k, i) => b.add(k, i));
    const map = b.finish();
    checkTree(map);
    expect([...map.entries()].map(([k]) => k)).toEqual(['a', 'b', '\uFFFF', '\u{1F600}']);
  });
});
