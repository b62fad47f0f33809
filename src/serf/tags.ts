/**
 * Member tags in the gossip metadata (serf's encodeTags / decodeTags): a magic byte, then a
 * msgpack map of strings. The metadata of one member is bounded by memberlist's MetaMaxSize.
 */
import { decode, encode } from '../lib/codec.js';
import { MusterError } from '../lib/index.js';

/** serf's tagMagicByte: marks metadata that holds tags. */
export const tagMagicByte = 255;
/** memberlist's MetaMaxSize: a member's metadata rides in every alive message (UDP). */
export const metaBytesMax = 512;

export function encodeTags(tags: Readonly<Record<string, string>>): Uint8Array {
  const sorted = Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const body = encode(sorted);
  const out = new Uint8Array(body.length + 1);
  out[0] = tagMagicByte;
  out.set(body, 1);
  if (out.length > metaBytesMax) throw new MusterError('ERR_BAD_REQUEST', `Encoded length of tags exceeds limit of ${metaBytesMax} bytes`);
  return out;
}

/** The tags in a member's metadata; metadata that is not tags (or is malformed) gives none. */
export function decodeTags(meta: Uint8Array): Record<string, string> {
  if (meta.length < 2 || meta[0] !== tagMagicByte) return {};
  let value: unknown;
  try {
    value = decode(meta.subarray(1));
  } catch {
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) return {};
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (typeof v === 'string') tags[k] = v;
  return tags;
}
