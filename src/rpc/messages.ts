/**
 * The messages of the RPC protocol, each one msgpack map in one frame:
 *
 * - client → server: a request `{seq, method, body}`; a cancel `{seq, cancel: true}` for a
 *   request the caller gave up on (the handler's signal fires; a reply still follows); a ping
 *   `{seq, ping: true}` (keepalive; answered at once with `{seq}`).
 * - server → client: a response `{seq, body}` or `{seq, error: {code, message}}`, exactly one per
 *   request and ping, in any order. A reply whose body holds one long list (a ListReply, see
 *   server.ts) may come first as list parts `{seq, part: [items...]}`, each holding the next
 *   items of the list, then a final response `{seq, body, listAt}`: the body (a map) with the
 *   field `listAt` to be set to the parts' items, in order (an empty list if no part came). An
 *   error response instead ends the call (the parts are dropped). Parts and responses of
 *   different requests interleave.
 *
 * Every field is checked on decode; anything else is a ProtocolError, which closes the
 * connection (the stream cannot be trusted after it).
 */
import { decode, encode } from '../lib/index.js';
import { ProtocolError, type WireError } from './errors.js';
import { seqMax } from './limits.js';

export type ClientMessage =
  | { kind: 'request'; seq: number; method: string; body: unknown }
  | { kind: 'cancel'; seq: number }
  | { kind: 'ping'; seq: number };

export interface ResponseMessage {
  seq: number;
  error?: WireError;
  body?: unknown;
  /** A list part: the next items of the list named by the final response's `listAt`. */
  part?: unknown[];
  /** On a final response after parts: the field of `body` that the parts' items make up. */
  listAt?: string;
}

/** Method names are Go's `Service.Method`; a longer one is not a name. */
const methodCharsMax = 256;
/** Error messages longer than this are cut (a handler's error must not blow the frame bound). */
export const errorMessageCharsMax = 64 * 1024;

export function encodeRequest(seq: number, method: string, body: unknown): Uint8Array {
  return encode({ seq, method, body });
}
export function encodeCancel(seq: number): Uint8Array {
  return encode({ seq, cancel: true });
}
export function encodePing(seq: number): Uint8Array {
  return encode({ seq, ping: true });
}
export function encodeResponse(r: ResponseMessage): Uint8Array {
  return encode(r);
}

export function parseClientMessage(payload: Uint8Array): ClientMessage {
  const m = decodeMap(payload);
  const seq = seqOf(m);
  if (m['cancel'] === true) return { kind: 'cancel', seq };
  if (m['ping'] === true) return { kind: 'ping', seq };
  const method = m['method'];
  if (typeof method !== 'string' || method.length > methodCharsMax) throw new ProtocolError('request without a valid method');
  return { kind: 'request', seq, method, body: m['body'] };
}

export function parseResponse(payload: Uint8Array): ResponseMessage {
  const m = decodeMap(payload);
  const seq = seqOf(m);
  const error = m['error'];
  const part = m['part'];
  const listAt = m['listAt'];
  if (part !== undefined) {
    if (!Array.isArray(part)) throw new ProtocolError('list part that is not a list');
    if (m['body'] !== undefined || listAt !== undefined || error !== undefined) throw new ProtocolError('list part with other fields');
    return { seq, part };
  }
  if (error === undefined || error === null) {
    if (listAt === undefined) return { seq, body: m['body'] };
    if (typeof listAt !== 'string') throw new ProtocolError('response with a malformed listAt');
    if (!isMap(m['body'])) throw new ProtocolError('response with listAt whose body is not a map');
    return { seq, body: m['body'], listAt };
  }
  if (listAt !== undefined) throw new ProtocolError('error response with listAt');
  if (typeof error !== 'object') throw new ProtocolError('response with a malformed error');
  const { code, message } = error as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') throw new ProtocolError('response with a malformed error');
  return { seq, error: { code, message } };
}

function decodeMap(payload: Uint8Array): Record<string, unknown> {
  let m: unknown;
  try {
    m = decode(payload);
  } catch (err) {
    throw new ProtocolError(`undecodable message: ${(err as Error).message}`);
  }
  if (!isMap(m)) throw new ProtocolError('message is not a map');
  return m;
}

/** A msgpack map as decoded: a plain object (not nil, an array, a byte array or a timestamp's Date). */
function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function seqOf(m: Record<string, unknown>): number {
  const seq = m['seq'];
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1 || seq > seqMax) {
    throw new ProtocolError('message without a valid seq');
  }
  return seq;
}
