/**
 * The safety checkers, run as the simulation goes (each is O(1) or O(new entries) per event,
 * except leader completeness, O(committed entries in the log) per new leader):
 *
 * - election safety: one leader per term, from the role changes the drivers see and from every
 *   leader-only message sent (hashicorp/raft fuzzy's AppendEntries verifier);
 * - leader append-only: a leader's Ready never rewrites an index it already handed out;
 * - log matching: the ChainBook (chain.ts), for every entry stored durably or applied;
 * - commit durable: when a leader's commit advances, the entry there is durable (fsynced) on a
 *   quorum of voters;
 * - leader completeness: a new leader of term T holds every entry committed in a term before T
 *   (committed = applied anywhere, or reached by a leader's commit index), across crashes and
 *   restarts (a vote granted long ago may elect a leader of an old term after later terms
 *   committed entries: it need not hold those);
 * - state machine safety: every server applies the same entry at an index (apply chains);
 * - state hash: equal FSM state hashes (state/snapshot.ts stateHash) at equal applied index,
 *   snapshot installs included;
 * - the membership checkers of config-checks.ts (committed configurations one server apart here).
 * Pure.
 */
import type { Configuration, Entry, Message } from '../../raft/index.js';
import { quorumSize, voterIds } from '../../raft/index.js';
import type { RaftLog } from '../../raft/log.js';
import { ChainBook } from './chain.js';
import { CommittedConfigs } from './config-checks.js';
import { SimFailure } from './failure.js';
import type { CheckerName } from './failure.js';
import type { SimDisk } from './sim-disk.js';

export class Checkers {
  readonly book = new ChainBook();
  readonly configs = new CommittedConfigs();
  /** Checkers switched off (a mutation test shows another one still catches its bug). */
  readonly disabled = new Set<CheckerName>();
  readonly leaderOfTerm = new Map<number, string>();
  /** committedTerm[i]: the term of the committed entry at index i. */
  private readonly committedTerm: number[] = [];
  /** commitTerm[i]: the term of the leader that committed index i (its own term when first seen applied). */
  private readonly commitTerm: number[] = [];
  private readonly hashAt = new Map<number, string>();
  readonly stats = { leaders: 0, committed: 0, hashChecks: 0, completenessChecks: 0 };

  /** `id` leads `term` (seen in its Ready, or from a leader-only message it sent). */
  leader(id: string, term: number): void {
    const prev = this.leaderOfTerm.get(term);
    if (prev === undefined) {
      this.leaderOfTerm.set(term, id);
      this.stats.leaders++;
    } else if (prev !== id) {
      throw new SimFailure('election-safety', `${prev} and ${id} both lead term ${term}`);
    }
  }

  /** Appends, heartbeats, snapshots and TimeoutNow come only from the leader of their term. */
  sent(m: Message): void {
    if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'install-snapshot' || m.type === 'timeout-now') {
      this.leader(m.from, m.term);
    }
  }

  /** A leader's Ready: its entries must extend what it handed out before (no rewrite). */
  leaderEntries(id: string, term: number, entries: readonly Entry[], lastHanded: number): void {
    const first = entries[0];
    if (first !== undefined && first.index <= lastHanded) {
      throw new SimFailure('leader-append-only', `${id}, leader of term ${term}, rewrites its log from ${first.index} (it had up to ${lastHanded})`);
    }
  }

  /**
   * A leader's commit index reached `commit` (of term `term` in its log): that entry must be
   * durable on a quorum of the voters of `configuration`, the one in force when the leader
   * decided it (server.ts checks at once after every input and every advance, so it is the
   * leader's current one). Everything up to `commit` is committed.
   */
  leaderCommitted(id: string, leaderTerm: number, log: RaftLog, from: number, commit: number, configuration: Configuration,
    disks: ReadonlyMap<string, SimDisk>): void {
    const term = log.term(commit);
    if (term === undefined) return; // compacted already: it was checked when it committed
    const voters = voterIds(configuration);
    const holding = voters.filter((v) => disks.get(v)?.holds(commit, term) === true);
    if (holding.length < quorumSize(voters.length) && !this.disabled.has('commit-durable')) {
      throw new SimFailure('commit-durable', `${id} committed ${commit} (term ${term}) but only ${holding.join(',') || 'nobody'} of ${voters.join(',')} stored it durably`);
    }
    for (let i = Math.max(from + 1, log.firstIndex()); i <= commit; i++) this.committed(id, i, log.term(i) as number, leaderTerm, 'committed');
  }

  /** `id` applied `e` with apply chain `chain` (recorded in the book: Log Matching too). */
  applied(id: string, e: Entry, chain: number): void {
    this.committed(id, e.index, e.term, e.term, 'applied');
    this.book.record(id, e.index, e.term, chain, 'applied');
    if (e.type === 'configuration') this.configs.committed(id, e.index, e.data);
  }

  private committed(id: string, index: number, term: number, commitTerm: number, how: string): void {
    const t = this.committedTerm;
    const c = this.commitTerm;
    while (t.length <= index) {
      t.push(0);
      c.push(0);
    }
    const known = t[index] as number;
    if (known === 0) {
      t[index] = term;
      c[index] = commitTerm;
      this.stats.committed++;
    } else if (known !== term) {
      throw new SimFailure('state-machine-safety', `${id} ${how} entry ${index} of term ${term}, but entry ${index} of term ${known} was committed`);
    }
  }

  /** `id`'s FSM state at applied index `index` hashes to `hash`. */
  stateAt(id: string, index: number, hash: string): void {
    const seen = this.hashAt.get(index);
    if (seen === undefined) this.hashAt.set(index, hash);
    else if (seen !== hash) throw new SimFailure('state-hash', `${id}'s FSM state at applied index ${index} hashes to ${hash}, another server's to ${seen}`);
    else this.stats.hashChecks++;
  }

  stateHashAt(index: number): string | undefined {
    return this.hashAt.get(index);
  }

  /** A new leader of `term` holds every entry committed in an earlier term, at or above its first index. */
  newLeader(id: string, term: number, log: RaftLog): void {
    this.stats.completenessChecks++;
    const t = this.committedTerm;
    const snap = log.firstIndex() - 1;
    for (let i = Math.max(1, snap); i < t.length; i++) {
      const want = t[i] as number;
      if (want === 0 || (this.commitTerm[i] as number) >= term) continue;
      if (i > log.lastIndex()) {
        throw new SimFailure('leader-completeness', `${id} leads term ${term} with a log ending at ${log.lastIndex()}, but ${i} was committed in term ${this.commitTerm[i]}`);
      }
      const have = log.term(i);
      if (have !== undefined && have !== want) {
        throw new SimFailure('leader-completeness', `${id} leads term ${term} with entry ${i} of term ${have}, but entry ${i} of term ${want} was committed`);
      }
    }
  }
}
