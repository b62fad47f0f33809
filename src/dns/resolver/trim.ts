/**
 * Fitting answers into what the client takes, as Consul's trimUDPResponse / trimTCPResponse
 * (agent/dns.go), plus one rule of our own: the bytes sent never exceed the client's limit.
 *
 * UDP: a client without EDNS gets at most min(8, udp_answer_limit) answers, measured
 * uncompressed against 512 bytes; with EDNS, its buffer size. TCP: at most 4096 answers (1024
 * SRV) within 65,523 bytes. The additional section follows the answers kept (syncExtra).
 */
import type { Encoder } from '../wire/encode.js';
import { Type, type Message, type ResourceRecord, type SrvRR, type NameRR } from '../wire/message.js';

const udpAnswersMax = 8;
const udpBytesDefault = 512;
const tcpBytesMax = 65523;
const tcpAnswersMax = 4096;
const tcpSrvAnswersMax = 1024;

/** Additional records by lower-cased owner name (the first one of each name), for syncExtra. */
type ExtraIndex = Map<string, ResourceRecord>;

function indexExtra(extra: readonly ResourceRecord[]): ExtraIndex {
  const index: ExtraIndex = new Map();
  for (const rr of extra) {
    const name = rr.name.toLowerCase();
    if (!index.has(name)) index.set(name, rr);
  }
  return index;
}

/** The minimal additional section for the SRV answers kept, following CNAME chains (syncExtra). */
function syncExtra(index: ExtraIndex, msg: Message): void {
  const extra: ResourceRecord[] = [];
  const resolved = new Set<string>();
  for (const rr of msg.answers) {
    if (rr.type !== Type.SRV) continue;
    let target = (rr as SrvRR).target.toLowerCase();
    while (!resolved.has(target)) {
      resolved.add(target);
      const found = index.get(target);
      if (!found) break;
      extra.push(found);
      if (found.type !== Type.CNAME) break;
      target = (found as NameRR).target.toLowerCase();
    }
  }
  msg.additionals = extra;
}

/** The largest answer count whose message fits `maxBytes` (Consul's dnsBinaryTruncate). */
function binaryTruncate(enc: Encoder, msg: Message, maxBytes: number, index: ExtraIndex | undefined, compress: boolean): number {
  const all = msg.answers;
  let start = 0;
  let end = all.length + 1;
  while (end - start > 1) {
    const median = start + Math.floor((end - start) / 2);
    msg.answers = all.slice(0, median);
    if (index) syncExtra(index, msg);
    const len = enc.length(msg, compress);
    if (len <= maxBytes) {
      if (maxBytes - len < 10) {
        msg.answers = all;
        return median;
      }
      start = median;
    } else {
      end = median;
    }
  }
  msg.answers = all;
  return start;
}

function cut(msg: Message, n: number, index: ExtraIndex | undefined): void {
  msg.answers = msg.answers.slice(0, n);
  if (index) syncExtra(index, msg);
}

/**
 * The message's size with no compression at all, from the names' lengths: an upper bound of
 * what any encoding takes. When it fits, trimming has nothing to do and nothing is encoded.
 */
export function uncompressedBound(msg: Message): number {
  let n = 12;
  for (const q of msg.questions) n += q.name.length + 1 + 4;
  for (const section of [msg.answers, msg.authorities, msg.additionals]) {
    for (const rr of section) n += recordBound(rr);
  }
  return n;
}

function recordBound(rr: ResourceRecord): number {
  const head = rr.name.length + 1 + 10;
  if ('ip' in rr) return head + rr.ip.length;
  if ('priority' in rr) return head + 6 + rr.target.length + 1;
  if ('target' in rr) return head + rr.target.length + 1;
  if ('txt' in rr) return head + rr.txt.reduce((sum, t) => sum + t.length + 1, 0);
  if ('mname' in rr) return head + rr.mname.length + rr.rname.length + 2 + 20;
  if ('udpSize' in rr) return 11 + rr.options.reduce((sum, o) => sum + 4 + o.data.length, 0);
  if ('rdata' in rr) return head + rr.rdata.length;
  return head;
}

/** Consul's trimUDPResponse; true if answers were dropped. */
export function trimUdp(enc: Encoder, msg: Message, ednsSize: number | undefined, udpAnswerLimit: number, compress: boolean): boolean {
  const count = msg.answers.length;
  const maxBytes = ednsSize !== undefined && ednsSize > udpBytesDefault ? ednsSize : udpBytesDefault;
  const maxAnswers = Math.min(udpAnswersMax, udpAnswerLimit);
  const capped = maxBytes === udpBytesDefault && count > maxAnswers;
  if (!capped && uncompressedBound(msg) <= maxBytes - 7) return false;
  const index = msg.additionals.length > 0 ? indexExtra(msg.additionals) : undefined;
  let measureCompressed = compress;
  if (capped) {
    // Measured uncompressed from here, so the reply fits 512 bytes even if a middlebox expands it.
    measureCompressed = false;
    cut(msg, maxAnswers, index);
  }
  for (let size = enc.length(msg, measureCompressed); msg.answers.length > 1 && size > maxBytes - 7; size = enc.length(msg, measureCompressed)) {
    cut(msg, size - maxBytes > 100 ? binaryTruncate(enc, msg, maxBytes, index, measureCompressed) : msg.answers.length - 1, index);
  }
  return msg.answers.length < count;
}

/** Consul's trimTCPResponse; true if answers were dropped. */
export function trimTcp(enc: Encoder, msg: Message, qType: number, compress: boolean): boolean {
  const count = msg.answers.length;
  const limit = qType === Type.SRV ? tcpSrvAnswersMax : tcpAnswersMax;
  if (count <= limit && uncompressedBound(msg) <= tcpBytesMax) return false;
  const index = msg.additionals.length > 0 ? indexExtra(msg.additionals) : undefined;
  if (msg.answers.length > limit) msg.answers = msg.answers.slice(0, limit);
  for (let size = enc.length(msg, compress); msg.answers.length > 1 && size > tcpBytesMax; size = enc.length(msg, compress)) {
    cut(msg, size - tcpBytesMax > 100 ? binaryTruncate(enc, msg, tcpBytesMax, index, compress) : msg.answers.length - 1, index);
  }
  return msg.answers.length < count;
}

/**
 * Our guarantee on top of Consul's trimming: the encoded reply is at most `maxBytes`. Drops
 * records from the end (additional, then authority, then answers) and sets TC when it must.
 */
export function fitReply(enc: Encoder, msg: Message, maxBytes: number, compress: boolean): Uint8Array {
  let bytes = enc.encode(msg, compress);
  if (bytes.length <= maxBytes) return bytes;
  const opt = msg.additionals.filter((rr) => rr.type === Type.OPT);
  msg.additionals = msg.additionals.filter((rr) => rr.type !== Type.OPT);
  msg.header.truncated = true;
  const sections = [msg.additionals, msg.authorities, msg.answers];
  for (const section of sections) {
    while (section.length > 0) {
      section.pop();
      bytes = enc.encode({ ...msg, additionals: [...msg.additionals, ...opt] }, compress);
      if (bytes.length <= maxBytes) return bytes;
    }
  }
  // Header, question and OPT alone: larger than the limit only for an absurd limit; send them.
  return enc.encode({ ...msg, additionals: opt }, compress);
}
