/**
 * meta.json of a snapshot archive: hashicorp/raft's SnapshotMeta as Go's encoding/json writes
 * it (field order as the struct, `Peers` a base64 []byte, a trailing newline from
 * json.Encoder). `Peers` is raft's legacy peer list: msgpack of the servers' addresses.
 */
import { encode } from '../lib/index.js';

/** hashicorp/raft's SnapshotVersionMax: the snapshot format version Consul 1.8.7 writes. */
export const snapshotVersion = 1;

export type Suffrage = 0 | 1 | 2; // Voter, Nonvoter, Staging (raft.ServerSuffrage)

export interface RaftSnapshotMeta {
  Version: number;
  ID: string;
  Index: number;
  Term: number;
  Peers: string;
  Configuration: { Servers: Array<{ Suffrage: Suffrage; ID: string; Address: string }> | null };
  ConfigurationIndex: number;
  Size: number;
}

export interface SnapshotMetaInput {
  index: number;
  term: number;
  /** Milliseconds since the epoch; the third part of the ID, as raft's snapshotName. */
  nowMs: number;
  servers: Array<{ id: string; address: string; voter: boolean }>;
  configurationIndex: number;
  /** Bytes of state.bin. */
  size: number;
}

export function snapshotMeta(m: SnapshotMetaInput): RaftSnapshotMeta {
  const peers = encode(m.servers.map((s) => s.address));
  return {
    Version: snapshotVersion,
    ID: `${m.term}-${m.index}-${Math.floor(m.nowMs)}`,
    Index: m.index,
    Term: m.term,
    Peers: Buffer.from(peers).toString('base64'),
    Configuration: { Servers: m.servers.map((s) => ({ Suffrage: s.voter ? 0 : 1, ID: s.id, Address: s.address })) },
    ConfigurationIndex: m.configurationIndex,
    Size: m.size,
  };
}

/** The bytes of meta.json, as json.NewEncoder(w).Encode(meta) writes them. */
export function encodeMeta(meta: RaftSnapshotMeta): Uint8Array {
  const ordered = {
    Version: meta.Version,
    ID: meta.ID,
    Index: meta.Index,
    Term: meta.Term,
    Peers: meta.Peers,
    Configuration: { Servers: meta.Configuration.Servers?.map((s) => ({ Suffrage: s.Suffrage, ID: s.ID, Address: s.Address })) ?? null },
    ConfigurationIndex: meta.ConfigurationIndex,
    Size: meta.Size,
  };
  // Go escapes <, > and & in strings; IDs and addresses never hold them, but stay exact.
  const text = JSON.stringify(ordered).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return new TextEncoder().encode(text + '\n');
}

/** Go's json.Unmarshal into SnapshotMeta, loosely: unknown fields ignored, missing ones zero. */
export function decodeMeta(bytes: Uint8Array): RaftSnapshotMeta {
  const raw = JSON.parse(new TextDecoder().decode(bytes)) as Partial<RaftSnapshotMeta> | null;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`json: cannot unmarshal ${Array.isArray(raw) ? 'array' : typeof raw} into Go value of type raft.SnapshotMeta`);
  }
  const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
  return {
    Version: num(raw.Version),
    ID: typeof raw.ID === 'string' ? raw.ID : '',
    Index: num(raw.Index),
    Term: num(raw.Term),
    Peers: typeof raw.Peers === 'string' ? raw.Peers : '',
    Configuration: { Servers: Array.isArray(raw.Configuration?.Servers) ? raw.Configuration.Servers : null },
    ConfigurationIndex: num(raw.ConfigurationIndex),
    Size: num(raw.Size),
  };
}
