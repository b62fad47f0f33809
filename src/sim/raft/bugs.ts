/**
 * Injectable driver bugs (swarm.bugs): mutations of the sim's driver, never of the core, that
 * the checkers must catch on some seed of a small corpus (sim.test.ts). 'ack-before-fsync',
 * 'stale-read' and 'lose-snapshot-report' are switches inside server.ts; the two that need code
 * are here. Pure.
 */
import type { HardState, RaftNode } from '../../raft/index.js';
import { quorumSize, voterIds } from '../../raft/index.js';

/** 'forget-vote': the stored vote is not read back at a restart (a server may vote twice in a term). */
export function forgetVote(hs: HardState): HardState {
  return { ...hs, vote: '' };
}

/**
 * 'commit-previous-term': the leader commits whatever a quorum stores, even an entry of an
 * earlier term (Raft Fig. 8's mistake), by moving the log's commit index behind the core's back.
 */
export function commitPreviousTerm(raft: RaftNode): boolean {
  const progress = raft.status().progress;
  if (progress === undefined) return false;
  const voters = voterIds(raft.configuration);
  const matches = voters.map((id) => progress.get(id)?.match ?? 0).sort((a, b) => b - a);
  const index = matches[quorumSize(voters.length) - 1] ?? 0;
  const log = raft.log;
  if (index <= log.committed || index > log.lastIndex() || log.term(index) === raft.term) return false;
  log.commitTo(index);
  return true;
}
