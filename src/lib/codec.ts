/**
 * Binary encoding of log entries and snapshots: plain msgpack (@msgpack/msgpack), readable by
 * any msgpack tool. Byte arrays round-trip as Uint8Array; maps decode as plain objects.
 *
 * (DESIGN.md picked msgpackr for speed; its native optional packages cannot be pinned in the
 * lock file with this npm, which breaks `npm ci` on a fresh machine. @msgpack/msgpack is pure
 * TypeScript with no dependencies. Revisit when Raft makes encoding a measured hot path.)
 */
import { Decoder, Encoder, ExtensionCodec } from '@msgpack/msgpack';

/**
 * BigInts (uint64 values such as KV flags, which exceed 2^53) travel as an extension holding
 * their decimal digits, so they round-trip exactly and never turn other integers into BigInts
 * (msgpack's own int64 mode would decode every large integer as one).
 */
const bigintExtType = 1;
const extensionCodec = new ExtensionCodec();
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
extensionCodec.register({
  type: bigintExtType,
  encode: (v: unknown) => (typeof v === 'bigint' ? utf8.encode(v.toString()) : null),
  decode: (data: Uint8Array) => BigInt(utf8Decoder.decode(data)),
});

/*
 * One encoder and one decoder for the process (both are re-entrant: a nested call clones).
 * `encode` returns an exact-size copy: the library's one-shot encode() returns a view into a
 * fresh 2 KiB buffer, and since decoded byte arrays (KV values) are views into the encoded
 * entry, every stored value would have pinned those 2 KiB.
 */
const encoder = new Encoder({ ignoreUndefined: true, extensionCodec });
const decoder = new Decoder({ extensionCodec });

export function encode(value: unknown): Uint8Array {
  return encoder.encode(value);
}

/** Byte arrays in the result are views into `bytes` (they keep it alive). */
export function decode<T = unknown>(bytes: Uint8Array): T {
  return decoder.decode(bytes) as T;
}
