/**
 * Binary encoding of log entries and snapshots: msgpack (msgpackr, `useRecords: false` so the
 * bytes are plain msgpack any tool can read). Byte arrays round-trip as Uint8Array.
 */
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false, variableMapSize: true });

export function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function decode<T = unknown>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}
