/**
 * The protocol end to end over real sockets on 127.0.0.1: what a caller of RpcClient and a
 * handler registered on RpcServer see.
 */
import { describe, expect, it } from 'vitest';
import { MusterError } from '../lib/index.js';
import { canRetry, RpcError } from './errors.js';
import type { RpcContext } from './server.js';
import { leakChecked, newClient, rejection, startServer, waitFor, within } from './test-support.js';

const long = { timeoutMs: 30_000 };

describe('RPC round trips', () => {
  const { defer } = leakChecked();

  async function setup(register: Parameters<typeof startServer>[0], clientOpts = {}) {
    const fx = await startServer(register);
    const { client } = newClient(clientOpts);
    defer(() => fx.listener.close());
    defer(() => client.close());
    return { ...fx, client };
  }

  it('carries a body there and a reply back, byte arrays and uint64 intact', async () => {
    let seen: RpcContext | undefined;
    const fx = await setup((s) =>
      s.register('KVS.Get', (body, ctx) => {
        seen = ctx;
        return { echo: body, n: 1 };
      }),
    );
    const body = { Key: 'a/b', Value: Uint8Array.of(0, 1, 255), Flags: 2n ** 64n - 1n, Nested: [null, true, 'x', { y: 1.5 }] };
    const reply = await fx.client.call<{ echo: typeof body; n: number }>(fx.address, 'KVS.Get', body, long);
    expect(reply).toEqual({ echo: body, n: 1 });
    expect(seen?.method).toBe('KVS.Get');
    expect(seen?.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await fx.client.call(fx.address, 'KVS.Get', undefined, long)).toEqual({ n: 1 });
  });

  it('dials from the given local address (a server calls from its bind address, as Consul)', async () => {
    let from = '';
    const fx = await setup((s) => s.register('Status.Ping', (_b, ctx) => void (from = ctx.remoteAddress)), { localAddress: '127.0.0.2' });
    await fx.client.call(fx.address, 'Status.Ping', undefined, long);
    expect(from).toMatch(/^127\.0\.0\.2:\d+$/);
  });

  it('multiplexes 1,000 concurrent calls over one connection', async () => {
    const fx = await setup((s) => s.register('Echo.Twice', async (n) => (n as number) * 2));
    const replies = await Promise.all(Array.from({ length: 1000 }, (_, i) => fx.client.call(fx.address, 'Echo.Twice', i, long)));
    expect(replies).toEqual(Array.from({ length: 1000 }, (_, i) => i * 2));
    expect(fx.client.stats()).toMatchObject({ connections: 1, dials: 1, inFlight: 0, waiting: 0 });
    expect(fx.listener.stats().accepted).toBe(1);
  });

  it('delivers replies that come back in any order to the right callers', async () => {
    const release = new Map<number, () => void>();
    const fx = await setup((s) =>
      s.register('Slow.Call', (n) => new Promise((resolve) => release.set(n as number, () => resolve(`reply ${n}`)))),
    );
    const order: number[] = [];
    const calls = [0, 1, 2, 3, 4].map((n) => fx.client.call(fx.address, 'Slow.Call', n, long).then((r) => (order.push(n), r)));
    await waitFor(() => release.size === 5, 5_000, 'all five calls at the server');
    for (const n of [3, 0, 4, 1, 2]) {
      release.get(n)!();
      await waitFor(() => order.length > [3, 0, 4, 1, 2].indexOf(n), 5_000, `reply ${n}`);
    }
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3, 4].map((n) => `reply ${n}`));
    expect(order).toEqual([3, 0, 4, 1, 2]);
  });

  it("rethrows a handler's MusterError with its code and text; other errors as ERR_INTERNAL", async () => {
    const fx = await setup((s) => {
      s.register('Session.Apply', () => {
        throw new MusterError('ERR_BAD_REQUEST', 'Missing node registration');
      });
      s.register('ACL.Read', async () => Promise.reject(new MusterError('ERR_PERMISSION_DENIED', 'Permission denied')));
      s.register('Bug.Throw', () => {
        throw new TypeError('x is not a function');
      });
      s.register('Bug.String', () => Promise.reject('plain string'));
    });
    const cases: [string, string, string][] = [
      ['Session.Apply', 'ERR_BAD_REQUEST', 'Missing node registration'],
      ['ACL.Read', 'ERR_PERMISSION_DENIED', 'Permission denied'],
      ['Bug.Throw', 'ERR_INTERNAL', 'x is not a function'],
      ['Bug.String', 'ERR_INTERNAL', 'plain string'],
      ['KVS.Get', 'ERR_RPC', "rpc: can't find service KVS.Get"],
      ['Session.Nope', 'ERR_RPC', "rpc: can't find method Session.Nope"],
      ['NoDot', 'ERR_RPC', 'rpc: service/method request ill-formed: NoDot'],
    ];
    for (const [method, code, message] of cases) {
      const err = await rejection(fx.client.call(fx.address, method, {}, long));
      expect(MusterError.is(err), method).toBe(true);
      expect(err).not.toBeInstanceOf(RpcError);
      expect({ method, code: (err as MusterError).code, message: err.message }).toEqual({ method, code, message });
    }
    expect(fx.client.stats().dials).toBe(1); // errors never cost the connection
    expect(fx.log.lines().filter((l) => l.includes('RPC handler failed'))).toHaveLength(2);
  });

  it('fails a call at its timeout, tells the handler, and keeps the connection', async () => {
    let aborted = 0;
    const fx = await setup((s) => {
      s.register('Health.Blocking', (_body, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => (aborted++, resolve('late')))));
      s.register('Status.Ping', () => 'pong');
    });
    const err = await rejection(fx.client.call(fx.address, 'Health.Blocking', {}, { timeoutMs: 50 }));
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ kind: 'timeout', sent: true, address: fx.address, code: 'ERR_RPC' });
    expect(err.message).toBe(`rpc error making call: Health.Blocking timed out after 50ms (server ${fx.address})`);
    expect(canRetry(err, true)).toBe(false);
    await waitFor(() => aborted === 1 && fx.client.stats().inFlight === 0, 5_000, 'the cancel to reach the handler');
    expect(fx.server.stats().inFlight).toBe(0);
    expect(await fx.client.call(fx.address, 'Status.Ping', {}, long)).toBe('pong');
  });

  it("fails a call when the caller's signal aborts", async () => {
    const fx = await setup((s) => s.register('Health.Blocking', (_b, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))));
    const ac = new AbortController();
    const p = fx.client.call(fx.address, 'Health.Blocking', {}, { timeoutMs: 30_000, signal: ac.signal });
    await waitFor(() => fx.server.stats().inFlight === 1, 5_000, 'the call at the server');
    ac.abort();
    expect(await within(rejection(p), 1_000)).toMatchObject({ kind: 'aborted', sent: true });
    const pre = new AbortController();
    pre.abort();
    expect(await rejection(fx.client.call(fx.address, 'Health.Blocking', {}, { timeoutMs: 1_000, signal: pre.signal }))).toMatchObject({ kind: 'aborted', sent: false });
    await waitFor(() => fx.server.stats().inFlight === 0, 5_000, 'the handler to stop');
  });

  it('queues calls beyond the in-flight bound and refuses those beyond the waiting bound', async () => {
    const release: (() => void)[] = [];
    const fx = await setup(
      (s) => {
        s.register('Slow.Call', () => new Promise<string>((resolve) => release.push(() => resolve('ok'))));
        s.register('Status.Ping', () => 'pong');
      },
      { callsInFlightMax: 2, callsWaitingMax: 2 },
    );
    await fx.client.call(fx.address, 'Status.Ping', {}, long); // connected: nothing waits on the dial
    const calls = [1, 2, 3, 4].map(() => fx.client.call(fx.address, 'Slow.Call', {}, long));
    await waitFor(() => release.length === 2, 5_000, 'two calls at the server');
    expect(fx.client.stats()).toMatchObject({ inFlight: 2, waiting: 2 });
    const refused = await rejection(fx.client.call(fx.address, 'Slow.Call', {}, long));
    expect(refused).toMatchObject({ kind: 'overloaded', sent: false });
    expect(canRetry(refused, false)).toBe(true);
    for (let done = 0; done < 4; done++) {
      await waitFor(() => release.length > done, 5_000, `call ${done + 1} at the server`);
      release[done]!();
    }
    expect(await Promise.all(calls)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(fx.server.stats().inFlight).toBe(0);
  });

  it('times out a call still queued behind the in-flight bound as never sent', async () => {
    let release: (() => void) | undefined;
    const fx = await setup(
      (s) => {
        s.register('Slow.Call', () => new Promise<string>((resolve) => (release = () => resolve('ok'))));
        s.register('Status.Ping', () => 'pong');
      },
      { callsInFlightMax: 1 },
    );
    const first = fx.client.call(fx.address, 'Slow.Call', {}, long);
    await waitFor(() => release !== undefined);
    const queued = await rejection(fx.client.call(fx.address, 'Status.Ping', {}, { timeoutMs: 30 }));
    expect(queued).toMatchObject({ kind: 'timeout', sent: false });
    expect(canRetry(queued, false)).toBe(false); // the caller's budget is spent
    release!();
    expect(await first).toBe('ok');
    expect(await fx.client.call(fx.address, 'Status.Ping', {}, long)).toBe('pong');
  });

  it("closing the server aborts its handlers' signals and fails the callers as broken", async () => {
    let aborted = false;
    const fx = await setup((s) => s.register('Health.Blocking', (_b, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve((aborted = true))))));
    const call = fx.client.call(fx.address, 'Health.Blocking', {}, long);
    await waitFor(() => fx.server.stats().inFlight === 1);
    fx.server.close();
    expect(await within(rejection(call), 2_000)).toMatchObject({ kind: 'broken', sent: true });
    expect(aborted).toBe(true);
    expect(fx.server.stats()).toMatchObject({ connections: 0, inFlight: 0 });
  });

  it('answers requests beyond its own in-flight bound with an error', async () => {
    const release: (() => void)[] = [];
    const fx = await startServer((s) => s.register('Slow.Call', () => new Promise<number>((resolve) => release.push(() => resolve(1)))), {
      server: { callsInFlightMax: 1 },
    });
    const { client } = newClient();
    defer(() => fx.listener.close());
    defer(() => client.close());
    const first = client.call(fx.address, 'Slow.Call', {}, long);
    await waitFor(() => release.length === 1);
    const err = await rejection(client.call(fx.address, 'Slow.Call', {}, long));
    expect(err).toMatchObject({ code: 'ERR_RPC', message: 'rpc: too many requests in flight on one connection (limit 1)' });
    release[0]!();
    expect(await first).toBe(1);
  });
});
