import { writeFileSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAgent } from '../cli/test-support.js';
import { ApiError, Client, goEncodeQuery, goPathEscape, parseAddress } from './index.js';

let agent: FakeAgent;
let addr: string;
let client: Client;

beforeEach(async () => {
  agent = new FakeAgent();
  addr = await agent.start();
  client = new Client({ address: addr });
});
afterEach(async () => {
  client.close();
  await agent.stop();
});

const last = () => agent.requests[agent.requests.length - 1]!;

describe('kv', () => {
  it('get: a pair with camelCase fields, Buffer value, and the query meta', async () => {
    agent.set('a/b', 'hello', 42);
    const { value, meta } = await client.kv.get('a/b');
    expect(value).toEqual({ key: 'a/b', createIndex: 11, modifyIndex: 11, lockIndex: 0, flags: 42n, value: Buffer.from('hello'), session: '' });
    expect(meta).toMatchObject({ lastIndex: 11, knownLeader: true, lastContactMs: 0 });
    expect(last().url).toBe('/v1/kv/a/b');
  });

  it('get: a missing key is null, and the 404 still carries the index', async () => {
    const { value, meta } = await client.kv.get('nope');
    expect(value).toBeNull();
    expect(meta.lastIndex).toBe(10);
  });

  it('read options: dc, stale, consistent, index, wait, token; params sorted like Go', async () => {
    await client.kv.get('k', { datacenter: 'dc2', stale: true, index: 7, waitMs: 1500, token: 'tok' });
    expect(last().url).toBe('/v1/kv/k?dc=dc2&index=7&stale=&wait=1500ms');
    expect(last().headers['x-consul-token']).toBe('tok');
    await client.kv.list('p', { consistent: true });
    expect(last().url).toBe('/v1/kv/p?consistent=&recurse=');
  });

  it('list, keys with separator, raw', async () => {
    agent.set('p/a', '1');
    agent.set('p/b/c', '2');
    agent.set('q', '3');
    expect((await client.kv.list('p/')).value.map((p) => p.key)).toEqual(['p/a', 'p/b/c']);
    expect((await client.kv.list('zzz')).value).toEqual([]);
    expect((await client.kv.keys('p/', '/')).value).toEqual(['p/a', 'p/b/']);
    expect(last().url).toBe('/v1/kv/p/?keys=&separator=%2F');
    expect((await client.kv.keys('')).value).toEqual(['p/a', 'p/b/c', 'q']);
    expect((await client.kv.getRaw('q')).value).toEqual(Buffer.from('3'));
    expect((await client.kv.getRaw('nope')).value).toBeNull();
  });

  it('put: body, flags, cas, acquire, release; answers true/false', async () => {
    expect(await client.kv.put('k', Buffer.from([0, 255]), { flags: 18446744073709551615n })).toBe(true);
    expect(last()).toMatchObject({ method: 'PUT', url: '/v1/kv/k?flags=18446744073709551615' });
    expect(last().body).toEqual(Buffer.from([0, 255]));
    expect(await client.kv.put('k', 'x', { cas: 1 })).toBe(false);
    expect(last().url).toBe('/v1/kv/k?cas=1');
    expect(await client.kv.put('l', 'x', { acquire: 's1' })).toBe(true);
    expect(await client.kv.put('l', '', { release: 's1' })).toBe(true);
    expect(last().url).toBe('/v1/kv/l?release=s1');
    await expect(client.kv.put('/k', 'x')).rejects.toThrow("Invalid key. Key must not begin with a '/': /k");
  });

  it('delete: plain, recurse, cas', async () => {
    agent.set('d/1', 'x');
    expect(await client.kv.delete('d/', { recurse: true })).toBe(true);
    expect(last()).toMatchObject({ method: 'DELETE', url: '/v1/kv/d/?recurse=' });
    expect(await client.kv.delete('x', { cas: 99 })).toBe(false);
    expect(last().url).toBe('/v1/kv/x?cas=99');
  });

  it('keys are escaped as Go escapes paths', async () => {
    await client.kv.get('a b?c#d%/ü:@');
    expect(last().url).toBe('/v1/kv/a%20b%3Fc%23d%25/%C3%BC:@');
  });
});

describe('errors, worded as the Go client words them', () => {
  it('a write gets the status and the plain-text body', async () => {
    agent.override = () => ({ status: 500, body: 'No cluster leader' });
    const e = await client.kv.put('k', 'v').catch((x: unknown) => x);
    expect(ApiError.is(e)).toBe(true);
    expect(e).toMatchObject({ code: 'ERR_API_STATUS', statusCode: 500, body: 'No cluster leader', message: 'Unexpected response code: 500 (No cluster leader)' });
  });

  it('a KV read gets the status only (api/kv.go getInternal)', async () => {
    agent.override = () => ({ status: 500, body: 'No cluster leader' });
    await expect(client.kv.get('k')).rejects.toThrow(/^Unexpected response code: 500$/);
  });

  it('connection refused', async () => {
    const port = (agent as unknown as { server: http.Server }).server.address() as AddressInfo;
    await agent.stop();
    const e = await client.kv.get('k', { stale: true }).catch((x: unknown) => x);
    expect(e).toMatchObject({
      code: 'ERR_API_TRANSPORT',
      message: `Get "http://127.0.0.1:${port.port}/v1/kv/k?stale=": dial tcp 127.0.0.1:${port.port}: connect: connection refused`,
    });
  });

  it('config errors: unknown scheme, unreadable token file', () => {
    expect(() => new Client({ address: 'ftp://x' })).toThrow('Unknown protocol scheme: ftp');
    expect(() => new Client({ tokenFile: '/nonexistent/t' })).toThrow('Error loading token file: open /nonexistent/t: no such file or directory');
  });

  it('a token file wins over a token when non-empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'muster-api-'));
    writeFileSync(join(dir, 't'), ' from-file\n');
    const c = new Client({ address: addr, token: 'plain', tokenFile: join(dir, 't') });
    await c.kv.get('k');
    c.close();
    expect(last().headers['x-consul-token']).toBe('from-file');
  });
});

describe('timeouts, abort, keep-alive', () => {
  it('a request past its deadline fails with ERR_API_TIMEOUT', async () => {
    const silent = http.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const c = new Client({ address: `127.0.0.1:${(silent.address() as AddressInfo).port}`, timeoutMs: 50 });
    await expect(c.kv.get('k')).rejects.toMatchObject({ code: 'ERR_API_TIMEOUT' });
    c.close();
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
  });

  it('an AbortSignal ends a request', async () => {
    const silent = http.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const c = new Client({ address: `127.0.0.1:${(silent.address() as AddressInfo).port}` });
    const ac = new AbortController();
    const p = c.kv.get('k', { index: 5, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'ERR_API_ABORTED' });
    await expect(c.kv.get('k', { signal: ac.signal })).rejects.toMatchObject({ code: 'ERR_API_ABORTED' });
    c.close();
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
  });

  it('a blocking query gets wait + wait/16 + slack as its deadline', () => {
    expect(client.queryTimeoutMs({ index: 3, waitMs: 16_000 })).toBe(16_000 + 1_000 + 15_000);
    expect(client.queryTimeoutMs({ index: 3 })).toBe(300_000 + 18_750 + 15_000);
    expect(client.queryTimeoutMs({})).toBeUndefined();
  });

  it('reuses one connection across requests', async () => {
    const server = (agent as unknown as { server: http.Server }).server;
    let connections = 0;
    server.on('connection', () => connections++);
    for (let i = 0; i < 5; i++) await client.kv.get('k');
    expect(connections).toBe(1);
  });
});

describe('agent and status', () => {
  it('self, members, leave, leader, peers', async () => {
    const self = await client.agent.self();
    expect(self.config.datacenter).toBe('dc1');
    expect(self.stats?.['build']).toEqual({ version: '1.8.7' });
    agent.override = (r) =>
      r.path === '/v1/agent/members'
        ? { status: 200, body: JSON.stringify([{ Name: 'n1', Addr: '10.0.0.1', Port: 8301, Tags: { role: 'consul' }, Status: 1, ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4 }]) }
        : undefined;
    expect(await client.agent.members({ wan: true })).toEqual([
      { name: 'n1', addr: '10.0.0.1', port: 8301, tags: { role: 'consul' }, status: 1, protocolMin: 1, protocolMax: 5, protocolCur: 2, delegateMin: 2, delegateMax: 5, delegateCur: 4 },
    ]);
    expect(last().url).toBe('/v1/agent/members?wan=1');
    await client.agent.leave();
    expect(last()).toMatchObject({ method: 'PUT', url: '/v1/agent/leave' });
    expect(last().headers['content-length']).toBe('0');
    expect(await client.status.leader()).toBe('127.0.0.1:8300');
    expect(await client.status.peers()).toEqual(['127.0.0.1:8300']);
  });
});

describe('url helpers', () => {
  it('parseAddress', () => {
    expect(parseAddress('127.0.0.1:8500', 'http')).toMatchObject({ scheme: 'http', host: '127.0.0.1', port: 8500 });
    expect(parseAddress('https://h', 'http')).toMatchObject({ scheme: 'https', host: 'h', port: 443 });
    expect(parseAddress('[::1]:1', 'http')).toMatchObject({ host: '::1', port: 1 });
    expect(parseAddress('unix:///tmp/s', 'http')).toMatchObject({ socketPath: '/tmp/s', urlHost: '%2Ftmp%2Fs' });
  });
  it('Go escaping', () => {
    expect(goPathEscape('/v1/kv/a b!*')).toBe('/v1/kv/a%20b%21%2A');
    expect(goEncodeQuery([['wait', '1s'], ['dc', 'a b&c'], ['dc', 'z']])).toBe('dc=a+b%26c&dc=z&wait=1s');
  });
});
