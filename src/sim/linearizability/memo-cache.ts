/**
 * Lowe's memo cache for the WGL search: configurations (linearized operations, model state)
 * already explored. Every configuration in it either failed or is on the search's current path.
 *
 * Linearized operations come in two bitsets: `plain` ones and `droppable` ones (indeterminate
 * operations that could also go last, from any state). A configuration is redundant when one
 * with the same plain set and state, and a subset of its droppable set, was explored: whatever
 * completes the bigger one completes the smaller one too, with the extra droppable operations
 * moved to the end. With no droppable operations this is Lowe's exact-match cache.
 *
 * Open addressing over one arena of words: no object per entry (the search inserts up to one
 * entry per step, millions per second).
 */

/** Slots start at this many and double when half full. */
const SLOTS_INITIAL = 1 << 10;

export class MemoCache<S> {
  private slots = new Int32Array(SLOTS_INITIAL); // entry + 1, 0 = empty
  private keys = new Uint32Array(SLOTS_INITIAL >>> 1);
  private arena: Uint32Array;
  private readonly stride: number;
  private readonly states: S[] = [];
  private count = 0;

  constructor(
    private readonly plainWords: number,
    private readonly droppableWords: number,
    private readonly equal: (a: S, b: S) => boolean,
  ) {
    this.stride = plainWords + droppableWords;
    this.arena = new Uint32Array(Math.max(1, this.stride) * (SLOTS_INITIAL >>> 1));
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the cache's arrays (not counting the states themselves). */
  get bytes(): number {
    return this.slots.byteLength + this.keys.byteLength + this.arena.byteLength + this.states.length * 8;
  }

  /**
   * Records the configuration under `key` (a hash of the plain set and the state only); false
   * when it is redundant (see above).
   */
  insert(plain: Uint32Array, droppable: Uint32Array, key: number, state: S): boolean {
    const mask = this.slots.length - 1;
    let i = key & mask;
    for (;;) {
      const slot = this.slots[i] ?? 0;
      if (slot === 0) break;
      const e = slot - 1;
      if (this.keys[e] === key && this.covers(e, plain, droppable) && this.equal(this.states[e] as S, state)) return false;
      i = (i + 1) & mask;
    }
    const e = this.count++;
    if (e >= this.keys.length) this.growEntries();
    this.keys[e] = key;
    this.arena.set(plain, e * this.stride);
    this.arena.set(droppable, e * this.stride + this.plainWords);
    this.states.push(state);
    this.slots[i] = e + 1;
    if (this.count * 2 > this.slots.length) this.growSlots();
    return true;
  }

  /** Entry e has this plain set and a subset of this droppable set. */
  private covers(e: number, plain: Uint32Array, droppable: Uint32Array): boolean {
    const base = e * this.stride;
    for (let w = 0; w < this.plainWords; w++) {
      if (this.arena[base + w] !== plain[w]) return false;
    }
    const dbase = base + this.plainWords;
    for (let w = 0; w < this.droppableWords; w++) {
      if (((this.arena[dbase + w] as number) & ~(droppable[w] as number)) !== 0) return false;
    }
    return true;
  }

  private growEntries(): void {
    const keys = new Uint32Array(this.keys.length * 2);
    keys.set(this.keys);
    this.keys = keys;
    const arena = new Uint32Array(this.arena.length * 2);
    arena.set(this.arena);
    this.arena = arena;
  }

  private growSlots(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let e = 0; e < this.count; e++) {
      let i = (this.keys[e] ?? 0) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = e + 1;
    }
    this.slots = slots;
  }
}
