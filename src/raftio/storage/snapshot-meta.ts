/**
 * meta.json of a snapshot: the Raft SnapshotMeta plus the size and CRC-32 of state.bin, as
 * hashicorp/raft's fileSnapshotMeta (which uses CRC-64). Every field is checked on read.
 */
import type { Configuration, ServerConfig } from '../../raft/types.js';
import type { SnapshotInfo } from './snapshot-store.js';

const metaVersion = 1;

function safeInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`meta.json: ${what} is not a non-negative integer`);
  return v;
}

function parseServer(v: unknown): ServerConfig {
  const s = v as Partial<ServerConfig> | null;
  if (typeof s?.id !== 'string' || typeof s.address !== 'string' || (s.suffrage !== 'voter' && s.suffrage !== 'nonvoter')) {
    throw new Error('meta.json: bad server in configuration');
  }
  return { id: s.id, address: s.address, suffrage: s.suffrage };
}

function parseConfiguration(v: unknown): Configuration {
  const servers = (v as { servers?: unknown } | null)?.servers;
  if (!Array.isArray(servers)) throw new Error('meta.json: configuration has no servers list');
  return { servers: servers.map(parseServer) };
}

export function parseSnapshotMeta(text: string): SnapshotInfo {
  const raw = JSON.parse(text) as Record<string, unknown> | null;
  if (raw === null || typeof raw !== 'object') throw new Error('meta.json: not an object');
  if (raw.version !== metaVersion) throw new Error(`meta.json: unsupported version ${String(raw.version)}`);
  if (typeof raw.id !== 'string') throw new Error('meta.json: no id');
  const meta = raw.meta as Record<string, unknown> | null;
  if (meta === null || typeof meta !== 'object') throw new Error('meta.json: no meta');
  return {
    id: raw.id,
    meta: {
      index: safeInt(meta.index, 'index'),
      term: safeInt(meta.term, 'term'),
      configuration: parseConfiguration(meta.configuration),
      configurationIndex: safeInt(meta.configurationIndex, 'configurationIndex'),
    },
    size: safeInt(raw.size, 'size'),
    crc: safeInt(raw.crc, 'crc'),
  };
}
