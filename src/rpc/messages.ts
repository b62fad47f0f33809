/**
 * The messages of the RPC protocol, each one msgpack map in one frame:
 *
 * - client → server: a request `{seq, method, body}`; a cancel `{seq, cancel: true}` for a
 *   request the caller gave up on (the handler's signal fires; a reply still follows); a ping
 *   `{seq, ping: true}` (keepalive; answered at once with `{seq}`).
 * - server → client: a response `{seq, body}` or `{seq, error: {code, message}}`, exactly one per
 *   request and ping, in any order.
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
  if (error === undefined || error === null) return { seq, body: m['body'] };
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
  if (typeof m !== 'object' || m === null || Array.isArray(m) || m instanceof Uint8Array) {
    throw new ProtocolError('message is not a map');
  }
  return m as Record<string, unknown>;
}

function seqOf(m: Record<string, unknown>): number {
  const seq = m['seq'];
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1 || seq > seqMax) {
    throw new ProtocolError('message without a valid seq');
  }
  return seq;
}
