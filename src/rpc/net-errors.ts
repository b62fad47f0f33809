/**
 * Socket failures worded as Go's net package words them (`dial tcp 10.0.0.1:8300: connect:
 * connection refused`, `read tcp a->b: read: connection reset by peer`), since those are the
 * texts Consul's "rpc error ..." messages and logs carry.
 */
import { hostPort } from './listener.js';

/** strerror texts of the errnos a TCP client meets. */
const errnoTexts: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EPIPE: 'broken pipe',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  EADDRNOTAVAIL: 'cannot assign requested address',
  ECONNABORTED: 'software caused connection abort',
};

export interface SocketAddresses {
  localAddress?: string | undefined;
  localPort?: number | undefined;
}

/** `dial tcp ADDR: connect: connection refused`; `reason` for failures without an errno. */
export function dialErrorText(address: string, err: Error | string): string {
  if (typeof err === 'string') return `dial tcp ${address}: ${err}`;
  const e = err as NodeJS.ErrnoException;
  const text = e.code !== undefined && errnoTexts[e.code] !== undefined ? errnoTexts[e.code] : err.message;
  return `dial tcp ${address}: ${e.syscall === 'getaddrinfo' ? 'lookup' : 'connect'}: ${text}`;
}

/**
 * `read tcp LOCAL->ADDR: read: connection reset by peer` for an errno on an open connection;
 * Node's message, with the server's address, for anything else.
 */
export function connErrorText(address: string, local: SocketAddresses, err: Error): string {
  const e = err as NodeJS.ErrnoException;
  const op = e.syscall === 'write' || e.code === 'EPIPE' ? 'write' : 'read';
  const text = e.code !== undefined ? errnoTexts[e.code] : undefined;
  if (text === undefined) return `${err.message} (server ${address})`;
  const from = local.localAddress !== undefined ? `${hostPort(local.localAddress, local.localPort ?? 0)}->` : '';
  return `${op} tcp ${from}${address}: ${op}: ${text}`;
}

/** Splits `host:port` or `[v6]:port`; undefined if it is not one. */
export function parseAddress(address: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: (m[1] ?? m[2])!, port };
}
