/**
 * Replies kept between queries. A plain query (one question written without pointers, maybe
 * an OPT without client subnet, nothing else) is answered the same way every time while the
 * catalog and the config stay the same, up to the ID, the RD and CD bits copied from it, and
 * the order of shuffled address records. So the first answer becomes a template, and the next
 * identical query gets a copy with those patched: its address records shuffled again (as
 * Consul's CheckServiceNodes.Shuffle would order them) and cut to the count the first answer
 * kept; SRV replies are put together again from each instance's bytes (srv-template.ts).
 * Anything else (NS, answers that asked the recursors, client subnets, trimmed SRV replies) is
 * answered in full every time.
 *
 * A template holding an SOA is good for the second it was made in (the serial is the time).
 */
import type { Rng } from '../../lib/index.js';
import { Type } from '../wire/message.js';
import { shuffledSrv, type SrvTemplate } from './srv-template.js';

/** Distinct queries kept; beyond this the cache starts again (a flood of names just misses). */
const entriesMax = 4096;

export interface CacheKey {
  key: string;
  /** Bytes of header + question: where the answer section starts in a reply. */
  answersAt: number;
}

/** Address records of one size, all owned by the question's name (a pointer to it). */
export interface Shuffled {
  /** Every record, untrimmed, in the template (from `answersAt`). */
  count: number;
  /** How many a reply carries (trimming is by size and count, the same for every order). */
  keep: number;
  recordBytes: number;
}

interface Template {
  bytes: Uint8Array;
  catalogVersion: unknown;
  config: unknown;
  /** The Unix second of the SOA serial in it, if it has an SOA. */
  soaSecond: number | undefined;
  answersAt: number;
  shuffled: Shuffled | undefined;
  srv: SrvTemplate | undefined;
}

/**
 * The key of a plain query, or undefined for anything else. The key holds the opcode, the
 * question's bytes as sent (its case is echoed), the network and the EDNS size.
 */
export function cacheKey(packet: Uint8Array, network: string): CacheKey | undefined {
  const n = packet.length;
  if (n < 17 || packet[4] !== 0 || packet[5] !== 1 || packet[6] !== 0 || packet[7] !== 0 || packet[8] !== 0 || packet[9] !== 0 || packet[10] !== 0) return undefined;
  const ar = packet[11]!;
  if (ar > 1 || packet[2]! & 0x80) return undefined;
  let i = 12;
  for (;;) {
    if (i >= n) return undefined;
    const len = packet[i]!;
    if (len === 0) break;
    if (len > 63) return undefined;
    i += len + 1;
  }
  const questionEnd = i + 5;
  if (questionEnd > n) return undefined;
  let edns = '-';
  if (ar === 1) {
    // An OPT owned by the root, its options well formed and none of them a client subnet.
    if (questionEnd + 11 > n || packet[questionEnd] !== 0 || packet[questionEnd + 1] !== 0 || packet[questionEnd + 2] !== Type.OPT) return undefined;
    const rdlength = (packet[questionEnd + 9]! << 8) | packet[questionEnd + 10]!;
    let o = questionEnd + 11;
    if (o + rdlength !== n) return undefined;
    while (o < n) {
      if (o + 4 > n) return undefined;
      const code = (packet[o]! << 8) | packet[o + 1]!;
      const len = (packet[o + 2]! << 8) | packet[o + 3]!;
      if (code === 8 || o + 4 + len > n) return undefined;
      o += 4 + len;
    }
    edns = String((packet[questionEnd + 3]! << 8) | packet[questionEnd + 4]!);
  } else if (questionEnd !== n) {
    return undefined;
  }
  let key = `${network}|${edns}|${(packet[2]! >> 3) & 0xf}|`;
  for (let j = 12; j < questionEnd; j++) key += String.fromCharCode(packet[j]!);
  return { key, answersAt: questionEnd };
}

export class ReplyCache {
  private readonly entries = new Map<string, Template>();

  /** A reply from the template for `key`, if there is one still good; undefined otherwise. */
  reply(key: CacheKey, packet: Uint8Array, catalogVersion: unknown, config: unknown, nowS: number, rng: Rng): Uint8Array | undefined {
    const t = this.entries.get(key.key);
    if (!t) return undefined;
    if (t.catalogVersion !== catalogVersion || t.config !== config || (t.soaSecond !== undefined && t.soaSecond !== nowS)) {
      this.entries.delete(key.key);
      return undefined;
    }
    const out = t.srv ? shuffledSrv(t.srv, rng) : t.shuffled ? shuffledCopy(t, rng) : t.bytes.slice();
    out[0] = packet[0]!;
    out[1] = packet[1]!;
    out[2] = (out[2]! & 0xfe) | (packet[2]! & 0x01); // RD
    out[3] = (out[3]! & 0xef) | (packet[3]! & 0x10); // CD
    return out;
  }

  put(
    key: CacheKey,
    bytes: Uint8Array,
    catalogVersion: unknown,
    config: unknown,
    soaSecond: number | undefined,
    reorder: { shuffled?: Shuffled; srv?: SrvTemplate } = {},
  ): void {
    if (catalogVersion === undefined) return;
    if (this.entries.size >= entriesMax) this.entries.clear();
    this.entries.set(key.key, { bytes, catalogVersion, config, soaSecond, answersAt: key.answersAt, shuffled: reorder.shuffled, srv: reorder.srv });
  }
}

/** Scratch for the shuffle's index permutation (grown as needed; the resolver is single-threaded). */
let order = new Int32Array(64);

/** The template with its address records in a fresh random order, `keep` of them. */
function shuffledCopy(t: Template, rng: Rng): Uint8Array {
  const { count, keep, recordBytes } = t.shuffled!;
  const src = t.bytes;
  const at = t.answersAt;
  const tailAt = at + count * recordBytes;
  const out = new Uint8Array(at + keep * recordBytes + (src.length - tailAt));
  out.set(src.subarray(0, at));
  if (order.length < count) order = new Int32Array(count * 2);
  for (let i = 0; i < count; i++) order[i] = i;
  // The first `keep` places of a Fisher–Yates shuffle: a uniformly random ordered choice.
  let o = at;
  for (let i = 0; i < keep; i++) {
    const j = i + rng.int(count - i);
    const pick = order[j]!;
    order[j] = order[i]!;
    order[i] = pick;
    const from = at + pick * recordBytes;
    for (let b = 0; b < recordBytes; b++) out[o++] = src[from + b]!;
  }
  out.set(src.subarray(tailAt), o);
  out[6] = keep >> 8;
  out[7] = keep & 0xff;
  return out;
}
