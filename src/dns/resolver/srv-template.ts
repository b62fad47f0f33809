/**
 * SRV replies kept between queries. An SRV reply is, per instance, one SRV answer (owned by a
 * pointer to the question, its target written out: RFC 2782 forbids compressing it) and that
 * instance's extras (address, node meta), each owned by a pointer to the target. So the bytes of
 * each instance can be kept, and a reply in a new random order is those pieces concatenated,
 * with the extras' owner pointers set to where their target now is. A template is made only
 * when, put back in the order the first reply used, it gives exactly that reply's bytes.
 */
import type { Rng } from '../../lib/index.js';
import { Type, type ResourceRecord } from '../wire/message.js';

export interface SrvPiece {
  /** The SRV answer record. */
  srv: Uint8Array;
  /** Its extras, their owner pointers to be set. */
  extra: Uint8Array;
  /** Where in `extra` each owner pointer is. */
  ownerAt: number[];
}

export interface SrvTemplate {
  /** Header and question. */
  head: Uint8Array;
  pieces: SrvPiece[];
  /** What follows the extras (the OPT record). */
  tail: Uint8Array;
}

/** Where a target name starts in an SRV record: owner pointer, type, class, TTL, length, priority, weight, port. */
const targetOffset = 2 + 2 + 2 + 4 + 2 + 6;

/**
 * A template from the instances in catalog order (`units`), the order the reply used (`order`,
 * indexes into units) and the reply's bytes; undefined if the reply is not laid out as above.
 */
export function srvTemplate(units: ReadonlyArray<{ answers: ResourceRecord[]; extra: ResourceRecord[] }>, order: number[], reply: Uint8Array, answersAt: number): SrvTemplate | undefined {
  const pieces: SrvPiece[] = [];
  const targets = new Set<string>();
  for (const u of units) {
    const srv = u.answers[0];
    if (u.answers.length !== 1 || !srv || srv.type !== Type.SRV || !('priority' in srv)) return undefined;
    const target = srv.target.toLowerCase();
    if (targets.has(target) || !plain(srv.target)) return undefined;
    targets.add(target);
    const piece = encodePiece(srv.ttl, srv.priority, srv.weight, srv.port, srv.target, u.extra);
    if (!piece) return undefined;
    pieces.push(piece);
  }
  const head = reply.slice(0, answersAt);
  let at = answersAt;
  for (const p of pieces) at += p.srv.length + p.extra.length;
  const t: SrvTemplate = { head, pieces, tail: reply.slice(at) };
  const again = assemble(t, order);
  if (again.length !== reply.length) return undefined;
  for (let i = 0; i < reply.length; i++) if (again[i] !== reply[i]) return undefined;
  return t;
}

/** The reply with the instances in a fresh random order. */
export function shuffledSrv(t: SrvTemplate, rng: Rng): Uint8Array {
  const order = Array.from({ length: t.pieces.length }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const x = order[i]!;
    order[i] = order[j]!;
    order[j] = x;
  }
  return assemble(t, order);
}

function assemble(t: SrvTemplate, order: number[]): Uint8Array {
  let size = t.head.length + t.tail.length;
  for (const p of t.pieces) size += p.srv.length + p.extra.length;
  const out = new Uint8Array(size);
  out.set(t.head);
  let o = t.head.length;
  const targetAt: number[] = [];
  for (const i of order) {
    const p = t.pieces[i]!;
    out.set(p.srv, o);
    targetAt.push(o + targetOffset);
    o += p.srv.length;
  }
  order.forEach((i, k) => {
    const p = t.pieces[i]!;
    out.set(p.extra, o);
    const ptr = 0xc000 | targetAt[k]!;
    for (const at of p.ownerAt) {
      out[o + at] = ptr >> 8;
      out[o + at + 1] = ptr & 0xff;
    }
    o += p.extra.length;
  });
  out.set(t.tail, o);
  return out;
}

function plain(name: string): boolean {
  if (!name.endsWith('.') || name.length > 254) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80 || c === 0x5c) return false;
  }
  return name.split('.').slice(0, -1).every((l) => l.length >= 1 && l.length <= 63);
}

/** The SRV record and its extras as bytes; undefined if an extra is not an A, AAAA or TXT owned by the target. */
function encodePiece(ttl: number, priority: number, weight: number, port: number, target: string, extras: ResourceRecord[]): SrvPiece | undefined {
  const name: number[] = [];
  for (const label of target.split('.').slice(0, -1)) {
    name.push(label.length);
    for (let i = 0; i < label.length; i++) name.push(label.charCodeAt(i));
  }
  name.push(0);
  const srv = [0xc0, 0x0c, 0, Type.SRV, 0, 1, ...u32(ttl), ...u16(6 + name.length), ...u16(priority), ...u16(weight), ...u16(port), ...name];
  const extra: number[] = [];
  const ownerAt: number[] = [];
  for (const rr of extras) {
    if (rr.type === Type.OPT || rr.name !== target || ((rr as { class?: number }).class ?? 1) !== 1) return undefined;
    let rdata: number[];
    if ((rr.type === Type.A || rr.type === Type.AAAA) && 'ip' in rr) rdata = [...rr.ip];
    else if (rr.type === Type.TXT && 'txt' in rr) rdata = rr.txt.flatMap((s) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0) & 0xff)]);
    else return undefined;
    ownerAt.push(extra.length);
    extra.push(0, 0, ...u16(rr.type), 0, 1, ...u32(rr.ttl), ...u16(rdata.length), ...rdata);
  }
  return { srv: Uint8Array.from(srv), extra: Uint8Array.from(extra), ownerAt };
}

const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
