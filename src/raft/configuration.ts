/**
 * Cluster membership: hashicorp/raft's Configuration, its one-server-at-a-time changes and its
 * checks (configuration.go nextConfiguration / checkConfiguration), and quorum arithmetic.
 */
import { decode, encode } from '../lib/index.js';
import type { Configuration, ServerConfig, ServerId } from './types.js';

export type ConfigurationOp = 'add-nonvoter' | 'add-voter' | 'promote' | 'demote' | 'remove';

export interface ConfigurationChange {
  op: ConfigurationOp;
  id: ServerId;
  /** Required by add-nonvoter and add-voter. */
  address?: string;
}

export function encodeConfiguration(c: Configuration): Uint8Array {
  return encode({ servers: c.servers.map((s) => ({ id: s.id, address: s.address, suffrage: s.suffrage })) });
}

/** Decodes a configuration entry's data; throws on anything malformed (a corrupt log). */
export function decodeConfiguration(data: Uint8Array): Configuration {
  const v = decode<{ servers?: unknown }>(data);
  const bad = (why: string): never => {
    throw new Error(`raft: malformed configuration entry: ${why}`);
  };
  if (typeof v !== 'object' || v === null || !Array.isArray(v.servers)) return bad('no server list');
  const servers: ServerConfig[] = [];
  for (const s of v.servers as unknown[]) {
    const x = s as Record<string, unknown>;
    if (typeof x !== 'object' || x === null) bad('server is not an object');
    if (typeof x.id !== 'string' || typeof x.address !== 'string') bad('server id or address is not a string');
    if (x.suffrage !== 'voter' && x.suffrage !== 'nonvoter') bad('unknown suffrage');
    servers.push({ id: x.id as string, address: x.address as string, suffrage: x.suffrage as ServerConfig['suffrage'] });
  }
  return { servers };
}

export function cloneConfiguration(c: Configuration): Configuration {
  return { servers: c.servers.map((s) => ({ ...s })) };
}

export function findServer(c: Configuration, id: ServerId): ServerConfig | undefined {
  return c.servers.find((s) => s.id === id);
}

export function isVoter(c: Configuration, id: ServerId): boolean {
  return findServer(c, id)?.suffrage === 'voter';
}

export function voterIds(c: Configuration): ServerId[] {
  return c.servers.filter((s) => s.suffrage === 'voter').map((s) => s.id);
}

/** Votes needed among n voters: a strict majority. */
export function quorumSize(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/**
 * The largest index that a quorum of voters has reached, given each voter's index (absent = 0).
 * 0 when there are no voters.
 */
export function quorumIndex(voters: readonly ServerId[], indexOf: (id: ServerId) => number): number {
  if (voters.length === 0) return 0;
  const xs = voters.map(indexOf).sort((a, b) => b - a);
  return xs[quorumSize(voters.length) - 1] ?? 0;
}

/** hashicorp/raft's checkConfiguration, with its error texts. */
export function checkConfiguration(c: Configuration): string | undefined {
  const ids = new Set<string>();
  const addresses = new Set<string>();
  let voters = 0;
  for (const s of c.servers) {
    if (s.id === '') return 'Empty ID in configuration';
    if (s.address === '') return `Empty address in configuration: ${s.id}`;
    if (ids.has(s.id)) return `Found duplicate ID in configuration: ${s.id}`;
    ids.add(s.id);
    if (addresses.has(s.address)) return `Found duplicate address in configuration: ${s.address}`;
    addresses.add(s.address);
    if (s.suffrage === 'voter') voters++;
  }
  return voters === 0 ? 'Need at least one voter in configuration' : undefined;
}

/**
 * The configuration after one change (hashicorp/raft's nextConfiguration): add-voter on a
 * non-voter promotes it, add-nonvoter on a voter only updates its address, demote and remove
 * of an unknown server change nothing. 'promote' promotes an existing non-voter.
 */
export function nextConfiguration(current: Configuration, change: ConfigurationChange): Configuration | { error: string } {
  const next = cloneConfiguration(current);
  const i = next.servers.findIndex((s) => s.id === change.id);
  const existing = i >= 0 ? next.servers[i] : undefined;
  switch (change.op) {
    case 'add-voter':
    case 'add-nonvoter': {
      if (change.address === undefined || change.address === '') return { error: `Empty address in configuration: ${change.id}` };
      const suffrage = change.op === 'add-voter' ? 'voter' : 'nonvoter';
      if (existing === undefined) next.servers.push({ id: change.id, address: change.address, suffrage });
      else {
        existing.address = change.address;
        if (suffrage === 'voter') existing.suffrage = 'voter';
      }
      break;
    }
    case 'promote':
      if (existing === undefined) return { error: `server ${change.id} is not in the configuration` };
      existing.suffrage = 'voter';
      break;
    case 'demote':
      if (existing !== undefined) existing.suffrage = 'nonvoter';
      break;
    case 'remove':
      if (i >= 0) next.servers.splice(i, 1);
      break;
  }
  const error = checkConfiguration(next);
  return error === undefined ? next : { error };
}
