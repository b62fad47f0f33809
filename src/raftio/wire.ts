/**
 * The Raft protocol on the server RPC port (first byte `RpcType.raft`, then rpc's frames: u32
 * big-endian length + msgpack). Two kinds of connection, told apart by their first frame:
 *
 * - a message stream, one way, sender to receiver: `{k: 'm', m: Message}` frames (never an
 *   install-snapshot, which needs its data);
 * - a snapshot stream: `{k: 's', m: InstallSnapshotMessage}`, then `{k: 'c', d: bytes}` chunks,
 *   then `{k: 'e', size, crc}` (CRC-32 of the data); the receiver answers one `{k: 'a', ok,
 *   error?}` once the data is committed to its snapshot store (or refused), and the stream ends.
 *
 * Anything else (bad msgpack, an unknown kind, a message `checkMessage` refuses, a chunk out of
 * place) is a protocol error: that connection is closed and the error logged, nothing else.
 */
import { decode, encode } from '../lib/index.js';
import { checkMessage, type Message } from '../raft/index.js';
import { frameOf } from '../rpc/index.js';

/** The one message that travels with data. */
export type InstallSnapshotMessage = Extract<Message, { type: 'install-snapshot' }>;

export type RaftFrame =
  | { k: 'm'; m: Message }
  | { k: 's'; m: InstallSnapshotMessage }
  | { k: 'c'; d: Uint8Array }
  | { k: 'e'; size: number; crc: number }
  | { k: 'a'; ok: boolean; error?: string };

export class RaftProtocolError extends Error {
  override readonly name = 'RaftProtocolError';
}

export function frameBytes(f: RaftFrame): Buffer {
  return frameOf(encode(f));
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Decodes and checks one frame's payload; throws RaftProtocolError when it is not one. */
export function parseFrame(payload: Uint8Array): RaftFrame {
  let v: unknown;
  try {
    v = decode(payload);
  } catch (err) {
    throw new RaftProtocolError(`bad msgpack: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null) throw new RaftProtocolError('frame is not a map');
  const f = v as Record<string, unknown>;
  switch (f.k) {
    case 'm':
    case 's': {
      const why = checkMessage(f.m);
      if (why !== undefined) throw new RaftProtocolError(`bad message: ${why}`);
      const isSnapshot = (f.m as Message).type === 'install-snapshot';
      if (isSnapshot !== (f.k === 's')) throw new RaftProtocolError(`${(f.m as Message).type} in a frame of kind ${f.k}`);
      return f as RaftFrame;
    }
    case 'c':
      if (!(f.d instanceof Uint8Array)) throw new RaftProtocolError('chunk data is not bytes');
      return f as RaftFrame;
    case 'e':
      if (!isCount(f.size) || !isCount(f.crc)) throw new RaftProtocolError('bad end of snapshot');
      return f as RaftFrame;
    case 'a':
      if (typeof f.ok !== 'boolean' || (f.error !== undefined && typeof f.error !== 'string')) throw new RaftProtocolError('bad snapshot answer');
      return f as RaftFrame;
    default:
      throw new RaftProtocolError(`unknown frame kind ${JSON.stringify(f.k)}`);
  }
}
