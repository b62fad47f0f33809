import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WireError, decodeMessage } from './decode.js';
import { Encoder, isEncodableName } from './encode.js';
import { Type, emptyHeader, type Header, type Message, type OptRR, type ResourceRecord } from './message.js';

/** Octets of a name on the wire and of a label (RFC 1035 §2.3.4), restated so the tests do not trust the codec's constants. */
const NAME_OCTETS_MAX = 255;
const LABEL_OCTETS_MAX = 63;
const HEADER_BYTES = 12;

const enc = new Encoder();

// ---------------------------------------------------------------------------------------------
// Presentation form, restated from miekg/dns (isDomainNameLabelSpecial, escapeByte).

/** . space ' @ ; ( ) " \ */
const specialBytes = new Set([0x2e, 0x20, 0x27, 0x40, 0x3b, 0x28, 0x29, 0x22, 0x5c]);

function labelText(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if (specialBytes.has(b)) s += '\\' + String.fromCharCode(b);
    else if (b < 0x20 || b > 0x7e) s += '\\' + String(b).padStart(3, '0');
    else s += String.fromCharCode(b);
  }
  return s;
}

function nameText(labels: readonly Uint8Array[]): string {
  return labels.length === 0 ? '.' : labels.map((l) => labelText(l) + '.').join('');
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Wire form of a name given as labels, uncompressed. */
function wireName(...labels: (string | Uint8Array)[]): number[] {
  const out: number[] = [];
  for (const l of labels) {
    const b = typeof l === 'string' ? ascii(l) : l;
    out.push(b.length, ...b);
  }
  out.push(0);
  return out;
}

const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

function header(id: number, flags: number, qd: number, an: number, ns: number, ar: number): number[] {
  return [...u16(id), ...u16(flags), ...u16(qd), ...u16(an), ...u16(ns), ...u16(ar)];
}

function expectWireError(bytes: number[] | Uint8Array): WireError {
  let caught: unknown;
  try {
    decodeMessage(Uint8Array.from(bytes));
  } catch (err) {
    caught = err;
  }
  expect(caught, 'decoding should fail').toBeInstanceOf(WireError);
  return caught as WireError;
}

function message(parts: Partial<Message> & { header?: Header }): Message {
  return { header: parts.header ?? emptyHeader(0x1234), questions: parts.questions ?? [], answers: parts.answers ?? [], authorities: parts.authorities ?? [], additionals: parts.additionals ?? [] };
}

// ---------------------------------------------------------------------------------------------
// An independent walk over an encoded message: every pointer must point backwards, at the start
// of a label written earlier; SRV targets must contain no pointer at all.

interface Walk {
  pointers: number;
  srvTargets: number;
}

function walk(buf: Uint8Array): Walk {
  const labelStarts = new Set<number>();
  const result: Walk = { pointers: 0, srvTargets: 0 };
  const counts = [4, 6, 8, 10].map((o) => (buf[o]! << 8) | buf[o + 1]!);
  let pos = HEADER_BYTES;
  const name = (mayPoint: boolean): void => {
    for (;;) {
      const len = buf[pos]!;
      if (len === 0) {
        pos += 1;
        return;
      }
      if ((len & 0xc0) === 0xc0) {
        const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
        if (!mayPoint) throw new Error(`SRV target compressed at ${pos}`);
        if (target >= pos) throw new Error(`pointer at ${pos} points forward to ${target}`);
        if (!labelStarts.has(target)) throw new Error(`pointer at ${pos} points to ${target}, not the start of an earlier label`);
        result.pointers++;
        pos += 2;
        return;
      }
      if (len > LABEL_OCTETS_MAX) throw new Error(`label length ${len} at ${pos}`);
      labelStarts.add(pos);
      pos += 1 + len;
    }
  };
  for (let i = 0; i < counts[0]!; i++) {
    name(true);
    pos += 4;
  }
  const records = counts[1]! + counts[2]! + counts[3]!;
  for (let i = 0; i < records; i++) {
    name(true);
    const type = (buf[pos]! << 8) | buf[pos + 1]!;
    const rdlength = (buf[pos + 8]! << 8) | buf[pos + 9]!;
    pos += 10;
    const end = pos + rdlength;
    if (type === Type.CNAME || type === Type.NS || type === Type.PTR) name(true);
    else if (type === Type.SOA) {
      name(true);
      name(true);
    } else if (type === Type.SRV) {
      pos += 6;
      name(false);
      result.srvTargets++;
    }
    pos = end;
  }
  if (pos !== buf.length) throw new Error(`walk ended at ${pos} of ${buf.length}`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries. Names are generated as label bytes and shown in canonical presentation form, so
// the decoder must give back exactly the text the test started from.

const safeChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
const safeLabel = fc.string({ unit: fc.constantFrom(...safeChars), minLength: 1, maxLength: 20 }).map(ascii);
const anyLabel = fc.uint8Array({ minLength: 1, maxLength: LABEL_OCTETS_MAX });
const nastyLabel = fc.array(fc.constantFrom(0x2e, 0x5c, 0x20, 0x00, 0xff, 0x41, 0x7f, 0x22, 0x40, 0x3b), { minLength: 1, maxLength: 8 }).map((a) => Uint8Array.from(a));
const label = fc.oneof({ weight: 4, arbitrary: safeLabel }, { weight: 1, arbitrary: anyLabel }, { weight: 1, arbitrary: nastyLabel });

/** Labels, cut from the front so the whole name fits 255 octets. */
function fitName(labels: Uint8Array[]): Uint8Array[] {
  const out = [...labels];
  const octets = (): number => out.reduce((n, l) => n + l.length + 1, 1);
  while (octets() > NAME_OCTETS_MAX) out.shift();
  return out;
}

const labelsArb = fc.array(label, { maxLength: 6 }).map(fitName);

/** Names from a small pool of suffixes, so messages repeat names and suffixes and compression has work. */
const namePool = fc.array(labelsArb, { minLength: 1, maxLength: 4 });

function nameFrom(pool: Uint8Array[][]): fc.Arbitrary<string> {
  return fc
    .record({ base: fc.nat({ max: pool.length - 1 }), prefix: fc.array(label, { maxLength: 2 }), root: fc.boolean() })
    .map(({ base, prefix, root }) => (root && prefix.length === 0 ? '.' : nameText(fitName([...prefix, ...pool[base]!]))));
}

const u8 = fc.integer({ min: 0, max: 0xff });
const u16a = fc.integer({ min: 0, max: 0xffff });
const u32a = fc.integer({ min: 0, max: 0xffffffff });
const latin1 = fc.string({ unit: u8.map((c) => String.fromCharCode(c)), maxLength: 255 });
const decodedTypes = new Set<number>([Type.A, Type.AAAA, Type.CNAME, Type.NS, Type.PTR, Type.SRV, Type.SOA, Type.TXT, Type.OPT]);
const rawType = u16a.filter((t) => !decodedTypes.has(t));

function recordArb(name: fc.Arbitrary<string>): fc.Arbitrary<ResourceRecord> {
  const base = { name, ttl: u32a, class: u16a };
  return fc.oneof(
    fc.record({ ...base, type: fc.constant(Type.A), ip: fc.uint8Array({ minLength: 4, maxLength: 4 }) }),
    fc.record({ ...base, type: fc.constant(Type.AAAA), ip: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
    fc.record({ ...base, type: fc.constantFrom(Type.CNAME, Type.NS, Type.PTR), target: name }),
    fc.record({ ...base, type: fc.constant(Type.SRV), priority: u16a, weight: u16a, port: u16a, target: name }),
    fc.record({ ...base, type: fc.constant(Type.SOA), mname: name, rname: name, serial: u32a, refresh: u32a, retry: u32a, expire: u32a, minimum: u32a }),
    fc.record({ ...base, type: fc.constant(Type.TXT), txt: fc.array(latin1, { maxLength: 4 }) }),
    fc.record({ ...base, type: rawType, rdata: fc.uint8Array({ maxLength: 64 }) }),
  ) as fc.Arbitrary<ResourceRecord>;
}

const optArb: fc.Arbitrary<OptRR> = fc.record({
  type: fc.constant(Type.OPT),
  name: fc.constant('.' as const),
  udpSize: u16a,
  extendedRcode: u8,
  version: u8,
  flags: u16a,
  options: fc.array(fc.record({ code: u16a, data: fc.uint8Array({ maxLength: 40 }) }), { maxLength: 4 }),
});

const headerArb: fc.Arbitrary<Header> = fc.record({
  id: u16a,
  response: fc.boolean(),
  opcode: fc.integer({ min: 0, max: 15 }),
  authoritative: fc.boolean(),
  truncated: fc.boolean(),
  recursionDesired: fc.boolean(),
  recursionAvailable: fc.boolean(),
  zero: fc.boolean(),
  authenticData: fc.boolean(),
  checkingDisabled: fc.boolean(),
  rcode: fc.integer({ min: 0, max: 15 }),
});

const messageArb: fc.Arbitrary<Message> = namePool.chain((pool) => {
  const name = nameFrom(pool);
  const records = fc.array(recordArb(name), { maxLength: 6 });
  return fc.record({
    header: headerArb,
    questions: fc.array(fc.record({ name, type: u16a, class: u16a }), { maxLength: 2 }),
    answers: records,
    authorities: records,
    additionals: fc.tuple(records, fc.option(optArb, { nil: undefined })).map(([rs, opt]) => (opt ? [...rs, opt] : rs)),
  });
});

// ---------------------------------------------------------------------------------------------

describe('encode → decode round trip', () => {
  it('gives back every message of every record type, compressed or not', () => {
    fc.assert(
      fc.property(messageArb, fc.boolean(), (msg, compress) => {
        const bytes = enc.encode(msg, compress);
        expect(decodeMessage(bytes)).toEqual(msg);
        expect(enc.length(msg, compress)).toBe(bytes.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('compression never grows a message, and its pointers point backwards to earlier labels', () => {
    fc.assert(
      fc.property(messageArb, (msg) => {
        const plain = enc.encode(msg, false);
        const packed = enc.encode(msg, true);
        expect(packed.length).toBeLessThanOrEqual(plain.length);
        expect(walk(plain).pointers).toBe(0);
        const w = walk(packed);
        // Every saved byte comes from a pointer (a pointer saves at least one: a 1-byte label + root is 3 bytes).
        if (packed.length < plain.length) expect(w.pointers).toBeGreaterThan(0);
        else expect(w.pointers).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps escaped bytes: \\DDD, \\. and \\\\ stand for one octet each', () => {
    const labels = [Uint8Array.of(0x61, 0x2e, 0x62), Uint8Array.of(0x00, 0xff, 0x5c, 0x20), ascii('x')];
    const name = nameText(labels);
    expect(name).toBe('a\\.b.\\000\\255\\\\\\ .x.');
    const bytes = enc.encode(message({ questions: [{ name, type: Type.A, class: 1 }] }));
    const wire = wireName(...labels);
    expect([...bytes.subarray(HEADER_BYTES, HEADER_BYTES + wire.length)]).toEqual(wire);
    expect(wire.length).toBe(3 + 1 + 4 + 1 + 1 + 1 + 1);
    expect(decodeMessage(bytes).questions[0]!.name).toBe(name);
  });

  it('reads non-canonical escapes as the bytes they stand for, and shows them canonically', () => {
    const bytes = enc.encode(message({ questions: [{ name: '\\065\\b\\046c.', type: Type.A, class: 1 }] }));
    expect([...bytes.subarray(HEADER_BYTES, HEADER_BYTES + 6)]).toEqual(wireName('Ab.c'));
    expect(decodeMessage(bytes).questions[0]!.name).toBe('Ab\\.c.');
  });

  it('decodes and re-encodes arbitrary bytes consistently: decode(encode(decode(x))) = decode(x), else a WireError', () => {
    const candidates = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.tuple(messageArb, fc.array(fc.tuple(fc.nat(), u8), { maxLength: 4 }), fc.nat()).map(([msg, edits, cut]) => {
        const b = enc.encode(msg, true);
        for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
        return b.subarray(0, b.length - (cut % 3 === 0 ? cut % Math.max(1, b.length) : 0));
      }),
    );
    fc.assert(
      fc.property(candidates, (bytes) => {
        let first: Message;
        try {
          first = decodeMessage(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(WireError);
          return;
        }
        expect(decodeMessage(enc.encode(first, true))).toEqual(first);
        expect(decodeMessage(enc.encode(first, false))).toEqual(first);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('compression', () => {
  it('(the walk used here sees forward pointers, pointers into the middle of a label and compressed SRV targets)', () => {
    const q = [...header(1, 0, 1, 0, 0, 0), ...wireName('ab', 'c'), ...u16(1), ...u16(1)];
    const owner = (name: number[], type: number, rdata: number[]): number[] => [...name, ...u16(type), ...u16(1), ...u32(0), ...u16(rdata.length), ...rdata];
    const withAnswer = (rr: number[]): Uint8Array => {
      const b = Uint8Array.from([...q, ...rr]);
      b[7] = 1;
      return b;
    };
    expect(walk(withAnswer(owner([0xc0, 12], Type.A, [1, 2, 3, 4])))).toEqual({ pointers: 1, srvTargets: 0 });
    expect(() => walk(withAnswer(owner([0xc0, 13], Type.A, [1, 2, 3, 4])))).toThrow(/not the start/);
    expect(() => walk(withAnswer(owner([0xc0, 40], Type.A, [1, 2, 3, 4])))).toThrow(/forward/);
    expect(() => walk(withAnswer(owner([0], Type.SRV, [0, 0, 0, 0, 0, 0, 0xc0, 12])))).toThrow(/SRV target/);
  });

  it('points a repeated owner name at the question and a CNAME target at a shared suffix (golden bytes)', () => {
    const msg = message({
      header: { ...emptyHeader(0x0102), response: true },
      questions: [{ name: 'a.example.', type: Type.A, class: 1 }],
      answers: [{ type: Type.CNAME, name: 'a.example.', ttl: 7, class: 1, target: 'b.example.' }],
    });
    const bytes = enc.encode(msg);
    expect([...bytes]).toEqual([
      ...header(0x0102, 0x8000, 1, 1, 0, 0),
      ...wireName('a', 'example'), ...u16(Type.A), ...u16(1),
      0xc0, 12, ...u16(Type.CNAME), ...u16(1), ...u32(7), ...u16(4), 1, 0x62, 0xc0, 14,
    ]);
    expect(enc.encode(msg, false).length - bytes.length).toBe(11 - 2 + (11 - 4));
    expect(decodeMessage(bytes)).toEqual(msg);
  });

  it('shrinks a message with many records of one name to about one copy of the name', () => {
    const name = 'web.service.dc1.consul.';
    const answers: ResourceRecord[] = Array.from({ length: 20 }, (_, i) => ({ type: Type.A, name, ttl: 0, class: 1, ip: Uint8Array.of(10, 0, 0, i) }));
    const msg = message({ questions: [{ name, type: Type.A, class: 1 }], answers });
    const plain = enc.encode(msg, false).length;
    const packed = enc.encode(msg, true).length;
    expect(plain - packed).toBe(20 * (name.length + 1 - 2));
    expect(walk(enc.encode(msg)).pointers).toBe(20);
  });

  it('matches names exactly: another case is written out again', () => {
    const msg = message({ questions: [{ name: 'Web.consul.', type: Type.A, class: 1 }], answers: [{ type: Type.A, name: 'web.consul.', ttl: 0, class: 1, ip: Uint8Array.of(1, 2, 3, 4) }] });
    const bytes = enc.encode(msg);
    // The owner shares only the suffix `consul.` with the question.
    expect([...bytes.subarray(28, 34)]).toEqual([3, 0x77, 0x65, 0x62, 0xc0, 16]);
    expect(decodeMessage(bytes).answers[0]!.name).toBe('web.consul.');
  });

  it('never compresses an SRV target, but lets later names point into it', () => {
    const q = '_web._tcp.service.consul.';
    const target = 'n1.node.dc1.consul.';
    const msg = message({
      questions: [{ name: q, type: Type.SRV, class: 1 }],
      answers: [
        { type: Type.SRV, name: q, ttl: 0, class: 1, priority: 1, weight: 1, port: 80, target: q },
        { type: Type.SRV, name: q, ttl: 0, class: 1, priority: 1, weight: 1, port: 81, target },
      ],
      additionals: [{ type: Type.A, name: target, ttl: 0, class: 1, ip: Uint8Array.of(10, 0, 0, 1) }],
    });
    const bytes = enc.encode(msg);
    const qWire = wireName('_web', '_tcp', 'service', 'consul');
    const first = HEADER_BYTES + qWire.length + 4; // first answer
    const firstTarget = first + 2 + 10 + 6;
    // The first SRV target is the question name again, written whole.
    expect([...bytes.subarray(firstTarget, firstTarget + qWire.length)]).toEqual(qWire);
    const second = firstTarget + qWire.length;
    const secondTarget = second + 2 + 10 + 6;
    // `consul.` was written before, yet the target is whole.
    expect([...bytes.subarray(secondTarget, secondTarget + target.length + 1)]).toEqual(wireName('n1', 'node', 'dc1', 'consul'));
    // The A record's owner points at the second SRV target.
    const a = secondTarget + target.length + 1;
    expect([...bytes.subarray(a, a + 2)]).toEqual([0xc0 | (secondTarget >> 8), secondTarget & 0xff]);
    expect(walk(bytes)).toEqual({ pointers: 3, srvTargets: 2 });
    expect(decodeMessage(bytes)).toEqual(msg);
  });

  it('never points past offset 0x3fff: names written later are written out', () => {
    const big: ResourceRecord[] = Array.from({ length: 70 }, (_, i) => ({ type: Type.TXT, name: `t${i}.big.`, ttl: 0, class: 1, txt: ['x'.repeat(255)] }));
    const late = 'late.name.example.';
    const msg = message({
      answers: [...big, { type: Type.CNAME, name: late, ttl: 0, class: 1, target: late }, { type: Type.A, name: late, ttl: 0, class: 1, ip: Uint8Array.of(1, 1, 1, 1) }],
    });
    const bytes = enc.encode(msg);
    expect(bytes.length).toBeGreaterThan(0x3fff + 100);
    expect(decodeMessage(bytes)).toEqual(msg);
    walk(bytes);
    // All three copies of the late name are written in full (none is at an offset a pointer can reach).
    const needle = wireName('late', 'name', 'example');
    let copies = 0;
    for (let i = 0; i + needle.length <= bytes.length; i++) if (needle.every((b, j) => bytes[i + j] === b)) copies++;
    expect(copies).toBe(3);
  });
});

describe('encoder bounds', () => {
  it('accepts names of 255 octets and labels of 63, and nothing longer', () => {
    const l63 = 'a'.repeat(63);
    const n255 = `${l63}.${l63}.${l63}.${'b'.repeat(61)}.`;
    expect(isEncodableName(n255)).toBe(true);
    expect(isEncodableName(`${l63}.${l63}.${l63}.${'b'.repeat(62)}.`)).toBe(false);
    expect(isEncodableName(`${l63}a.`)).toBe(false);
    expect(isEncodableName('a..b.')).toBe(false);
    expect(isEncodableName('a.b')).toBe(false);
    expect(isEncodableName(`${'\\255'.repeat(63)}.`)).toBe(true);
    expect(isEncodableName(`${'\\255'.repeat(64)}.`)).toBe(false);
    const q = (name: string): Message => message({ questions: [{ name, type: Type.A, class: 1 }] });
    expect(enc.encode(q(n255)).length).toBe(HEADER_BYTES + 255 + 4);
    for (const bad of [`${l63}a.`, `${n255}c.`, 'a..b.', 'no-dot']) expect(() => enc.encode(q(bad))).toThrowError(WireError);
    expect(() => enc.encode(message({ answers: [{ type: Type.TXT, name: 'a.', ttl: 0, txt: ['x'.repeat(256)] }] }))).toThrowError(WireError);
  });
});

describe('decoder bounds: malformed input is a WireError', () => {
  const q = (...name: number[]): number[] => [...header(1, 0, 1, 0, 0, 0), ...name, ...u16(1), ...u16(1)];
  const l63 = 'a'.repeat(LABEL_OCTETS_MAX);

  it('names up to 255 octets decode; 256 do not, however reached (labels, pointers, a loop)', () => {
    const ok = decodeMessage(Uint8Array.from(q(...wireName(l63, l63, l63, 'b'.repeat(61)))));
    expect(ok.questions[0]!.name.length).toBe(254);
    expect(expectWireError(q(...wireName(l63, l63, l63, 'b'.repeat(62)))).message).toMatch(/255/);
    expect(expectWireError(q(...wireName(l63, l63, l63, l63, l63))).message).toMatch(/255/);
    // 192 octets in the question, then an answer putting 64 + 2 octets of labels in front of a pointer to it: 258.
    const longAnswer = [...header(1, 0, 1, 1, 0, 0), ...wireName(l63, l63, 'c'.repeat(62)), ...u16(1), ...u16(1), 63, ...ascii(l63), 1, 0x78, 0xc0, 12, ...u16(1), ...u16(1), ...u32(0), ...u16(4), 1, 2, 3, 4];
    expectWireError(longAnswer);
  });

  it('label types 0x40 and 0x80 (and so any length byte above 63)', () => {
    for (const len of [0x40, 0x41, 0x7f, 0x80, 0xbf]) {
      const bytes = q(len, ...new Array<number>(len & 0x3f).fill(0x61), 0);
      expect(expectWireError(bytes).message).toMatch(/label type/);
    }
    expectWireError(q(1, 0x61, 0x40));
  });

  it('forward pointers, self pointers and pointer loops', () => {
    expect(expectWireError(q(0xc0, 20, 0, 0, 0, 0, 0, 0, 0)).message).toMatch(/forward/);
    expect(expectWireError(q(0xc0, 12)).message).toMatch(/forward/);
    // A→B→A: the question name at 12 points to 14, which points back to 12.
    expectWireError([...header(1, 0, 1, 0, 0, 0), 0xc0, 14, 0xc0, 12, ...u16(1), ...u16(1)]);
    // The same in an answer: its owner at 19 points to 21, which points back to 19.
    const loopInAnswer = [...header(1, 0, 1, 1, 0, 0), ...wireName('a'), ...u16(1), ...u16(1), 0xc0, 21, 0xc0, 19, ...u16(1), ...u16(1), ...u32(0), ...u16(0)];
    expectWireError(loopInAnswer);
    // A label followed by a pointer back to itself: a name that would grow forever (stopped by
    // the pointer bound for short labels, by the 255-octet bound for long ones).
    expect(expectWireError(q(1, 0x61, 0xc0, 12)).message).toMatch(/255|126 compression pointers/);
    expect(expectWireError(q(63, ...ascii(l63), 0xc0, 12)).message).toMatch(/255/);
    // A pointer that is cut off, and one to beyond the message.
    expectWireError([...header(1, 0, 1, 0, 0, 0), 0xc0]);
    expectWireError([...header(1, 0, 1, 0, 0, 0), 0xff, 0xff, ...u16(1), ...u16(1)]);
  });

  it('truncation anywhere: header, question, record, record data', () => {
    for (let n = 0; n < HEADER_BYTES; n++) expect(expectWireError(new Array<number>(n).fill(0)).message).toMatch(/header/);
    const full = [
      ...header(1, 0, 1, 1, 0, 1),
      ...wireName('web', 'consul'), ...u16(Type.A), ...u16(1),
      0xc0, 12, ...u16(Type.SRV), ...u16(1), ...u32(30), ...u16(6 + 11), ...u16(1), ...u16(2), ...u16(80), ...wireName('n1', 'consul'),
      0, ...u16(Type.OPT), ...u16(1232), ...u32(0), ...u16(8), ...u16(10), ...u16(4), 1, 2, 3, 4,
    ];
    expect(decodeMessage(Uint8Array.from(full)).additionals).toHaveLength(1);
    for (let n = HEADER_BYTES; n < full.length; n++) expectWireError(full.slice(0, n));
  });

  it('record data lengths that disagree with the data', () => {
    const rr = (type: number, rdata: number[], rdlength = rdata.length): number[] => [
      ...header(1, 0, 0, 1, 0, 0), ...wireName('x'), ...u16(type), ...u16(1), ...u32(0), ...u16(rdlength), ...rdata,
    ];
    expect(expectWireError(rr(Type.A, [1, 2, 3, 4, 5])).message).toMatch(/4 bytes, got 5/);
    expectWireError(rr(Type.A, [1, 2, 3]));
    expectWireError(rr(Type.AAAA, new Array<number>(15).fill(0)));
    expectWireError(rr(Type.AAAA, new Array<number>(17).fill(0)));
    expectWireError(rr(Type.CNAME, [...wireName('y'), 0])); // a byte after the name
    expectWireError(rr(Type.CNAME, [1, 0x79])); // the name runs out of its data
    expectWireError(rr(Type.SRV, [0, 1, 0, 1, 0])); // fixed fields cut
    expectWireError(rr(Type.SOA, [...wireName('m'), ...wireName('r'), ...u32(1), ...u32(2), ...u32(3), ...u32(4)])); // no minimum
    expectWireError(rr(Type.TXT, [5, 0x61, 0x62])); // a string longer than its record
    expectWireError(rr(Type.A, [1, 2, 3, 4], 9)); // data past the message
    const opt = (rdata: number[], owner = [0]): number[] => [...header(1, 0, 0, 0, 0, 1), ...owner, ...u16(Type.OPT), ...u16(512), ...u32(0), ...u16(rdata.length), ...rdata];
    expect(decodeMessage(Uint8Array.from(opt([...u16(8), ...u16(0)]))).additionals[0]).toMatchObject({ type: Type.OPT, udpSize: 512, options: [{ code: 8 }] });
    expectWireError(opt([...u16(8), ...u16(5), 1, 2])); // an option longer than its record
    expectWireError(opt([...u16(8)])); // an option header cut
    expectWireError(opt([], wireName('x'))); // OPT owned by another name than the root
  });

  it('counts larger than the content, up to 65535', () => {
    const body = [...wireName('a'), ...u16(1), ...u16(1)];
    for (const [qd, an, ns, ar] of [[2, 0, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0], [1, 0, 0, 1], [0xffff, 0, 0, 0], [1, 0xffff, 0xffff, 0xffff]] as const) {
      expectWireError([...header(9, 0, qd, an, ns, ar), ...body]);
    }
    // 65,535 questions that are each a one-byte root name would need 327,675 bytes: the decoder stops at the end.
    expectWireError([...header(9, 0, 0xffff, 0, 0, 0), ...new Array<number>(5 * 1000).fill(0)]);
  });

  it('anything at all decodes or throws a WireError, quickly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat({ max: 0xffff }), { minLength: 4, maxLength: 4 }), (body, counts) => {
        const bytes = Uint8Array.from([...header(1, 0, counts[0]!, counts[1]!, counts[2]!, counts[3]!), ...body]);
        try {
          decodeMessage(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('a real query', () => {
  it('decodes the query dig 9.18 sends: RD and AD, EDNS0 with a 1232-byte buffer and a client cookie', () => {
    // dig web.service.consul (dig's defaults: +rec +adflag +edns=0 +bufsize=1232 +cookie)
    const cookie = [0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x6a, 0x79, 0x88];
    const bytes = Uint8Array.from([
      0xab, 0xcd, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
      0x03, 0x77, 0x65, 0x62, 0x07, 0x73, 0x65, 0x72, 0x76, 0x69, 0x63, 0x65, 0x06, 0x63, 0x6f, 0x6e, 0x73, 0x75, 0x6c, 0x00,
      0x00, 0x01, 0x00, 0x01,
      0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08, ...cookie,
    ]);
    const msg = decodeMessage(bytes);
    expect(msg.header).toEqual({
      ...emptyHeader(0xabcd),
      recursionDesired: true,
      authenticData: true,
    });
    expect(msg.questions).toEqual([{ name: 'web.service.consul.', type: Type.A, class: 1 }]);
    expect(msg.answers).toEqual([]);
    expect(msg.authorities).toEqual([]);
    expect(msg.additionals).toEqual([{ type: Type.OPT, name: '.', udpSize: 1232, extendedRcode: 0, version: 0, flags: 0, options: [{ code: 10, data: Uint8Array.from(cookie) }] }]);
    // And it encodes back to the same bytes.
    expect([...enc.encode(msg)]).toEqual([...bytes]);
  });

  it('reads the DO bit and EDNS version from the OPT TTL', () => {
    const bytes = Uint8Array.from([...header(1, 0, 0, 0, 0, 1), 0, ...u16(Type.OPT), ...u16(4096), 0x12, 0x01, 0x80, 0x00, ...u16(0)]);
    expect(decodeMessage(bytes).additionals[0]).toEqual({ type: Type.OPT, name: '.', udpSize: 4096, extendedRcode: 0x12, version: 1, flags: 0x8000, options: [] });
  });
});

/** A message whose second answer's owner is reached through `pointers` pointers: its own, then a chain in the first answer's data. */
function pointerChain(pointers: number): Uint8Array {
  const links = pointers - 1;
  const start = HEADER_BYTES + wireName('consul').length + 4 + 11;
  const chain: number[] = [];
  for (let i = 0; i < links; i++) {
    const to = i === 0 ? HEADER_BYTES : start + 2 * (i - 1);
    chain.push(0xc0 | (to >> 8), to & 0xff);
  }
  const end = links === 0 ? HEADER_BYTES : start + 2 * (links - 1);
  return Uint8Array.from([
    ...header(1, 0x8000, 1, 2, 0, 0), ...wireName('consul'), ...u16(Type.A), ...u16(1),
    0, ...u16(99), ...u16(1), ...u32(0), ...u16(chain.length), ...chain,
    0xc0 | (end >> 8), end & 0xff, ...u16(99), ...u16(1), ...u32(0), ...u16(0),
  ]);
}

describe('pointer chains', () => {
  it('follows up to 126 pointers in one name, as miekg (maxCompressionPointers)', () => {
    for (const n of [1, 2, 126]) expect(decodeMessage(pointerChain(n)).answers[1]!.name).toBe('consul.');
  });

  // Counting octets alone would let one name follow thousands of pointers (all backwards, each
  // hop to the one before): a 64 KiB message of an 8,150-pointer chain and 4,100 records
  // pointing to its end took about 110 ms to decode (33 M hops), and the resolver decodes
  // recursor replies (fitForwarded). Stopping at 126 pointers per name, as miekg does, bounds
  // the work per name.
  it('a name reached through 127 pointers is a WireError (miekg stops at 126 too)', () => {
    expectWireError(pointerChain(127));
  });
});
