/**
 * The DNS wire decoder (RFC 1035 §4.1, RFC 6891 for OPT). It reads untrusted bytes, so every
 * read is bounds-checked and every loop is bounded by the input: names are at most 255 octets,
 * labels at most 63, and a compression pointer must point strictly backwards (RFC 1035 §4.1.4
 * only ever needs earlier names), so a pointer loop cannot exist. Anything malformed throws a
 * `WireError`; nothing here allocates more than a small multiple of the input's size.
 */
import { Type, type Header, type Message, type Question, type ResourceRecord, type EdnsOptionValue } from './message.js';

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/** Octets of a name on the wire, length bytes and the final zero included (RFC 1035 §2.3.4). */
export const nameOctetsMax = 255;
export const labelOctetsMax = 63;
export const headerBytes = 12;
/** Compression pointers one name may follow (miekg's maxCompressionPointers). */
export const namePointersMax = (nameOctetsMax + 1) / 2 - 2;

export function decodeHeader(buf: Uint8Array): Header {
  if (buf.length < headerBytes) throw new WireError(`message of ${buf.length} bytes is shorter than a header`);
  const flags = (buf[2]! << 8) | buf[3]!;
  return {
    id: (buf[0]! << 8) | buf[1]!,
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    zero: (flags & 0x0040) !== 0,
    authenticData: (flags & 0x0020) !== 0,
    checkingDisabled: (flags & 0x0010) !== 0,
    rcode: flags & 0xf,
  };
}

/** The four section counts of a header. */
export function decodeCounts(buf: Uint8Array): [qd: number, an: number, ns: number, ar: number] {
  if (buf.length < headerBytes) throw new WireError(`message of ${buf.length} bytes is shorter than a header`);
  return [u16(buf, 4), u16(buf, 6), u16(buf, 8), u16(buf, 10)];
}

/**
 * A whole message. `into`, when given, receives each part as soon as it is decoded, so a caller
 * answering FORMERR still has the header and the question of a message broken further on.
 */
export function decodeMessage(buf: Uint8Array, into?: Partial<Message>): Message {
  const header = decodeHeader(buf);
  if (into) into.header = header;
  const [qd, an, ns, ar] = decodeCounts(buf);
  const r = new Reader(buf, headerBytes);
  const questions: Question[] = [];
  if (into) into.questions = questions;
  for (let i = 0; i < qd; i++) questions.push(readQuestion(r));
  const answers = readSection(r, an);
  const authorities = readSection(r, ns);
  const additionals = readSection(r, ar);
  return { header, questions, answers, authorities, additionals };
}

function readQuestion(r: Reader): Question {
  const name = r.name();
  return { name, type: r.u16(), class: r.u16() };
}

function readSection(r: Reader, count: number): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  for (let i = 0; i < count; i++) out.push(readRecord(r));
  return out;
}

function readRecord(r: Reader): ResourceRecord {
  const name = r.name();
  const type = r.u16();
  const cls = r.u16();
  const ttl = r.u32();
  const length = r.u16();
  const end = r.offset + length;
  if (end > r.buf.length) throw new WireError(`record data of ${length} bytes runs past the end of the message`);
  const rr = readRdata(r, name, type, cls, ttl, length);
  if (r.offset !== end) throw new WireError(`${type} record data is ${length} bytes but its fields take ${r.offset - (end - length)}`);
  return rr;
}

function readRdata(r: Reader, name: string, type: number, cls: number, ttl: number, length: number): ResourceRecord {
  switch (type) {
    case Type.A:
    case Type.AAAA: {
      const want = type === Type.A ? 4 : 16;
      if (length !== want) throw new WireError(`${type === Type.A ? 'A' : 'AAAA'} record data must be ${want} bytes, got ${length}`);
      return { type, name, ttl, class: cls, ip: r.bytes(length) };
    }
    case Type.CNAME:
    case Type.NS:
    case Type.PTR:
      return { type, name, ttl, class: cls, target: r.name() };
    case Type.SRV:
      return { type, name, ttl, class: cls, priority: r.u16(), weight: r.u16(), port: r.u16(), target: r.name() };
    case Type.SOA:
      return {
        type,
        name,
        ttl,
        class: cls,
        mname: r.name(),
        rname: r.name(),
        serial: r.u32(),
        refresh: r.u32(),
        retry: r.u32(),
        expire: r.u32(),
        minimum: r.u32(),
      };
    case Type.TXT: {
      const end = r.offset + length;
      const txt: string[] = [];
      while (r.offset < end) {
        const n = r.u8();
        if (r.offset + n > end) throw new WireError('TXT character string runs past its record');
        txt.push(byteString(r.bytes(n)));
      }
      return { type, name, ttl, class: cls, txt };
    }
    case Type.OPT: {
      if (name !== '.') throw new WireError(`OPT record must be owned by the root, not ${name}`);
      const end = r.offset + length;
      const options: EdnsOptionValue[] = [];
      while (r.offset < end) {
        const code = r.u16();
        const n = r.u16();
        if (r.offset + n > end) throw new WireError('EDNS option runs past its record');
        options.push({ code, data: r.bytes(n) });
      }
      return { type, name: '.', udpSize: cls, extendedRcode: ttl >>> 24, version: (ttl >>> 16) & 0xff, flags: ttl & 0xffff, options };
    }
    default:
      return { type, name, ttl, class: cls, rdata: r.bytes(length) };
  }
}

export class Reader {
  constructor(
    readonly buf: Uint8Array,
    public offset: number,
  ) {}

  need(n: number): void {
    if (this.offset + n > this.buf.length) throw new WireError(`message ends at byte ${this.buf.length}, ${n} more needed at ${this.offset}`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.offset++]!;
  }
  u16(): number {
    this.need(2);
    const v = u16(this.buf, this.offset);
    this.offset += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const b = this.buf;
    const o = this.offset;
    this.offset += 4;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** A (possibly compressed) name in presentation form; the reader moves past its first part. */
  name(): string {
    const buf = this.buf;
    let pos = this.offset;
    let end = -1; // where the reader resumes: after the first pointer, or after the final zero
    let octets = 0;
    let pointers = 0;
    let text = '';
    for (;;) {
      if (pos >= buf.length) throw new WireError('name runs past the end of the message');
      const len = buf[pos]!;
      if (len === 0) {
        if (end < 0) end = pos + 1;
        octets += 1;
        break;
      }
      const kind = len & 0xc0;
      if (kind === 0xc0) {
        if (pos + 1 >= buf.length) throw new WireError('compression pointer runs past the end of the message');
        const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
        if (target >= pos) throw new WireError(`compression pointer at ${pos} points forward (to ${target})`);
        if (++pointers > namePointersMax) throw new WireError(`name follows more than ${namePointersMax} compression pointers`);
        if (end < 0) end = pos + 2;
        pos = target;
        continue;
      }
      if (kind !== 0) throw new WireError(`label type 0x${kind.toString(16)} at ${pos} is not supported`);
      octets += len + 1;
      if (octets + 1 > nameOctetsMax) throw new WireError(`name is longer than ${nameOctetsMax} octets`);
      if (pos + 1 + len > buf.length) throw new WireError('label runs past the end of the message');
      text += labelText(buf, pos + 1, pos + 1 + len) + '.';
      pos += 1 + len;
    }
    this.offset = end;
    return text === '' ? '.' : text;
  }
}

function u16(buf: Uint8Array, o: number): number {
  return (buf[o]! << 8) | buf[o + 1]!;
}

/** Bytes → a string of one character per byte (TXT strings keep their raw bytes this way). */
export function byteString(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/**
 * One label's presentation form, escaped as miekg/dns escapes it (isDomainNameLabelSpecial and
 * \DDD for bytes outside printable ASCII).
 */
function labelText(buf: Uint8Array, from: number, to: number): string {
  let plain = true;
  for (let i = from; i < to; i++) {
    const b = buf[i]!;
    if (b < 0x21 || b > 0x7e || special.has(b)) {
      plain = false;
      break;
    }
  }
  if (plain) {
    let s = '';
    for (let i = from; i < to; i++) s += String.fromCharCode(buf[i]!);
    return s;
  }
  let s = '';
  for (let i = from; i < to; i++) {
    const b = buf[i]!;
    if (special.has(b)) s += '\\' + String.fromCharCode(b);
    else if (b < 0x21 || b > 0x7e) s += '\\' + String(b).padStart(3, '0');
    else s += String.fromCharCode(b);
  }
  return s;
}

/** . space ' @ ; ( ) " \ */
const special: ReadonlySet<number> = new Set([0x2e, 0x20, 0x27, 0x40, 0x3b, 0x28, 0x29, 0x22, 0x5c]);
