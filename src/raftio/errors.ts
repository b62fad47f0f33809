/**
 * Why the driver refused or failed a request, in hashicorp/raft's and Consul's words. Refusals
 * that changed nothing (no leader, not the leader, a transfer in progress) are ERR_NO_LEADER,
 * which the RPC layer retries (rpc/errors.ts canRetry) and forwards; a write whose fate is
 * unknown (leadership lost after it was appended) is not: it may or may not be applied.
 */
import { MusterError } from '../lib/index.js';
import type { ChangeError, ServerId, TransferError } from '../raft/index.js';

/** Consul's structs.ErrNoLeader. */
export const noLeaderText = 'No cluster leader';
/** hashicorp/raft's ErrNotLeader. */
export const notLeaderText = 'node is not the leader';
/** hashicorp/raft's ErrLeadershipLost: the entry may still commit under the next leader. */
export const leadershipLostText = 'leadership lost while committing log';
/** hashicorp/raft's ErrRaftShutdown. */
export const shutdownText = 'raft is already shutdown';
/** hashicorp/raft's ErrLeadershipTransferInProgress. */
export const transferringText = 'leadership transfer in progress';

/**
 * Not the leader: `leader` is the leader this server knows of ('' for none, in which case the
 * text is Consul's "No cluster leader"), so the caller can forward to it.
 */
export class NotLeaderError extends MusterError {
  constructor(readonly leader: ServerId, readonly leaderAddress: string | undefined, text?: string) {
    super('ERR_NO_LEADER', text ?? (leader === '' ? noLeaderText : notLeaderText));
    this.name = 'NotLeaderError';
  }
}

/** The write was appended but leadership was lost before it committed: it may or may not apply. */
export function leadershipLost(): MusterError {
  return new MusterError('ERR_INTERNAL', leadershipLostText);
}

export function shutdown(): MusterError {
  return new MusterError('ERR_INTERNAL', shutdownText);
}

/** A refusal of the core other than not-leader (which needs the leader's name). */
export function refusalError(error: Exclude<ChangeError, 'not-leader'>, message: string): MusterError {
  if (error === 'transferring') return new MusterError('ERR_NO_LEADER', transferringText);
  if (error === 'invalid') return new MusterError('ERR_BAD_REQUEST', message);
  return new MusterError('ERR_INTERNAL', message);
}

/** hashicorp/raft's texts for a transfer it cannot start. */
export const transferErrorTexts: Record<Exclude<TransferError, 'not-leader'>, string> = {
  'no-target': 'cannot find peer',
  'not-voter': 'cannot transfer leadership to a non-voter',
  self: 'cannot transfer leadership to itself',
};
