/**
 * Real-socket fixtures for the RPC tests: a listener with an RpcServer on 127.0.0.1 port 0, raw
 * sockets that speak (or break) the protocol by hand, bounded waits, and a check that nothing
 * (socket, listener, timer) outlives a test.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach } from 'vitest';
import { CaptureLogger, encode } from '../lib/index.js';
import { RpcClient, type RpcClientOptions } from './client.js';
import { frameOf } from './frame.js';
import { RpcListener, type RpcListenerOptions } from './listener.js';
import { RpcType } from './protocol.js';
import { RpcServer, type RpcServerOptions } from './server.js';

export const host = '127.0.0.1';

export interface Fixture {
  listener: RpcListener;
  server: RpcServer;
  address: string;
  port: number;
  log: CaptureLogger;
}

export async function startServer(
  setup: (server: RpcServer) => void = () => {},
  opts: { port?: number; listener?: Partial<RpcListenerOptions>; server?: Partial<RpcServerOptions> } = {},
): Promise<Fixture> {
  const log = new CaptureLogger();
  const listener = new RpcListener({ logger: log.logger, ...opts.listener });
  const server = new RpcServer({ logger: log.logger, ...opts.server });
  setup(server);
  listener.handle(RpcType.rpc, server.accept);
  const port = await listener.listen(host, opts.port ?? 0);
  return { listener, server, address: `${host}:${port}`, port, log };
}

export function newClient(opts: Partial<RpcClientOptions> = {}): { client: RpcClient; log: CaptureLogger } {
  const log = new CaptureLogger();
  return { client: new RpcClient({ logger: log.logger, ...opts }), log };
}

/** Polls `cond` every few ms until it holds; fails after `boundMs`. */
export async function waitFor(cond: () => boolean, boundMs = 5_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > boundMs) throw new Error(`timed out after ${boundMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Settles as `p` does, or rejects if it takes longer than `boundMs` (for "promptly"). */
export async function within<T>(p: Promise<T>, boundMs: number, what = 'promise'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still pending after ${boundMs} ms`)), boundMs);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Settles to the rejection of `p` (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** Open sockets, listeners and timers of this process (for leak checks). */
export function handles(): { sockets: number; listeners: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  const count = (name: string): number => info.filter((r) => r === name).length;
  return { sockets: count('TCPSocketWrap'), listeners: count('TCPServerWrap'), timers: count('Timeout') };
}

/** A raw connection to the port; resolves once connected. */
export function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host, port }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Resolves when `s` has closed (and swallows its errors). */
export function closedOf(s: Socket): Promise<void> {
  s.on('error', () => {});
  return new Promise((resolve) => (s.destroyed && s.closed ? resolve() : s.once('close', () => resolve())));
}

/** A request frame as a client would write it. */
export function requestFrame(seq: number, method: string, body: unknown): Buffer {
  return frameOf(encode({ seq, method, body }));
}

/** A server that accepts connections and lets `onConn` do anything with them. */
export async function rawServer(onConn: (s: Socket) => void): Promise<{ server: Server; port: number; sockets: Set<Socket>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.once('close', () => sockets.delete(s));
    onConn(s);
  });
  await new Promise<void>((resolve) => server.listen({ host, port: 0 }, () => resolve()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return { server, port, sockets, close };
}

/**
 * Counts the timers set through the global setTimeout from now on (the transport's and the
 * test's; vitest keeps its own copies) that have neither fired nor been cleared.
 */
export function trackTimers(): { pending(): number; restore(): void } {
  const live = new Set<unknown>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const t = realSet(() => {
      live.delete(t);
      fn(...args);
    }, ms);
    live.add(t);
    return t;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((t: NodeJS.Timeout | undefined) => {
    live.delete(t);
    realClear(t);
  }) as typeof clearTimeout;
  return {
    pending: () => live.size,
    restore: () => {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    },
  };
}

/**
 * Runs the deferred cleanups after each test, then checks (waiting a bounded time for closes to
 * land) that the process holds no more sockets or listeners than before it, and that every
 * timer set during the test has fired or been cleared.
 */
export function leakChecked(): { defer(fn: () => unknown): void } {
  const cleanups: (() => unknown)[] = [];
  let before = handles();
  let timers = trackTimers();
  beforeEach(() => {
    before = handles();
    timers = trackTimers();
  });
  afterEach(async () => {
    try {
      for (const fn of cleanups.splice(0).reverse()) await fn();
      let now = handles();
      const released = (): boolean => {
        now = handles();
        return now.sockets <= before.sockets && now.listeners <= before.listeners && timers.pending() === 0;
      };
      await waitFor(released, 2_000, 'release').catch(() => {
        throw new Error(`leaked: before ${JSON.stringify(before)}, after ${JSON.stringify(now)}, ${timers.pending()} timers pending`);
      });
    } finally {
      timers.restore();
    }
  });
  return { defer: (fn) => void cleanups.push(fn) };
}
