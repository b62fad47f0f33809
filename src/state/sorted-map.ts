/**
 * A persistent (immutable) sorted map from string keys, ordered by their UTF-8 bytes as Go
 * orders strings. Every update returns a new map sharing structure with the old one, so a
 * reader holding an old map sees a consistent version while writers go on: that is what makes
 * store transactions abortable for free and snapshots streamable without a copy (go-memdb's
 * immutable radix tree plays this role in Consul).
 *
 * `SortedMapBuilder` builds a map from keys given in ascending order (a snapshot's tables) in
 * O(1) amortized time per key and no garbage, instead of a path copy (~20 nodes) per insert.
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

/** A map over a root SortedMapBuilder built (a valid red-black tree of the library's nodes). */
let mapOfRoot: <V>(root: RBNode<V> | null) => SortedMap<V>;

export class SortedMap<V> {
  private constructor(private readonly tree: Tree<V>) {}

  static empty<V>(): SortedMap<V> {
    return new SortedMap<V>(createRBTree<string, V>(compareKeys));
  }

  static {
    mapOfRoot = <V>(root: RBNode<V> | null): SortedMap<V> => new SortedMap<V>(new RBTree<V>(compareKeys, root));
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

  /**
   * Entries whose key starts with `prefix`, in order, from the first key after `after` when
   * given (resuming a walk done in slices). `visit` returning true stops early.
   */
  forEachPrefix(prefix: string, visit: (key: string, value: V) => boolean | void, after?: string): void {
    for (let it = after === undefined ? this.tree.ge(prefix) : this.tree.gt(after); it.valid; it.next()) {
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

/**
 * The library's node (rbtree.js RBNode): nodes are never changed once a tree holds them, so a
 * built tree and the library's path-copied updates share them safely.
 */
interface RBNode<V> {
  _color: number;
  key: string;
  value: V;
  left: RBNode<V> | null;
  right: RBNode<V> | null;
  _count: number;
}

const red = 0;
const black = 1;
// The library exports neither constructor; nodes of its own class keep its code monomorphic.
const probe = createRBTree<string, null>(compareKeys).insert('', null);
const RBNodeClass = (probe.root as unknown as object).constructor as new <V>(color: number, key: string, value: V, left: RBNode<V> | null, right: RBNode<V> | null, count: number) => RBNode<V>;
const RBTree = probe.constructor as new <V>(compare: typeof compareKeys, root: RBNode<V> | null) => Tree<V>;
if ((probe.root as unknown as RBNode<null>)._color !== black || (probe.root as unknown as RBNode<null>)._count !== 1) {
  throw new Error('functional-red-black-tree: unexpected node layout');
}

const countOf = (n: RBNode<unknown> | null): number => (n === null ? 0 : n._count);

/**
 * Builds a SortedMap from entries added in ascending key order (one snapshot table), as a binary
 * counter of perfect all-black trees: a key either waits as the separator after the last tree,
 * or becomes a one-node tree that merges with equal-height trees before it, so `add` creates
 * exactly one node (amortized O(1), at most O(log n) merges) and nothing is thrown away.
 * `finish()` joins the trees (heights strictly decreasing) right to left, each join hanging a red
 * node on the taller tree's right spine: O(log² n) new nodes, and the builder stays usable, so
 * a partial state can be taken and adding go on. A key not above the last one (unsorted or
 * repeated input) turns the builder into plain `set` calls on what was built, as before.
 */
export class SortedMapBuilder<V> {
  private readonly trees: Array<RBNode<V>> = [];
  /** Levels of each tree (all black, so also its black height). */
  private readonly heights: number[] = [];
  /** sepKeys[i] sits between trees[i] and trees[i + 1]; one more than the trees' gaps when a key waits. */
  private readonly sepKeys: string[] = [];
  private readonly sepValues: V[] = [];
  private lastKey: string | undefined;
  /** Set once a key came out of order: every later key is inserted into it. */
  private fallback: SortedMap<V> | undefined;

  add(key: string, value: V): void {
    if (this.fallback) {
      this.fallback = this.fallback.set(key, value);
      return;
    }
    if (this.lastKey !== undefined && compareKeys(key, this.lastKey) <= 0) {
      this.fallback = this.finish().set(key, value);
      this.trees.length = this.heights.length = this.sepKeys.length = this.sepValues.length = 0;
      return;
    }
    this.lastKey = key;
    if (this.sepKeys.length < this.trees.length) {
      this.sepKeys.push(key);
      this.sepValues.push(value);
      return;
    }
    let tree = new RBNodeClass<V>(black, key, value, null, null, 1);
    let height = 1;
    while (this.heights.length > 0 && this.heights[this.heights.length - 1] === height) {
      const left = this.trees.pop()!;
      this.heights.pop();
      tree = new RBNodeClass<V>(black, this.sepKeys.pop()!, this.sepValues.pop()!, left, tree, left._count + tree._count + 1);
      height++;
    }
    this.trees.push(tree);
    this.heights.push(height);
  }

  /** The map of every entry added so far. */
  finish(): SortedMap<V> {
    if (this.fallback) return this.fallback;
    const m = this.trees.length;
    if (m === 0) return SortedMap.empty();
    let acc: RBNode<V> | null = this.trees[m - 1]!;
    let accHeight = this.heights[m - 1]!;
    if (this.sepKeys.length === m) {
      acc = join(acc, accHeight, this.sepKeys[m - 1]!, this.sepValues[m - 1]!, null, 0);
    }
    for (let i = m - 2; i >= 0; i--) {
      const treeHeight = this.heights[i]!;
      acc = join(this.trees[i]!, treeHeight, this.sepKeys[i]!, this.sepValues[i]!, acc, accHeight);
      accHeight = accHeight === treeHeight ? treeHeight + 1 : treeHeight;
    }
    return mapOfRoot(acc);
  }
}

/**
 * `left` (perfect, all black, `leftHeight` levels), then key, then `right` (a red-black tree with
 * a black or no root, black height `rightHeight` <= leftHeight) as one red-black tree with a
 * black root. Equal heights: a new black root. Else a red node takes the place of the spine
 * node of black height rightHeight (its parent is black: no red-red), the spine is copied.
 */
function join<V>(left: RBNode<V>, leftHeight: number, key: string, value: V, right: RBNode<V> | null, rightHeight: number): RBNode<V> {
  if (rightHeight === leftHeight) return new RBNodeClass(black, key, value, left, right, left._count + countOf(right) + 1);
  const spine: Array<RBNode<V>> = [];
  let at: RBNode<V> | null = left;
  for (let h = leftHeight; h > rightHeight; h--) {
    spine.push(at!);
    at = at!.right;
  }
  let child = new RBNodeClass(red, key, value, at, right, countOf(at) + countOf(right) + 1);
  for (let i = spine.length - 1; i >= 0; i--) {
    const n = spine[i]!;
    child = new RBNodeClass(black, n.key, n.value, n.left, child, countOf(n.left) + child._count + 1);
  }
  return child;
}
