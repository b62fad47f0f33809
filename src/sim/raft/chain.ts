/**
 * Rolling hashes of logs: chain(i) = H(chain(i-1), index, term, type, data). Two logs with the
 * same chain at an index hold the same entries up to it, so Log Matching ("same index and term
 * => same entries up to there") becomes one lookup per entry: the book keeps the chain of every
 * (index, term) any server ever stored durably or applied, and fails on a second, different one.
 * Pure.
 */
import type { Entry } from '../../raft/index.js';
import { combineHash, hashNumber } from '../linearizability/index.js';
import { SimFailure } from './failure.js';

const TERM_LIMIT = 1 << 20;
const typeCode = { command: 1, noop: 2, configuration: 3 } as const;

export class ChainBook {
  private readonly chains = new Map<number, number>();
  private readonly contentHash = new WeakMap<Entry, number>();

  /** The chain after `e`, given the chain before it. */
  link(prev: number, e: Entry): number {
    let h = this.contentHash.get(e);
    if (h === undefined) {
      h = 0x811c9dc5 ^ typeCode[e.type];
      const d = e.data;
      for (let i = 0; i < d.length; i++) h = Math.imul(h ^ (d[i] as number), 0x01000193);
      h >>>= 0;
      this.contentHash.set(e, h);
    }
    return combineHash(combineHash(prev, hashNumber(e.index)), combineHash(hashNumber(e.term), h));
  }

  /** The chain at (index, term), if any server had it. Index 0 is the empty log. */
  at(index: number, term: number): number | undefined {
    if (index === 0) return 0;
    return this.chains.get(key(index, term));
  }

  /** Records that `node` holds (index, term) with `chain`: fails if another server's differs. */
  record(node: string, index: number, term: number, chain: number, where: string): void {
    const k = key(index, term);
    const seen = this.chains.get(k);
    if (seen === undefined) this.chains.set(k, chain);
    else if (seen !== chain) {
      throw new SimFailure('log-matching', `${node} ${where} entry ${index} of term ${term} after a different history than another server's entry ${index}/${term}`);
    }
  }
}

function key(index: number, term: number): number {
  if (term >= TERM_LIMIT) throw new SimFailure('sim', `term ${term} beyond the chain book's limit`);
  return index * TERM_LIMIT + term;
}
