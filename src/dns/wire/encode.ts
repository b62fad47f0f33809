/**
 * The DNS wire encoder, with name compression (RFC 1035 §4.1.4) as miekg/dns does it: every
 * name written registers its suffixes, and later owner names and CNAME/NS/PTR/SOA targets point
 * back to the longest registered suffix. SRV targets are written whole (RFC 2782 forbids
 * compressing them) but are registered, so the A records that follow point to them. Matching is
 * exact (case-sensitive), so an answer keeps the case of the name it echoes.
 *
 * One Encoder is reused: it writes into its own growing buffer, and `encode` returns a copy of
 * exactly the message's bytes (the caller may hand it to a socket while the next one is built).
 */
import { WireError, labelOctetsMax, nameOctetsMax } from './decode.js';
import { Type, type Header, type Message, type ResourceRecord } from './message.js';

const pointerOffsetMax = 0x3fff;
/** Names whose suffix lists are kept (a bound: a flood of distinct names just recomputes). */
const suffixCacheEntriesMax = 4096;
const utf8 = new TextEncoder();

export class Encoder {
  private buf = new Uint8Array(4096);
  private off = 0;
  private readonly names = new Map<string, number>();
  private readonly suffixCache = new Map<string, string[]>();
  private compress = true;

  /** The message's bytes; uncompressed when `compress` is false. */
  encode(msg: Message, compress = true): Uint8Array {
    this.write(msg, compress);
    return this.buf.slice(0, this.off);
  }

  /** The encoded size, without copying. */
  length(msg: Message, compress = true): number {
    this.write(msg, compress);
    return this.off;
  }

  private write(msg: Message, compress: boolean): void {
    this.off = 0;
    this.names.clear();
    this.compress = compress;
    this.header(msg.header, msg.questions.length, msg.answers.length, msg.authorities.length, msg.additionals.length);
    for (const q of msg.questions) {
      this.name(q.name, true);
      this.u16(q.type);
      this.u16(q.class);
    }
    for (const rr of msg.answers) this.record(rr);
    for (const rr of msg.authorities) this.record(rr);
    for (const rr of msg.additionals) this.record(rr);
  }

  private header(h: Header, qd: number, an: number, ns: number, ar: number): void {
    for (const n of [qd, an, ns, ar]) if (n > 0xffff) throw new WireError(`a section of ${n} records does not fit a message`);
    let flags = ((h.opcode & 0xf) << 11) | (h.rcode & 0xf);
    if (h.response) flags |= 0x8000;
    if (h.authoritative) flags |= 0x0400;
    if (h.truncated) flags |= 0x0200;
    if (h.recursionDesired) flags |= 0x0100;
    if (h.recursionAvailable) flags |= 0x0080;
    if (h.zero) flags |= 0x0040;
    if (h.authenticData) flags |= 0x0020;
    if (h.checkingDisabled) flags |= 0x0010;
    this.u16(h.id);
    this.u16(flags);
    this.u16(qd);
    this.u16(an);
    this.u16(ns);
    this.u16(ar);
  }

  private record(rr: ResourceRecord): void {
    if (rr.type === Type.OPT && 'udpSize' in rr) {
      this.u8(0);
      this.u16(Type.OPT);
      this.u16(rr.udpSize);
      this.u32(((rr.extendedRcode & 0xff) << 24) | ((rr.version & 0xff) << 16) | (rr.flags & 0xffff));
      const at = this.lengthSlot();
      for (const o of rr.options) {
        this.u16(o.code);
        this.u16(o.data.length);
        this.bytes(o.data);
      }
      this.fillLength(at);
      return;
    }
    const r = rr as Exclude<ResourceRecord, { type: typeof Type.OPT; udpSize: number }>;
    this.name(r.name, true);
    this.u16(r.type);
    this.u16(r.class ?? 1);
    this.u32(r.ttl);
    const at = this.lengthSlot();
    this.rdata(r);
    this.fillLength(at);
  }

  private rdata(rr: ResourceRecord): void {
    if ('ip' in rr) this.bytes(rr.ip);
    else if ('priority' in rr) {
      this.u16(rr.priority);
      this.u16(rr.weight);
      this.u16(rr.port);
      this.name(rr.target, false);
    } else if ('target' in rr) this.name(rr.target, true);
    else if ('mname' in rr) {
      this.name(rr.mname, true);
      this.name(rr.rname, true);
      this.u32(rr.serial);
      this.u32(rr.refresh);
      this.u32(rr.retry);
      this.u32(rr.expire);
      this.u32(rr.minimum);
    } else if ('txt' in rr) {
      for (const s of rr.txt) {
        if (s.length > 255) throw new WireError(`TXT string of ${s.length} bytes is longer than 255`);
        this.u8(s.length);
        this.ensure(s.length);
        for (let i = 0; i < s.length; i++) this.buf[this.off++] = s.charCodeAt(i) & 0xff;
      }
    } else if ('rdata' in rr) this.bytes(rr.rdata);
  }

  /** Writes `name`, pointing to a registered suffix when allowed. */
  private name(name: string, mayPoint: boolean): void {
    if (name === '.' || name === '') {
      this.u8(0);
      return;
    }
    if (this.compress && mayPoint) {
      const whole = this.names.get(name);
      if (whole !== undefined) {
        this.u16(0xc000 | whole);
        return;
      }
    }
    if (!name.endsWith('.')) throw new WireError(`name ${JSON.stringify(name)} is not fully qualified`);
    if (isPlainAscii(name)) this.asciiName(name, mayPoint);
    else this.escapedName(name, mayPoint);
  }

  /** The common case: every character is one byte and no label is escaped. */
  private asciiName(name: string, mayPoint: boolean): void {
    if (name.length + 1 > nameOctetsMax) throw new WireError(`name ${JSON.stringify(name)} is longer than ${nameOctetsMax} octets`);
    this.ensure(name.length + 1);
    const suffixes = this.suffixesOf(name);
    let at = 0;
    for (let i = 0; at < name.length; i++) {
      if (this.suffix(suffixes[i]!, mayPoint)) return;
      const dot = name.indexOf('.', at);
      const len = dot - at;
      if (len === 0) throw new WireError(`name ${JSON.stringify(name)} has an empty label`);
      if (len > labelOctetsMax) throw new WireError(`name ${JSON.stringify(name)} has a label longer than ${labelOctetsMax} octets`);
      const buf = this.buf;
      let off = this.off;
      buf[off++] = len;
      for (let i = at; i < dot; i++) buf[off++] = name.charCodeAt(i);
      this.off = off;
      at = dot + 1;
    }
    this.u8(0);
  }

  private escapedName(name: string, mayPoint: boolean): void {
    const labels = splitLabels(name);
    let octets = 1;
    for (const l of labels) octets += l.bytes.length + 1;
    if (octets > nameOctetsMax) throw new WireError(`name ${JSON.stringify(name)} is longer than ${nameOctetsMax} octets`);
    for (const label of labels) {
      if (this.suffix(name.slice(label.at), mayPoint)) return;
      this.u8(label.bytes.length);
      this.bytes(label.bytes);
    }
    this.u8(0);
  }

  /**
   * The name's suffixes at each label (`a.b.` → `a.b.`, `b.`). Kept per name, so the same
   * strings (whose hashes V8 keeps) come back for the names every answer repeats.
   */
  private suffixesOf(name: string): string[] {
    let list = this.suffixCache.get(name);
    if (list) return list;
    list = [];
    for (let at = 0; at < name.length; at = name.indexOf('.', at) + 1) list.push(at === 0 ? name : name.slice(at));
    if (this.suffixCache.size >= suffixCacheEntriesMax) this.suffixCache.clear();
    this.suffixCache.set(name, list);
    return list;
  }

  /**
   * At the start of a name's suffix: writes a pointer and returns true if the suffix was written
   * before (and pointing is allowed); else registers where it starts.
   */
  private suffix(suffix: string, mayPoint: boolean): boolean {
    if (!this.compress) return false;
    const p = this.names.get(suffix);
    if (p !== undefined) {
      if (!mayPoint) return false;
      this.u16(0xc000 | p);
      return true;
    }
    if (this.off <= pointerOffsetMax) this.names.set(suffix, this.off);
    return false;
  }

  private lengthSlot(): number {
    this.u16(0);
    return this.off;
  }
  private fillLength(at: number): void {
    const n = this.off - at;
    if (n > 0xffff) throw new WireError(`record data of ${n} bytes does not fit`);
    this.buf[at - 2] = n >> 8;
    this.buf[at - 1] = n & 0xff;
  }

  private ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.off + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.off));
    this.buf = next;
  }
  private u8(v: number): void {
    this.ensure(1);
    this.buf[this.off++] = v;
  }
  private u16(v: number): void {
    this.ensure(2);
    this.buf[this.off++] = (v >> 8) & 0xff;
    this.buf[this.off++] = v & 0xff;
  }
  private u32(v: number): void {
    this.ensure(4);
    this.buf[this.off++] = (v >>> 24) & 0xff;
    this.buf[this.off++] = (v >>> 16) & 0xff;
    this.buf[this.off++] = (v >>> 8) & 0xff;
    this.buf[this.off++] = v & 0xff;
  }
  private bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.off);
    this.off += b.length;
  }
}

/** No escapes and no character outside ASCII: one byte per character. */
function isPlainAscii(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80 || c === 0x5c) return false;
  }
  return true;
}

interface Label {
  /** Where the label starts in the presentation text (its suffix is the compression key). */
  at: number;
  bytes: Uint8Array;
}

/**
 * A fully qualified presentation name → its labels. Escapes (`\.`, `\DDD`) become the bytes
 * they stand for; other characters are UTF-8. Throws on an empty or over-long label.
 */
export function splitLabels(name: string): Label[] {
  const labels: Label[] = [];
  if (!name.includes('\\')) {
    let at = 0;
    while (at < name.length) {
      const dot = name.indexOf('.', at);
      labels.push({ at, bytes: checkLabel(utf8.encode(name.slice(at, dot)), name) });
      at = dot + 1;
    }
    return labels;
  }
  let at = 0;
  let cur: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '\\') {
      const ddd = name.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(ddd)) {
        cur.push(Number(ddd) & 0xff);
        i += 3;
      } else if (i + 1 < name.length) {
        cur.push(...utf8.encode(name[++i]!));
      }
    } else if (c === '.') {
      labels.push({ at, bytes: checkLabel(Uint8Array.from(cur), name) });
      cur = [];
      at = i + 1;
    } else {
      cur.push(...utf8.encode(c));
    }
  }
  return labels;
}

function checkLabel(bytes: Uint8Array, name: string): Uint8Array {
  if (bytes.length === 0) throw new WireError(`name ${JSON.stringify(name)} has an empty label`);
  if (bytes.length > labelOctetsMax) throw new WireError(`name ${JSON.stringify(name)} has a label longer than ${labelOctetsMax} octets`);
  return bytes;
}

/** Whether `name` can go on the wire (labels of 1–63 octets, at most 255 in all). */
export function isEncodableName(name: string): boolean {
  try {
    if (!name.endsWith('.')) return false;
    let octets = 1;
    for (const l of splitLabels(name)) octets += l.bytes.length + 1;
    return octets <= nameOctetsMax;
  } catch {
    return false;
  }
}
