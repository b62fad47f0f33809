/**
 * Errors of the transport. A handler's MusterError travels as `{code, message}` and is rethrown
 * by the caller as a MusterError with the same code and text; anything else a handler throws
 * becomes ERR_INTERNAL with its message. Failures of the transport itself are `RpcError`s
 * (code ERR_RPC, HTTP 500 like Consul's) that name the server, what went wrong, and whether
 * the request may have reached the server, so a caller can fail over.
 */
import { MusterError, type ErrorCode } from '../lib/index.js';

/**
 * - `dial`: no connection could be made (never sent).
 * - `broken`: the connection closed, reset, stopped answering pings, or broke the protocol.
 * - `timeout`, `aborted`: the caller's timeout or signal ended the call.
 * - `shutdown`: the pool was closed.
 * - `overloaded`: too many calls already waiting for this server (never sent).
 */
export type RpcErrorKind = 'dial' | 'broken' | 'timeout' | 'aborted' | 'shutdown' | 'overloaded';

export class RpcError extends MusterError {
  /** The server, `host:port`. */
  readonly address: string;
  readonly kind: RpcErrorKind;
  /** Whether the request was written to the socket (so the server may have acted on it). */
  readonly sent: boolean;
  constructor(kind: RpcErrorKind, address: string, sent: boolean, message: string, options?: { cause?: unknown }) {
    super('ERR_RPC', message, options);
    this.name = 'RpcError';
    this.kind = kind;
    this.address = address;
    this.sent = sent;
  }
}

/**
 * Whether a failed call may be tried again on another server, as Consul's canRetry: "No cluster
 * leader" always (no state changed); a request that never left always; one that left on a
 * connection that then broke only if it is a read. Timeouts, aborts and shutdown are final.
 */
export function canRetry(err: unknown, isRead: boolean): boolean {
  if (err instanceof RpcError) {
    if (err.kind === 'dial' || err.kind === 'overloaded') return true;
    if (err.kind === 'broken') return !err.sent || isRead;
    return false;
  }
  return MusterError.is(err) && err.code === 'ERR_NO_LEADER';
}

/** A handler error as it travels. */
export interface WireError {
  code: string;
  message: string;
}

const codePattern = /^ERR_[A-Z0-9_]{1,60}$/;

export function toWireError(err: unknown): WireError {
  if (MusterError.is(err)) return { code: err.code, message: err.message };
  return { code: 'ERR_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/** A code we do not know (a newer peer) is kept as it is if it looks like one, else ERR_INTERNAL. */
export function fromWireError(w: WireError): MusterError {
  const code = (codePattern.test(w.code) ? w.code : 'ERR_INTERNAL') as ErrorCode;
  return new MusterError(code, w.message);
}

/** The peer broke the protocol: the connection cannot be trusted any more and is closed. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}
