/**
 * A server's client-facing side (Consul's KV endpoint, reduced): proposes writes on the leader
 * and answers them when their entry is applied, or refuses them when that index was taken by
 * another entry (the write can never commit); runs reads through readIndex and answers them
 * once the state machine reached the read's index. Everything is dropped at a crash (the
 * clients time out). Membership changes wait here too, as RaftDriver's proposals do: settled
 * when their entry is applied, failed when another entry takes the index, when leadership is
 * lost, or at a crash. Pure.
 */
import { encode } from '../../lib/index.js';
import type { KVSCommand } from '../../fsm/index.js';
import type { Entry, RaftNode, ReadState } from '../../raft/index.js';
import type { KvOutput } from '../linearizability/index.js';
import type { ClientRequest, ClientResponse } from './protocol.js';

/** The outcome of a membership change: undefined when committed and applied, else why not. */
export type ChangeDone = (error: string | undefined) => void;

/** RaftDriver's texts (raftio/errors.ts: hashicorp/raft's ErrLeadershipLost, ErrRaftShutdown). */
export const leadershipLostText = 'leadership lost while committing log';
export const shutdownText = 'raft is already shutdown';

interface Waiter {
  client: number;
  attempt: number;
}

const utf8 = new TextEncoder();

export class ClientDesk {
  private readonly proposals = new Map<number, Waiter & { term: number }>();
  private readonly reads = new Map<string, Waiter & { key: string }>();
  private readWaits: (Waiter & { key: string; index: number })[] = [];
  private readSeq = 0;
  private readonly changes = new Map<number, { term: number; done: ChangeDone }>();

  constructor(
    private readonly reply: (client: number, r: ClientResponse) => void,
    /** The leader this server knows, for refusals. */
    private readonly leaderHint: () => string,
  ) {}

  /** A crash: nothing in memory survives. */
  clear(): void {
    this.proposals.clear();
    this.reads.clear();
    this.readWaits = [];
    this.failChanges(shutdownText, Infinity);
  }

  /** A membership change proposed at (index, term): `done` when it is settled. */
  change(index: number, term: number, done: ChangeDone): void {
    this.changes.set(index, { term, done });
  }

  /** This server stopped leading: its changes may still commit, or not (hashicorp's ErrLeadershipLost). */
  leadershipLost(): void {
    this.failChanges(leadershipLostText, Infinity);
  }

  private failChanges(why: string, upTo: number): void {
    if (this.changes.size === 0) return;
    for (const [i, c] of [...this.changes]) {
      if (i > upTo) continue;
      this.changes.delete(i);
      c.done(why);
    }
  }

  /** A request arrived; `readNow` answers a read from local state (the stale-read bug). */
  request(raft: RaftNode, r: ClientRequest, readNow: ((key: string) => KvOutput) | undefined): void {
    const op = r.op;
    if (op.kind === 'get') {
      if (readNow !== undefined) {
        this.reply(r.client, { attempt: r.attempt, kind: 'ok', output: readNow(op.key) });
        return;
      }
      const requestId = `${raft.id}:${++this.readSeq}`;
      this.reads.set(requestId, { client: r.client, attempt: r.attempt, key: op.key });
      raft.readIndex(requestId, r.readMode);
      return;
    }
    const cmd: KVSCommand = {
      type: 'kvs', op: op.kind === 'put' ? 'set' : 'cas', key: op.key, value: utf8.encode(op.value), flags: 0n,
      index: op.kind === 'cas' ? op.index : 0, session: '',
    };
    const res = raft.propose(encode(cmd));
    if ('error' in res) this.refuse(r);
    else this.proposals.set(res.index, { client: r.client, attempt: r.attempt, term: res.term });
  }

  /** Entry `e` was applied with `output` (undefined for a no-op or configuration). */
  applied(e: Entry, output: KvOutput | undefined): void {
    const c = this.changes.get(e.index);
    if (c !== undefined) {
      this.changes.delete(e.index);
      c.done(c.term === e.term ? undefined : leadershipLostText);
    }
    const p = this.proposals.get(e.index);
    if (p === undefined) return;
    this.proposals.delete(e.index);
    if (p.term === e.term && output !== undefined) this.reply(p.client, { attempt: p.attempt, kind: 'ok', output });
    else this.refuse(p);
  }

  /** A snapshot replaced the state up to `index`: proposals inside it stay unanswered (unknown). */
  snapshotInstalled(index: number): void {
    for (const i of [...this.proposals.keys()]) if (i <= index) this.proposals.delete(i);
    this.failChanges(leadershipLostText, index);
  }

  readStates(states: readonly ReadState[]): void {
    for (const s of states) {
      const w = this.reads.get(s.requestId);
      if (w === undefined) continue;
      this.reads.delete(s.requestId);
      if (s.error !== undefined) this.refuse(w);
      else this.readWaits.push({ ...w, index: s.index });
    }
  }

  /** Answers the reads whose index is applied. */
  serveReads(applied: number, readKey: (key: string) => KvOutput): void {
    if (this.readWaits.length === 0) return;
    const ready = this.readWaits.filter((w) => w.index <= applied);
    if (ready.length === 0) return;
    this.readWaits = this.readWaits.filter((w) => w.index > applied);
    for (const w of ready) this.reply(w.client, { attempt: w.attempt, kind: 'ok', output: readKey(w.key) });
  }

  private refuse(w: Waiter): void {
    this.reply(w.client, { attempt: w.attempt, kind: 'refused', leader: this.leaderHint() });
  }
}
