/**
 * A client agent's forwarding, in process but over the real RPC transport: an HTTP API whose
 * ServerApi is a RemoteServer calling a Server through an RpcClient and an RpcListener on
 * 127.0.0.1. The same requests must get the same answers as from the server itself (errors
 * worded as Consul's client words them), blocking queries must block across the hop, and
 * failover, retry safety and "No known Consul servers" must behave as Consul's client.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'light-my-request';
import { harness, type Harness } from '../http/test-harness.js';
import { CaptureLogger, MusterError, SeededRng, type Clock } from '../lib/index.js';
import { RpcClient, RpcError, RpcListener, RpcServer, RpcType } from '../rpc/index.js';
import { RemoteServer, noServersText, type RpcCaller } from './remote.js';
import { registerServerEndpoints } from './rpc-methods.js';
import { ServerRouter } from './router.js';

const realClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Remote {
  h: Harness;
  client: RpcClient;
  remote: RemoteServer;
  router: ServerRouter;
  rpcServer: RpcServer;
  log: CaptureLogger;
}

async function remoteHarness(opts: { holdTimeoutMs?: number } = {}): Promise<Remote> {
  const log = new CaptureLogger();
  const router = new ServerRouter(new SeededRng(7));
  const client = new RpcClient({ logger: log.logger });
  const remote = new RemoteServer({
    datacenter: 'dc1',
    router,
    rpc: client,
    clock: realClock,
    rng: new SeededRng(3),
    logger: log.logger,
    holdTimeoutMs: opts.holdTimeoutMs ?? 500,
  });
  const h = harness({ front: () => remote });
  const listener = new RpcListener({ logger: log.logger });
  const rpcServer = new RpcServer({ logger: log.logger });
  registerServerEndpoints(rpcServer, h.server);
  listener.handle(RpcType.rpc, rpcServer.accept);
  const port = await listener.listen('127.0.0.1', 0);
  router.upsert({ name: 's1', address: `127.0.0.1:${port}` });
  cleanups.push(() => client.close(), () => listener.close(), () => h.server.close());
  return { h, client, remote, router, rpcServer, log };
}

/** A port on 127.0.0.1 that nothing listens on. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

const session = '{"Name":"s","LockDelay":"0s"}';
/** Requests a client agent forwards, in order, touching every method group. */
const registerN1: InjectOptions & { url: string } = { method: 'PUT', url: '/v1/catalog/register', payload: JSON.stringify({ Node: 'n1', Address: '10.0.0.1', Check: { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' } }) };
const script: Array<InjectOptions & { url: string }> = [
  registerN1,
  { method: 'PUT', url: '/v1/kv/app/config?flags=18446744073709551615', payload: 'hello' },
  { method: 'PUT', url: '/v1/kv/app/db/url', payload: 'postgres://' },
  { method: 'GET', url: '/v1/kv/app/config' },
  { method: 'GET', url: '/v1/kv/app?recurse' },
  { method: 'GET', url: '/v1/kv/app/?keys&separator=/' },
  { method: 'GET', url: '/v1/kv/missing' },
  { method: 'PUT', url: '/v1/kv/app/config?cas=1', payload: 'stale' },
  { method: 'DELETE', url: '/v1/kv/app/db?recurse' },
  {
    method: 'PUT',
    url: '/v1/catalog/register',
    payload: JSON.stringify({
      Node: 'web1',
      Address: '10.0.0.5',
      NodeMeta: { rack: 'r1' },
      Service: { Service: 'web', Tags: ['v1', 'Blue'], Port: 80, Meta: { a: 'b' } },
      Checks: [{ CheckID: 'web-alive', Name: 'alive', Status: 'passing', ServiceID: 'web' }],
    }),
  },
  { method: 'GET', url: '/v1/catalog/nodes' },
  { method: 'GET', url: '/v1/catalog/nodes?node-meta=rack:r1' },
  { method: 'GET', url: '/v1/catalog/services' },
  { method: 'GET', url: '/v1/catalog/service/web?tag=blue' },
  { method: 'GET', url: '/v1/catalog/node/web1' },
  { method: 'GET', url: '/v1/health/node/web1' },
  { method: 'GET', url: '/v1/health/checks/web' },
  { method: 'GET', url: '/v1/health/state/passing' },
  { method: 'GET', url: '/v1/health/service/web?passing' },
  { method: 'PUT', url: '/v1/session/create', payload: session },
  { method: 'GET', url: '/v1/session/list' },
  { method: 'GET', url: '/v1/session/node/n1' },
  { method: 'PUT', url: '/v1/txn', payload: JSON.stringify([{ KV: { Verb: 'set', Key: 't/1', Value: 'AQ==' } }, { KV: { Verb: 'get', Key: 'app/config' } }]) },
  { method: 'PUT', url: '/v1/txn', payload: JSON.stringify([{ KV: { Verb: 'get', Key: 't/1' } }]) },
  { method: 'PUT', url: '/v1/txn', payload: JSON.stringify([{ KV: { Verb: 'check-index', Key: 't/1', Index: 1 } }]) },
  { method: 'PUT', url: '/v1/catalog/deregister', payload: JSON.stringify({ Node: 'web1', ServiceID: 'web' }) },
  { method: 'GET', url: '/v1/status/leader' },
  { method: 'GET', url: '/v1/status/peers' },
  { method: 'GET', url: '/v1/catalog/datacenters' },
];

describe('a client agent forwarding to a server over RPC', () => {
  it('answers every request of the script exactly as the server itself does', async () => {
    const direct = harness();
    cleanups.push(() => direct.server.close());
    const { h } = await remoteHarness();
    for (const req of script) {
      const a = await direct.request(req);
      const b = await h.request(req);
      const what = `${req.method} ${req.url}`;
      expect({ what, status: b.statusCode, body: b.body }).toEqual({ what, status: a.statusCode, body: a.body });
      for (const header of ['x-consul-index', 'x-consul-knownleader', 'content-type']) {
        expect({ what, header, value: b.headers[header] }).toEqual({ what, header, value: a.headers[header] });
      }
    }
  });

  it('brings a long list back in parts, whole and in order', async () => {
    const { h, client, rpcServer } = await remoteHarness();
    const n = 3_000;
    for (let i = 0; i < n; i++) {
      await h.server.kvApply('', { op: 'set', key: `big/${String(i).padStart(5, '0')}`, value: new TextEncoder().encode(`v${i}`), flags: 0n, index: 0, session: '' });
    }
    const recurse = await h.request({ method: 'GET', url: '/v1/kv/big/?recurse' });
    const keys = await h.request({ method: 'GET', url: '/v1/kv/big/?keys' });
    expect([recurse.statusCode, keys.statusCode]).toEqual([200, 200]);
    const entries = JSON.parse(recurse.body) as Array<{ Key: string; Value: string }>;
    expect(entries.length).toBe(n);
    expect(entries[n - 1]).toMatchObject({ Key: 'big/02999', Value: Buffer.from('v2999').toString('base64') });
    expect(JSON.parse(keys.body)).toEqual(entries.map((e) => e.Key));
    const direct = await h.server.kvList('big/', { datacenter: '', consistency: 'default', minIndex: 0, waitMs: 0 });
    expect(recurse.headers['x-consul-index']).toBe(String(direct.meta.index));
    expect(rpcServer.counts.listParts).toBeGreaterThanOrEqual(2 * 3);
    // KV lists go on their own connection (the bulk lane); a write then dials the usual one.
    expect(client.stats()).toMatchObject({ connections: 1, dials: 1 });
    expect((await h.request({ method: 'PUT', url: '/v1/kv/other', payload: 'x' })).statusCode).toBe(200);
    expect(client.stats()).toMatchObject({ connections: 2, dials: 2 });
  });

  it('renews a session and reports a missing one as the server does', async () => {
    const { h } = await remoteHarness();
    await h.request(registerN1);
    const created = await h.request({ method: 'PUT', url: '/v1/session/create', payload: '{"TTL":"15s"}' });
    const id = (JSON.parse(created.body) as { ID: string }).ID;
    const renewed = await h.request({ method: 'PUT', url: `/v1/session/renew/${id}` });
    expect(renewed.statusCode).toBe(200);
    expect((JSON.parse(renewed.body) as Array<{ ID: string; TTL: string }>)[0]).toMatchObject({ ID: id, TTL: '15s' });
    const missing = await h.request({ method: 'PUT', url: '/v1/session/renew/00000000-0000-0000-0000-000000000000' });
    expect([missing.statusCode, missing.body]).toEqual([404, "Session id '00000000-0000-0000-0000-000000000000' not found"]);
  });

  it('words a server error as a Consul client does, keeping its status', async () => {
    const { h } = await remoteHarness();
    const lock = await h.request({ method: 'PUT', url: '/v1/kv/k?acquire=abc', payload: 'x' });
    expect([lock.statusCode, lock.body]).toEqual([500, 'rpc error making call: failed session lookup: index error: UUID must be 36 characters']);
    const dc = await h.request('/v1/kv/k?dc=dc9');
    expect([dc.statusCode, dc.body]).toEqual([500, 'rpc error making call: No path to datacenter']);
    const ttl = await h.request({ method: 'PUT', url: '/v1/session/create', payload: '{"TTL":"1s"}' });
    expect([ttl.statusCode, ttl.body]).toEqual([500, "rpc error making call: Invalid Session TTL '1000000000', must be between [10s=24h0m0s]"]);
  });

  it('holds a blocking query across the hop until a write wakes it', async () => {
    const { h, remote } = await remoteHarness();
    await h.request({ method: 'PUT', url: '/v1/kv/watched', payload: 'v1' });
    const first = await h.request('/v1/kv/watched');
    const index = Number(first.headers['x-consul-index']);
    let settled = false;
    const blocked = h.request(`/v1/kv/watched?index=${index}&wait=5m`).then((r) => {
      settled = true;
      return r;
    });
    // A round trip after the blocking call was sent: it is now waiting on the server.
    await remote.statusLeader();
    expect(settled).toBe(false);
    await h.request({ method: 'PUT', url: '/v1/kv/watched', payload: 'v2' });
    const woken = await blocked;
    expect(Number(woken.headers['x-consul-index'])).toBeGreaterThan(index);
    expect(Buffer.from((JSON.parse(woken.body) as Array<{ Value: string }>)[0]!.Value, 'base64').toString()).toBe('v2');
  });

  it('cancels the server side of a blocking query when its caller gives up', async () => {
    const { remote, rpcServer } = await remoteHarness();
    const ac = new AbortController();
    const pending = remote.kvGet('never', { datacenter: '', consistency: 'default', minIndex: 1_000, waitMs: 600_000, signal: ac.signal });
    await remote.statusLeader();
    expect(rpcServer.stats().inFlight).toBe(1);
    ac.abort();
    await expect(pending).rejects.toThrow();
    for (let i = 0; i < 200 && rpcServer.stats().inFlight > 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(rpcServer.stats().inFlight).toBe(0);
  });

  it('says "No known Consul servers" when it knows none', async () => {
    const { h, router } = await remoteHarness();
    router.remove('s1');
    const r = await h.request('/v1/kv/anything');
    expect([r.statusCode, r.body]).toEqual([500, noServersText]);
  });

  it('fails over to the next server when one cannot be reached, and keeps using the good one', async () => {
    const { h, router, log } = await remoteHarness();
    const live = router.find()!;
    router.remove('s1');
    router.upsert({ name: 'dead', address: `127.0.0.1:${await deadPort()}` });
    router.upsert({ name: 's1', address: live.address });
    while (router.find()!.name !== 'dead') router.rebalance();
    const r = await h.request({ method: 'PUT', url: '/v1/kv/x', payload: 'y' });
    expect(r.body).toBe('true');
    expect(router.find()!.name).toBe('s1');
    expect(log.lines().some((l) => l.startsWith('[ERROR] RPC failed to server'))).toBe(true);
  });

  it('gives up after rpc_hold_timeout when no server answers, with the transport error', async () => {
    const { h, router } = await remoteHarness({ holdTimeoutMs: 300 });
    router.remove('s1');
    router.upsert({ name: 'dead', address: `127.0.0.1:${await deadPort()}` });
    const started = performance.now();
    const r = await h.request('/v1/kv/x');
    expect(r.statusCode).toBe(500);
    expect(r.body).toMatch(/^rpc error getting client: failed to get conn: dial tcp 127\.0\.0\.1:\d+: connect: connection refused/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  });
});

describe('RemoteServer retry safety (Consul canRetry)', () => {
  function scripted(failures: unknown[]): { rpc: RpcCaller; calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      rpc: {
        call: async <T,>(address: string): Promise<T> => {
          calls.push(address);
          const f = failures.shift();
          if (f) throw f;
          return true as T;
        },
      },
    };
  }

  function remoteOver(rpc: RpcCaller): { remote: RemoteServer; reconnects: () => number } {
    const router = new ServerRouter(new SeededRng(1));
    router.upsert({ name: 'a', address: 'a:8300' });
    router.upsert({ name: 'b', address: 'b:8300' });
    const remote = new RemoteServer({ datacenter: 'dc1', router, rpc, clock: realClock, rng: new SeededRng(2), logger: new CaptureLogger().logger, holdTimeoutMs: 2_000 });
    let n = 0;
    remote.onReconnect = () => n++;
    return { remote, reconnects: () => n };
  }

  const brokenAfterSend = (addr: string): RpcError => new RpcError('broken', addr, true, 'EOF');

  it('does not send a write again after the connection broke with the request on it', async () => {
    const { rpc, calls } = scripted([brokenAfterSend('a:8300')]);
    const { remote } = remoteOver(rpc);
    await expect(remote.kvApply('', { op: 'set', key: 'k', value: null, flags: 0n, cas: 0, session: '' } as never)).rejects.toThrow('rpc error making call: EOF');
    expect(calls).toHaveLength(1);
  });

  it('sends a read again, to the other server, and reports the reconnection once', async () => {
    const { rpc, calls } = scripted([brokenAfterSend('a:8300')]);
    const { remote, reconnects } = remoteOver(rpc);
    await remote.statusPeers();
    expect(calls).toHaveLength(2);
    expect(calls[0]).not.toBe(calls[1]);
    expect(reconnects()).toBe(1);
    await remote.statusPeers();
    expect(reconnects()).toBe(1);
  });

  it('passes a handler error through at once, with its code', async () => {
    const { rpc, calls } = scripted([new MusterError('ERR_BAD_REQUEST', 'Must provide key')]);
    const { remote } = remoteOver(rpc);
    const err = await remote.statusLeader().catch((e: unknown) => e);
    expect(MusterError.is(err) && [err.code, err.message]).toEqual(['ERR_BAD_REQUEST', 'rpc error making call: Must provide key']);
    expect(calls).toHaveLength(1);
  });
});

describe('server endpoints check what arrives', () => {
  it('refuses a malformed request with a message naming the field', async () => {
    const { router } = await remoteHarness();
    const client = new RpcClient({ logger: new CaptureLogger().logger });
    cleanups.push(() => client.close());
    const address = router.find()!.address;
    const call = (method: string, body: unknown): Promise<unknown> => client.call(address, method, body, { timeoutMs: 5_000 });
    await expect(call('KVS.Get', { args: [5], opts: { dc: '', consistency: 'default', minIndex: 0, waitMs: 0 } })).rejects.toThrow('rpc: bad request: key must be a string');
    await expect(call('KVS.Get', { args: ['k'] })).rejects.toThrow('rpc: bad request: missing read options');
    await expect(call('KVS.Get', { args: ['k'], opts: { dc: '', consistency: 'eventual', minIndex: 0, waitMs: 0 } })).rejects.toThrow('rpc: bad request: unknown consistency eventual');
    await expect(call('Catalog.Register', { args: ['', { node: 'x' }] })).rejects.toThrow('rpc: bad request: node must be a map');
    await expect(call('KVS.Nope', { args: [] })).rejects.toThrow("rpc: can't find method KVS.Nope");
  });
});
