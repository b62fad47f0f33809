/** What RaftNode reports: its status and the refusals of its requests. */
import type { ProgressState } from './progress.js';
import type { Role } from './ready.js';
import type { Configuration, ServerId } from './types.js';

export type ProposeError = 'not-leader' | 'transferring' | 'busy';
export type ChangeError = ProposeError | 'not-ready' | 'pending-configuration' | 'invalid';

/** hashicorp/raft's error texts where it has one. */
export const errorTexts: Record<ChangeError, string> = {
  'not-leader': 'node is not the leader',
  transferring: 'leadership transfer in progress',
  busy: 'too many uncommitted entries',
  'not-ready': 'leader has not yet committed an entry in its term',
  'pending-configuration': 'a configuration change is still uncommitted',
  invalid: 'invalid configuration change',
};

export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressState;
  /** Ticks since the leader last heard from this server. */
  lastContactTicks: number;
}

export interface RaftStatus {
  id: ServerId;
  term: number;
  vote: ServerId;
  role: Role;
  leader: ServerId;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  /** The index of the latest snapshot (taken or installed); 0 for none. */
  snapshotIndex: number;
  configuration: Configuration;
  configurationIndex: number;
  /** Followers: ticks since the leader was last heard (Consul's X-Consul-LastContact). */
  leaderContactTicks: number;
  transferee?: ServerId;
  progress?: Map<ServerId, ProgressStatus>;
}
