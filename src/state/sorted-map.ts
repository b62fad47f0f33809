/**
 * A persistent (immutable) sorted map from string keys, ordered by their UTF-8 bytes as Go
 * orders strings. Every update returns a new map sharing structure with the old one, so a
 * reader holding an old map sees a consistent version while writers go on: that is what makes
 * store transactions abortable for free and snapshots streamable without a copy (go-memdb's
 * immutable radix tree plays this role in Consul).
 */
import createRBTree from 'functional-red-black-tree';

type Tree<V> = createRBTree.Tree<string, V>;

/** Compares by Unicode code point, which is UTF-8 byte order (UTF-16 code units are not). */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800–DFFF, astral code points) sort above U+E000–FFFF in code-point order.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? (y >= 0xe000 ? 1 : x - y) : x >= 0xe000 ? -1 : x - y;
    return x - y;
  }
  return a.length - b.length;
}

export class SortedMap<V> {
  private constructor(private readonly tree: Tree<V>) {}

  static empty<V>(): SortedMap<V> {
    return new SortedMap<V>(createRBTree<string, V>(compareKeys));
  }

  get size(): number {
    return this.tree.length;
  }

  get(key: string): V | undefined {
    return this.tree.get(key) ?? undefined;
  }

  has(key: string): boolean {
    return this.tree.find(key).valid;
  }

  set(key: string, value: V): SortedMap<V> {
    const it = this.tree.find(key);
    return new SortedMap(it.valid ? it.update(value) : this.tree.insert(key, value));
  }

  delete(key: string): SortedMap<V> {
    const it = this.tree.find(key);
    return it.valid ? new SortedMap(it.remove()) : this;
  }

  /** Entries whose key starts with `prefix`, in order. `visit` returning true stops early. */
  forEachPrefix(prefix: string, visit: (key: string, value: V) => boolean | void): void {
    for (let it = this.tree.ge(prefix); it.valid; it.next()) {
      const key = it.key!;
      if (!key.startsWith(prefix)) return;
      if (visit(key, it.value!) === true) return;
    }
  }

  /** All entries in order, starting after `afterKey` when given (for chunked iteration). */
  *entries(afterKey?: string): IterableIterator<[string, V]> {
    const it = afterKey === undefined ? this.tree.begin : this.tree.gt(afterKey);
    for (; it.valid; it.next()) yield [it.key!, it.value!];
  }
}
