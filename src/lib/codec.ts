/**
 * Binary encoding of log entries and snapshots: plain msgpack (@msgpack/msgpack), readable by
 * any msgpack tool. Byte arrays round-trip as Uint8Array; maps decode as plain objects.
 *
 * (DESIGN.md picked msgpackr for speed; its native optional packages cannot be pinned in the
 * lock file with this npm, which breaks `npm ci` on a fresh machine. @msgpack/msgpack is pure
 * TypeScript with no dependencies. Revisit when Raft makes encoding a measured hot path.)
 */
import { decode as mpDecode, encode as mpEncode } from '@msgpack/msgpack';

export function encode(value: unknown): Uint8Array {
  return mpEncode(value, { ignoreUndefined: true });
}

export function decode<T = unknown>(bytes: Uint8Array): T {
  return mpDecode(bytes) as T;
}
