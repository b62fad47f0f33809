/**
 * DNS messages as values (RFC 1035 §4.1), the shapes the decoder produces and the encoder
 * writes. Names are in presentation form with a trailing dot (`web.service.consul.`); a label
 * byte that is a dot, a backslash or not printable ASCII is escaped as `\.`, `\\` or `\DDD`,
 * as miekg/dns (Consul's DNS library) shows them.
 */

export const Type = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  AXFR: 252,
  ANY: 255,
} as const;

export const Class = { IN: 1, ANY: 255 } as const;

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;

export const Opcode = { QUERY: 0, NOTIFY: 4 } as const;

/** EDNS0 option codes we look at (RFC 7871: client subnet). */
export const EdnsOption = { CLIENT_SUBNET: 8 } as const;

export interface Header {
  id: number;
  /** QR: this is a response. */
  response: boolean;
  opcode: number;
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  /** The Z bit (must be zero). */
  zero: boolean;
  authenticData: boolean;
  checkingDisabled: boolean;
  /** The low 4 bits of the rcode (the OPT record carries the high 8). */
  rcode: number;
}

export interface Question {
  name: string;
  type: number;
  class: number;
}

interface RRBase {
  name: string;
  ttl: number;
  /** IN unless said otherwise. */
  class?: number;
}

/** A (4 bytes) or AAAA (16 bytes). */
export interface AddressRR extends RRBase {
  type: typeof Type.A | typeof Type.AAAA;
  ip: Uint8Array;
}

/** Records whose data is one domain name. */
export interface NameRR extends RRBase {
  type: typeof Type.CNAME | typeof Type.NS | typeof Type.PTR;
  target: string;
}

export interface SrvRR extends RRBase {
  type: typeof Type.SRV;
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface SoaRR extends RRBase {
  type: typeof Type.SOA;
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** Character strings as bytes-as-characters (latin1): each string at most 255 of them. */
export interface TxtRR extends RRBase {
  type: typeof Type.TXT;
  txt: string[];
}

export interface EdnsOptionValue {
  code: number;
  data: Uint8Array;
}

/** The EDNS0 pseudo-record (RFC 6891): owner `.`, CLASS is the UDP payload size. */
export interface OptRR {
  type: typeof Type.OPT;
  name: '.';
  udpSize: number;
  extendedRcode: number;
  version: number;
  /** The flags word (bit 15 is DO). */
  flags: number;
  options: EdnsOptionValue[];
}

/** Any other type, its RDATA kept as bytes. */
export interface RawRR extends RRBase {
  type: number;
  rdata: Uint8Array;
}

export type ResourceRecord = AddressRR | NameRR | SrvRR | SoaRR | TxtRR | OptRR | RawRR;

export interface Message {
  header: Header;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

export function emptyHeader(id = 0): Header {
  return {
    id,
    response: false,
    opcode: Opcode.QUERY,
    authoritative: false,
    truncated: false,
    recursionDesired: false,
    recursionAvailable: false,
    zero: false,
    authenticData: false,
    checkingDisabled: false,
    rcode: Rcode.NOERROR,
  };
}

/**
 * The start of a reply to `request` (miekg's SetReply): same ID and opcode, RD and CD copied for
 * a query, the first question echoed.
 */
export function replyTo(request: Message): Message {
  const q = request.header;
  const header = emptyHeader(q.id);
  header.response = true;
  header.opcode = q.opcode;
  if (q.opcode === Opcode.QUERY) {
    header.recursionDesired = q.recursionDesired;
    header.checkingDisabled = q.checkingDisabled;
  }
  const first = request.questions[0];
  return { header, questions: first ? [first] : [], answers: [], authorities: [], additionals: [] };
}

export function isOpt(rr: ResourceRecord): rr is OptRR {
  return rr.type === Type.OPT;
}

/** The request's OPT record, if it has one. */
export function ednsOf(msg: Message): OptRR | undefined {
  for (const rr of msg.additionals) if (isOpt(rr)) return rr;
  return undefined;
}

const typeNames: Record<number, string> = Object.fromEntries(Object.entries(Type).map(([k, v]) => [v, k]));

/** `A`, `SRV`, ... or `TYPE99` (RFC 3597). */
export function typeName(type: number): string {
  return typeNames[type] ?? `TYPE${type}`;
}
