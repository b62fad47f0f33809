/**
 * Messages between Raft servers. The transport carries them as they are (msgpack of these
 * plain objects); `checkMessage` validates a decoded one before it reaches `step`.
 *
 * Every message carries the sender's term (for a vote-response or pre-vote-response that
 * grants: the term of the request, etcd's rule, so a pre-candidate from a future term counts
 * it). Reads of the leader's log never leave the core: followers forward client requests at
 * the RPC level (Consul's forwarding), so there is no proposal or read-index message here.
 */
import type { Entry, ServerId, SnapshotMeta } from './types.js';

interface Base {
  from: ServerId;
  to: ServerId;
  term: number;
}

/** AppendEntries (Raft Fig. 2): entries follow (prevIndex, prevTerm); commit is the leader's. */
export interface AppendMessage extends Base {
  type: 'append';
  prevIndex: number;
  prevTerm: number;
  entries: Entry[];
  commit: number;
}

/**
 * Success: `index` is the last index now known to match the leader. Rejection: `index` is the
 * rejected prevIndex, and (hintIndex, hintTerm) is the follower's largest entry at or below it
 * whose term is <= the leader's prevTerm (etcd's fast backtracking; hintTerm 0 = unknown).
 */
export interface AppendResponse extends Base {
  type: 'append-response';
  index: number;
  reject: boolean;
  hintIndex: number;
  hintTerm: number;
}

/**
 * A heartbeat: commit = min(the follower's match, the leader's commit). `seq` numbers read-index
 * rounds; `sentTick` is the leader's tick counter when sent: both come back in the response, so
 * the leader knows which read round and which lease instant an acknowledgement confirms.
 */
export interface HeartbeatMessage extends Base {
  type: 'heartbeat';
  commit: number;
  seq: number;
  sentTick: number;
}

export interface HeartbeatResponse extends Base {
  type: 'heartbeat-response';
  seq: number;
  sentTick: number;
}

/**
 * RequestVote, or a pre-vote (thesis §9.6) for term `term` that changes nobody's term.
 * `transfer`: the candidate campaigns on the leader's TimeoutNow, so voters ignore their
 * leader stickiness.
 */
export interface VoteMessage extends Base {
  type: 'vote' | 'pre-vote';
  lastIndex: number;
  lastTerm: number;
  transfer: boolean;
}

export interface VoteResponse extends Base {
  type: 'vote-response' | 'pre-vote-response';
  reject: boolean;
}

/**
 * InstallSnapshot with the metadata only: the driver streams the snapshot data in chunks and
 * steps this message on the receiver once all of it arrived. Answered by an append-response.
 */
export interface InstallSnapshotMessage extends Base {
  type: 'install-snapshot';
  snapshot: SnapshotMeta;
}

/** Leadership transfer (thesis §3.10): campaign now, without pre-vote. */
export interface TimeoutNowMessage extends Base {
  type: 'timeout-now';
}

export type Message =
  | AppendMessage
  | AppendResponse
  | HeartbeatMessage
  | HeartbeatResponse
  | VoteMessage
  | VoteResponse
  | InstallSnapshotMessage
  | TimeoutNowMessage;

export type MessageType = Message['type'];

/** Bytes of entry data in a list of entries (what batching limits count). */
export function entriesBytes(entries: readonly Entry[]): number {
  let n = 0;
  for (const e of entries) n += e.data.length;
  return n;
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const entryTypes = new Set(['command', 'noop', 'configuration']);

function checkEntries(v: unknown, prevIndex: number): string | undefined {
  if (!Array.isArray(v)) return 'entries is not a list';
  let want = prevIndex + 1;
  for (const e of v as unknown[]) {
    if (typeof e !== 'object' || e === null) return 'entry is not an object';
    const x = e as Record<string, unknown>;
    if (!isIndex(x.index) || x.index !== want) return `entry index ${String(x.index)} where ${want} was expected`;
    if (!isIndex(x.term) || x.term === 0) return 'entry term is not a positive integer';
    if (typeof x.type !== 'string' || !entryTypes.has(x.type)) return 'entry type is unknown';
    if (!(x.data instanceof Uint8Array)) return 'entry data is not bytes';
    want++;
  }
  return undefined;
}

function checkSnapshotMeta(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return 'snapshot is not an object';
  const s = v as Record<string, unknown>;
  if (!isIndex(s.index) || !isIndex(s.term) || !isIndex(s.configurationIndex)) return 'snapshot index or term is invalid';
  const c = s.configuration as { servers?: unknown } | undefined;
  if (typeof c !== 'object' || c === null || !Array.isArray(c.servers)) return 'snapshot configuration is invalid';
  return undefined;
}

/**
 * Checks a message decoded from the network; returns an error text, or undefined when it is
 * well formed. (Whether it makes sense is step's business.)
 */
export function checkMessage(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return 'message is not an object';
  const m = v as Record<string, unknown>;
  if (!isId(m.from) || !isId(m.to)) return 'message from/to is invalid';
  if (!isIndex(m.term)) return 'message term is invalid';
  switch (m.type) {
    case 'append':
      if (!isIndex(m.prevIndex) || !isIndex(m.prevTerm) || !isIndex(m.commit)) return 'append fields are invalid';
      return checkEntries(m.entries, m.prevIndex);
    case 'append-response':
      if (!isIndex(m.index) || !isBool(m.reject) || !isIndex(m.hintIndex) || !isIndex(m.hintTerm)) {
        return 'append-response fields are invalid';
      }
      return undefined;
    case 'heartbeat':
      return isIndex(m.commit) && isIndex(m.seq) && isIndex(m.sentTick) ? undefined : 'heartbeat fields are invalid';
    case 'heartbeat-response':
      return isIndex(m.seq) && isIndex(m.sentTick) ? undefined : 'heartbeat-response fields are invalid';
    case 'vote':
    case 'pre-vote':
      return isIndex(m.lastIndex) && isIndex(m.lastTerm) && isBool(m.transfer) ? undefined : 'vote fields are invalid';
    case 'vote-response':
    case 'pre-vote-response':
      return isBool(m.reject) ? undefined : 'vote-response fields are invalid';
    case 'install-snapshot':
      return checkSnapshotMeta(m.snapshot);
    case 'timeout-now':
      return undefined;
    default:
      return `unknown message type ${JSON.stringify(m.type)}`;
  }
}
