/**
 * The driver's callers waiting on the log: proposals (settled when the entry at their index is
 * applied: with the FSM's result if it is theirs, with "leadership lost" if another term's
 * entry took the index) and reads (settled once the read index is known and applied).
 */
import type { Entry } from '../raft/index.js';
import { leadershipLost } from './errors.js';

interface Settle<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

interface Proposal extends Settle<unknown> {
  term: number;
}

export class ProposalWaiters {
  private readonly byIndex = new Map<number, Proposal>();

  get size(): number {
    return this.byIndex.size;
  }

  /** Waits for the entry (index, term) to be applied. */
  add(index: number, term: number): Promise<unknown> {
    return new Promise((resolve, reject) => this.byIndex.set(index, { term, resolve, reject }));
  }

  /** The entry at `e.index` was applied (or, for a configuration or no-op, committed). */
  applied(e: Entry, result: unknown): void {
    const p = this.byIndex.get(e.index);
    if (p === undefined) return;
    this.byIndex.delete(e.index);
    if (p.term === e.term) p.resolve(result);
    else p.reject(leadershipLost());
  }

  /** A snapshot replaced every entry up to `index`: whether ours were among them is unknown. */
  skipTo(index: number): void {
    for (const [i, p] of this.byIndex) {
      if (i > index) continue;
      this.byIndex.delete(i);
      p.reject(leadershipLost());
    }
  }

  failAll(err: () => Error): void {
    const all = [...this.byIndex.values()];
    this.byIndex.clear();
    for (const p of all) p.reject(err());
  }
}

export class ReadWaiters {
  private nextId = 0;
  /** Waiting for the core's read index. */
  private readonly asked = new Map<string, Settle<void>>();
  /** Read index known, waiting for it to be applied (in arrival order; indexes are close). */
  private applying: { index: number; w: Settle<void> }[] = [];

  get size(): number {
    return this.asked.size + this.applying.length;
  }

  start(): { id: string; promise: Promise<void> } {
    const id = String(++this.nextId);
    const promise = new Promise<void>((resolve, reject) => this.asked.set(id, { resolve, reject }));
    return { id, promise };
  }

  /** The core's answer: `index` to wait for, or an error. */
  answer(id: string, index: number | undefined, err: (() => Error) | undefined, applied: number): void {
    const w = this.asked.get(id);
    if (w === undefined) return;
    this.asked.delete(id);
    if (err !== undefined) w.reject(err());
    else if (index! <= applied) w.resolve();
    else this.applying.push({ index: index!, w });
  }

  applied(index: number): void {
    if (this.applying.length === 0) return;
    const left: { index: number; w: Settle<void> }[] = [];
    for (const r of this.applying) {
      if (r.index <= index) r.w.resolve();
      else left.push(r);
    }
    this.applying = left;
  }

  failAll(err: () => Error): void {
    const all = [...this.asked.values(), ...this.applying.map((r) => r.w)];
    this.asked.clear();
    this.applying = [];
    for (const w of all) w.reject(err());
  }
}
