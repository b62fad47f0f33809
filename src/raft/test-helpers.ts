/**
 * Test support for single nodes: a node with a given log, a lone node made leader, draining
 * Readies, and small builders. Pure.
 */
import { SeededRng, assert } from '../lib/index.js';
import type { RaftOptions } from './config.js';
import type { Message } from './messages.js';
import { RaftNode } from './raft.js';
import type { Ready } from './ready.js';
import type { Disk } from './test-network.js';
import type { Configuration, Entry, ServerId } from './types.js';
import { emptyHardState } from './types.js';

export const textOf = (e: Entry): string => new TextDecoder().decode(e.data);
export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

export function votersConfiguration(ids: readonly ServerId[]): Configuration {
  return { servers: ids.map((id) => ({ id, address: `addr-${id}`, suffrage: 'voter' as const })) };
}

/**
 * A disk holding a log with the given entry terms (entry i+1 has terms[i], data `e<i+1>`) under
 * an empty snapshot that carries the configuration of `voters`: a server in the middle of its
 * life, as the paper's figures draw them.
 */
export function diskWithLog(voters: readonly ServerId[], terms: readonly number[], term = terms[terms.length - 1] ?? 0): Disk {
  return {
    hardState: { term, vote: '', commit: 0 },
    snapshot: { index: 0, term: 0, configuration: votersConfiguration(voters), configurationIndex: 0 },
    entries: terms.map((t, i) => ({ index: i + 1, term: t, type: 'command' as const, data: bytes(`e${i + 1}`) })),
  };
}

/** A lone node for unit tests, bootstrapped with `voters` (no start lease, seeded rng). */
export function loneNode(id: ServerId, voters: readonly ServerId[], extra: Partial<RaftOptions> = {}, seed = 7): RaftNode {
  return new RaftNode(
    { startLease: false, ...extra, id, rng: new SeededRng(seed) },
    { hardState: { ...emptyHardState }, entries: [], bootstrap: votersConfiguration(voters) },
  );
}

/** Runs ready()/advance() until the node is quiet; returns every Ready (the driver's view). */
export function drain(raft: RaftNode): Ready[] {
  const out: Ready[] = [];
  for (let i = 0; raft.hasReady(); i++) {
    assert(i < 1000, 'drain: no quiescence');
    const rd = raft.ready();
    out.push(rd);
    raft.advance(rd);
    raft.announceCommit(); // the driver's announce timer, with no delay
  }
  return out;
}

/** The messages of every Ready until quiet. */
export function drainMessages(raft: RaftNode): Message[] {
  return drain(raft).flatMap((rd) => rd.messages);
}

/** The messages of one type. */
export const ofType = <T extends Message['type']>(ms: readonly Message[], type: T): (Message & { type: T })[] =>
  ms.filter((m): m is Message & { type: T } => m.type === type);

/**
 * A lone node made leader of `voters` (term 2) by answering its pre-votes and votes, with its
 * Readies drained; the followers have not acknowledged its no-op (index 2) yet.
 */
export function loneLeader(voters: readonly ServerId[], extra: Partial<RaftOptions> = {}): RaftNode {
  const n = loneNode(voters[0] as string, voters, extra);
  n.campaign();
  for (const m of ofType(drainMessages(n), 'pre-vote')) n.step({ type: 'pre-vote-response', from: m.to, to: m.from, term: m.term, reject: false });
  for (const m of ofType(drainMessages(n), 'vote')) n.step({ type: 'vote-response', from: m.to, to: m.from, term: m.term, reject: false });
  assert(n.status().role === 'leader', 'loneLeader: not elected');
  return n;
}

/** An append-response from `from` to the lone leader `to` (term 2 unless told). */
export function ack(to: RaftNode, from: ServerId, index: number, term = 2): void {
  to.step({ type: 'append-response', from, to: to.id, term, index, reject: false, hintIndex: 0, hintTerm: 0 });
}
