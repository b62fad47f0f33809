/**
 * Go's net.Dial("tcp", addr) for checks, with Go's error texts (Go 1.15 built Consul 1.8.7):
 * `dial tcp 127.0.0.1:1: connect: connection refused`,
 * `dial tcp: address 127.0.0.1: missing port in address`,
 * `dial tcp: address tcp/abc: unknown port`, `dial tcp: lookup x on 10.0.0.53:53: no such host`,
 * `dial tcp 10.0.0.1:80: i/o timeout`. Also maps Node's socket errors for the HTTP check.
 */
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP, Socket } from 'node:net';
import type { Clock } from '../../lib/index.js';

/** Go's syscall.Errno texts for the errors a dial or read can see. */
const errnoText: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ETIMEDOUT: 'connection timed out',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EPIPE: 'broken pipe',
};

/** net.JoinHostPort. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** net.SplitHostPort: [host, port] or Go's AddrError text (`address X: missing port in address`). */
export function splitHostPort(hostport: string): { host: string; port: string } | { error: string } {
  const fail = (why: string): { error: string } => ({ error: `address ${hostport}: ${why}` });
  const i = hostport.lastIndexOf(':');
  if (i < 0) return fail('missing port in address');
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return fail("missing ']' in address");
    if (end + 1 === hostport.length) return fail('missing port in address');
    if (end + 1 !== i) return fail(hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address');
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return fail('too many colons in address');
  }
  if (hostport.slice(j).includes('[')) return fail("unexpected '[' in address");
  if (hostport.slice(k).includes(']')) return fail("unexpected ']' in address");
  return { host, port: hostport.slice(i + 1) };
}

let servicesCache: Map<string, number> | undefined;

/** /etc/services, as Go's pure-Go port lookup reads it. */
function services(): Map<string, number> {
  if (servicesCache) return servicesCache;
  servicesCache = new Map();
  try {
    for (const line of readFileSync('/etc/services', 'utf8').split('\n')) {
      const fields = line.replace(/#.*/, '').trim().split(/\s+/);
      const m = /^(\d+)\/tcp$/.exec(fields[1] ?? '');
      if (!m) continue;
      for (const name of [fields[0]!, ...fields.slice(2)]) {
        const key = name.toLowerCase();
        if (!servicesCache.has(key)) servicesCache.set(key, Number(m[1]));
      }
    }
  } catch {
    // no services file: only numeric ports resolve
  }
  return servicesCache;
}

/** net.LookupPort("tcp", service): the port or Go's AddrError text. */
export function lookupPort(service: string): { port: number } | { error: string } {
  if (/^[0-9]*$/.test(service)) {
    const n = service === '' ? 0 : Number(service);
    return n > 0xffff ? { error: `address ${service}: invalid port` } : { port: n };
  }
  const port = services().get(service.toLowerCase());
  return port === undefined ? { error: `address tcp/${service}: unknown port` } : { port };
}

let nameserverCache: string | undefined;

/** The resolver Go's messages name (`lookup x on 10.0.0.53:53`): resolv.conf's first nameserver. */
export function nameserver(): string {
  if (nameserverCache !== undefined) return nameserverCache;
  let ns = '127.0.0.1';
  try {
    const m = /^\s*nameserver\s+(\S+)/m.exec(readFileSync('/etc/resolv.conf', 'utf8'));
    if (m) ns = m[1]!;
  } catch {
    // Go falls back to localhost too
  }
  nameserverCache = joinHostPort(ns, 53);
  return nameserverCache;
}

/** Go's text for a failed host lookup. */
export function lookupErrorText(host: string, code: string | undefined): string {
  const why = code === 'ENOTFOUND' || code === 'ENODATA' || code === 'EAI_NONAME' ? 'no such host' : 'server misbehaving';
  return `lookup ${host} on ${nameserver()}: ${why}`;
}

/** Go's text for a socket error of Node (`connect: connection refused`), without the `dial tcp x:` head. */
export function syscallErrorText(err: NodeJS.ErrnoException): string {
  const text = err.code !== undefined ? errnoText[err.code] : undefined;
  if (text === undefined) return err.message;
  return `${err.syscall === 'read' ? 'read' : err.syscall === 'write' ? 'write' : 'connect'}: ${text}`;
}

export type DialResult = { ok: true; socket: Socket } | { ok: false; error: string };

/** net.Dialer{Timeout}.Dial("tcp", address): tries each resolved address in order. */
export async function dialTcp(address: string, timeoutMs: number, clock: Clock): Promise<DialResult> {
  const split = splitHostPort(address);
  if ('error' in split) return { ok: false, error: `dial tcp: ${split.error}` };
  const port = lookupPort(split.port);
  if ('error' in port) return { ok: false, error: `dial tcp: ${port.error}` };
  const host = split.host === '' ? '127.0.0.1' : split.host.replace(/%.*$/, '');
  let deadlineHit = false;
  const timer = clock.setTimer(timeoutMs, () => {
    deadlineHit = true;
    current?.destroy();
    wake?.();
  });
  let current: Socket | undefined;
  let wake: (() => void) | undefined;
  try {
    let ips: string[];
    if (isIP(host) !== 0) ips = [host];
    else {
      try {
        ips = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
      } catch (err) {
        return { ok: false, error: `dial tcp: ${lookupErrorText(host, (err as NodeJS.ErrnoException).code)}` };
      }
      if (deadlineHit) return { ok: false, error: `dial tcp: lookup ${host}: i/o timeout` };
    }
    let firstError: string | undefined;
    for (const ip of ips) {
      const target = joinHostPort(ip, port.port);
      const r = await new Promise<DialResult>((resolve) => {
        const socket = new Socket();
        current = socket;
        wake = () => resolve({ ok: false, error: `dial tcp ${target}: i/o timeout` });
        socket.once('connect', () => resolve({ ok: true, socket }));
        socket.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, error: `dial tcp ${target}: ${syscallErrorText(err)}` }));
        if (deadlineHit) wake();
        else socket.connect(port.port, ip);
      });
      if (r.ok) return r;
      firstError ??= r.error;
      if (deadlineHit) break;
    }
    return { ok: false, error: firstError ?? `dial tcp: lookup ${host}: no such host` };
  } finally {
    timer.cancel();
  }
}
