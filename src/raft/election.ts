/**
 * Voting rules (Raft §5.2, §5.4.1; pre-vote thesis §9.6) and the tally of an election.
 */
import { quorumSize } from './configuration.js';
import type { RaftLog } from './log.js';
import type { VoteMessage } from './messages.js';
import type { ServerId } from './types.js';

export interface VoterState {
  term: number;
  vote: ServerId;
  leader: ServerId;
  log: RaftLog;
}

/**
 * Whether to grant a (pre-)vote whose term is >= ours (after stepping to it for a real vote):
 * one vote per term, none while we know a leader (a pre-vote for a future term excepted), and
 * only for a log at least as up to date as ours. Whether the candidate is a voter of OUR
 * configuration does not matter (thesis §4.1: a server "grants its vote to a candidate that is
 * not part of the server's latest configuration"; hashicorp/raft 1.1.2, Consul 1.8.7's): ours
 * may be stale, and the candidate may hold the only log that can win (a leader that removed
 * itself, or a promoted server). Pre-vote and leader stickiness keep removed servers from
 * disrupting (§4.2.3, §9.6); the tally counts only voters of the candidate's configuration.
 */
export function grantsVote(st: VoterState, m: VoteMessage): boolean {
  const free = st.vote === m.from || (st.vote === '' && st.leader === '') || (m.type === 'pre-vote' && m.term > st.term);
  return free && st.log.isUpToDate(m.lastIndex, m.lastTerm);
}

/** The votes of one (pre-)election; only voters of the configuration count, once each. */
export class VoteTally {
  private readonly votes = new Map<ServerId, boolean>();

  clear(): void {
    this.votes.clear();
  }

  record(voters: readonly ServerId[], from: ServerId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (voters.includes(from) && !this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const id of voters) {
      const v = this.votes.get(id);
      if (v === true) yes++;
      else if (v === false) no++;
    }
    const q = quorumSize(voters.length);
    return yes >= q ? 'won' : no > voters.length - q ? 'lost' : 'pending';
  }
}
