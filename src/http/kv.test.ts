import { Agent, createServer, request } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { harness } from './test-harness.js';
import { emptyCheckDefinition } from '../state/index.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('/v1/kv', () => {
  it('stores a value and returns it as Consul does, with the blocking headers', async () => {
    const h = harness();
    const put = await h.request({ method: 'PUT', url: '/v1/kv/hello?flags=42', payload: 'World' });
    expect([put.statusCode, put.body]).toEqual([200, 'true']);
    const get = await h.request('/v1/kv/hello');
    expect(get.statusCode).toBe(200);
    expect(get.headers['content-type']).toBe('application/json');
    expect(get.headers['x-consul-index']).toBe('2');
    expect(get.headers['x-consul-knownleader']).toBe('true');
    expect(get.headers['x-consul-lastcontact']).toBe('0');
    expect(get.body).toBe(`[{"LockIndex":0,"Key":"hello","Flags":42,"Value":"${b64('World')}","CreateIndex":2,"ModifyIndex":2}]`);
    const raw = await h.request('/v1/kv/hello?raw');
    expect([raw.body, raw.headers['content-type'], raw.headers['x-content-type-options']]).toEqual(['World', 'text/plain', 'nosniff']);
  });

  it('keeps uint64 flags exact (the Go lock and semaphore magic values exceed 2^53), through PUT and /v1/txn', async () => {
    const h = harness();
    const semaphoreFlag = '16210313421097356768';
    expect((await h.request({ method: 'PUT', url: `/v1/kv/s/.lock?flags=${semaphoreFlag}`, payload: 'x' })).body).toBe('true');
    expect((await h.request('/v1/kv/s/.lock')).body).toContain(`"Flags":${semaphoreFlag},`);
    const lockFlag = '3304740253564472344';
    const txn = `[{"KV":{"Verb":"set","Key":"l","Value":"eA==","Flags":${lockFlag}}}]`;
    expect((await h.request({ method: 'PUT', url: '/v1/txn', payload: txn })).statusCode).toBe(200);
    expect((await h.request('/v1/kv/l')).body).toContain(`"Flags":${lockFlag},`);
    expect((await h.request({ method: 'PUT', url: '/v1/kv/x?flags=18446744073709551616', payload: '' })).body).toContain('value out of range');
  });

  it('answers a missing key with 404 and an index to block on', async () => {
    const h = harness();
    await h.request({ method: 'PUT', url: '/v1/kv/other', payload: 'x' });
    const r = await h.request('/v1/kv/missing');
    expect([r.statusCode, r.body, r.headers['x-consul-index']]).toEqual([404, '', '2']);
  });

  it('stores an empty body as a null value', async () => {
    const h = harness();
    await h.request({ method: 'PUT', url: '/v1/kv/empty' });
    expect(JSON.parse((await h.request('/v1/kv/empty')).body)[0].Value).toBeNull();
  });

  it('lists recursively, lists keys with a separator, and 404s an empty prefix', async () => {
    const h = harness();
    for (const k of ['app/a', 'app/b/c', 'app/b/d', 'web']) await h.request({ method: 'PUT', url: `/v1/kv/${k}`, payload: k });
    const list = JSON.parse((await h.request('/v1/kv/app/?recurse')).body) as Array<{ Key: string }>;
    expect(list.map((e) => e.Key)).toEqual(['app/a', 'app/b/c', 'app/b/d']);
    expect(JSON.parse((await h.request('/v1/kv/app/?keys&separator=/')).body)).toEqual(['app/a', 'app/b/']);
    expect(JSON.parse((await h.request('/v1/kv/?keys&seperator=/')).body)).toEqual(['app/', 'web']);
    expect((await h.request('/v1/kv/nothing/?recurse')).statusCode).toBe(404);
    expect((await h.request('/v1/kv/nothing/?keys')).statusCode).toBe(404);
    expect((await harness().request('/v1/kv/?keys')).body).toBe('[]');
  });

  it('does check-and-set on PUT and DELETE', async () => {
    const h = harness();
    // every write takes a log index, refused ones too: 2 created, 3 refused, 4 updated
    expect((await h.request({ method: 'PUT', url: '/v1/kv/k?cas=0', payload: 'a' })).body).toBe('true');
    expect((await h.request({ method: 'PUT', url: '/v1/kv/k?cas=0', payload: 'b' })).body).toBe('false');
    expect((await h.request({ method: 'PUT', url: '/v1/kv/k?cas=2', payload: 'c' })).body).toBe('true');
    expect((await h.request({ method: 'DELETE', url: '/v1/kv/k?cas=2' })).body).toBe('false');
    expect((await h.request({ method: 'DELETE', url: '/v1/kv/k?cas=4' })).body).toBe('true');
    expect((await h.request('/v1/kv/k')).statusCode).toBe(404);
  });

  it('deletes a tree', async () => {
    const h = harness();
    for (const k of ['t/a', 't/b', 'u']) await h.request({ method: 'PUT', url: `/v1/kv/${k}`, payload: 'v' });
    expect((await h.request({ method: 'DELETE', url: '/v1/kv/t/?recurse' })).body).toBe('true');
    expect(JSON.parse((await h.request('/v1/kv/?keys')).body)).toEqual(['u']);
  });

  it('rejects bad input with Consul’s texts and changes nothing', async () => {
    const h = harness();
    const cases: Array<[string, string, number, string]> = [
      ['PUT', '/v1/kv/', 400, 'Missing key name'],
      ['GET', '/v1/kv/', 400, 'Missing key name'],
      ['DELETE', '/v1/kv/', 400, 'Missing key name'],
      ['PUT', '/v1/kv/k?cas=1&acquire=s', 400, 'Conflicting flags: acquire=s&cas=1'],
      ['DELETE', '/v1/kv/k?recurse&cas=1', 400, 'Conflicting flags: cas=1&recurse='],
      ['GET', '/v1/kv/k?index=abc', 400, 'Invalid index'],
      ['GET', '/v1/kv/k?wait=forever', 400, 'Invalid wait time'],
      ['GET', '/v1/kv/k?stale&consistent', 400, 'Cannot specify ?stale with ?consistent, conflicting semantics.'],
      ['GET', '/v1/kv/k?dc=dc9', 500, 'No path to datacenter'],
      ['PUT', '/v1/kv/k?flags=abc', 500, 'strconv.ParseUint: parsing "abc": invalid syntax'],
      ['POST', '/v1/kv/k', 405, 'method POST not allowed'],
    ];
    for (const [method, url, status, body] of cases) {
      const r = await h.request({ method: method as 'GET', url, payload: 'x' });
      expect([method, url, r.statusCode, r.body]).toEqual([method, url, status, body]);
    }
    expect((await h.request({ method: 'POST', url: '/v1/kv/k' })).headers['allow']).toBe('OPTIONS,GET,PUT,DELETE');
    // OPTIONS is answered by Consul's endpoint wrapper: 200, the methods in Allow, no body.
    const options = await h.request({ method: 'OPTIONS', url: '/v1/kv/k' });
    expect([options.statusCode, options.headers['allow'], options.body]).toEqual([200, 'OPTIONS,GET,PUT,DELETE', '']);
    expect(h.store.latestIndex).toBe(1);
  });

  it('refuses a value over 512 KiB with 413 and accepts exactly 512 KiB', async () => {
    const h = harness();
    const max = 512 * 1024;
    const big = await h.request({ method: 'PUT', url: '/v1/kv/big', payload: Buffer.alloc(max + 1, 97) });
    expect(big.statusCode).toBe(413);
    expect(big.body).toContain(`Request body(${max + 1} bytes) too large, max size: ${max} bytes.`);
    expect((await h.request('/v1/kv/big')).statusCode).toBe(404);
    const ok = await h.request({ method: 'PUT', url: '/v1/kv/big', payload: Buffer.alloc(max, 97) });
    expect(ok.statusCode).toBe(200);
  });

  it('blocks a GET until the key changes', async () => {
    const h = harness();
    await h.request({ method: 'PUT', url: '/v1/kv/w', payload: '1' });
    let done = false;
    const pending = h.request('/v1/kv/w?index=2&wait=1m').then((r) => {
      done = true;
      return r;
    });
    await h.request({ method: 'PUT', url: '/v1/kv/other', payload: 'x' });
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    await h.request({ method: 'PUT', url: '/v1/kv/w', payload: '2' });
    const r = await pending;
    expect(r.headers['x-consul-index']).toBe('4');
    expect(JSON.parse(r.body)[0].Value).toBe(b64('2'));
  });

  it('blocks on a missing key until it appears', async () => {
    const h = harness();
    const pending = h.request('/v1/kv/later?index=1');
    await h.request({ method: 'PUT', url: '/v1/kv/later', payload: 'here' });
    const r = await pending;
    expect([r.statusCode, JSON.parse(r.body)[0].Key]).toEqual([200, 'later']);
  });

  it('returns the unchanged index when the wait runs out', async () => {
    const h = harness();
    await h.request({ method: 'PUT', url: '/v1/kv/w', payload: '1' });
    const pending = h.request('/v1/kv/w?index=2&wait=10s');
    await new Promise((r) => setImmediate(r));
    h.clock.advance(10_000 + 10_000 / 16);
    const r = await pending;
    expect([r.statusCode, r.headers['x-consul-index']]).toEqual([200, '2']);
    expect(h.store.watchCount()).toBe(0);
  });

  it('wakes a recursive watch on a delete under the prefix and never moves its index back', async () => {
    const h = harness();
    await h.request({ method: 'PUT', url: '/v1/kv/p/a', payload: '1' });
    await h.request({ method: 'PUT', url: '/v1/kv/p/b', payload: '1' });
    const pending = h.request('/v1/kv/p/?recurse&index=3');
    await h.request({ method: 'DELETE', url: '/v1/kv/p/b' });
    const r = await pending;
    expect(r.headers['x-consul-index']).toBe('4');
    expect(JSON.parse(r.body)).toHaveLength(1);
  });
});

describe('HTTP routing', () => {
  it('404s unknown paths, redirects unclean ones and pretty-prints on request', async () => {
    const h = harness();
    const nf = await h.request('/v1/nope');
    expect([nf.statusCode, nf.body]).toEqual([404, '']);
    const redirect = await h.request('/v1/kv//a?raw');
    expect([redirect.statusCode, redirect.headers['location']]).toEqual([301, '/v1/kv/a?raw']);
    // As Consul (Go's ServeMux): a subtree's root without its slash is redirected, and a GET
    // gets http.Redirect's little HTML body; a PUT gets none.
    const root = await h.request('/v1/kv?recurse&x=1');
    expect([root.statusCode, root.headers['location'], root.headers['content-type'], root.body]).toEqual([
      301,
      '/v1/kv/?recurse&x=1',
      'text/html; charset=utf-8',
      '<a href="/v1/kv/?recurse&amp;x=1">Moved Permanently</a>.\n\n',
    ]);
    const put = await h.request({ method: 'PUT', url: '/v1/kv' });
    expect([put.statusCode, put.headers['location'], put.body]).toEqual([301, '/v1/kv/', '']);
    const pretty = await h.request('/v1/status/peers?pretty');
    expect(pretty.body).toBe('[\n    "127.0.0.1:8300"\n]\n');
    expect((await h.request('/v1/status/leader')).body).toBe('"127.0.0.1:8300"');
  });

  it("escapes HTML characters as Go's JSON encoder does", async () => {
    const h = harness();
    await h.request({ method: 'PUT', url: '/v1/kv/a%3Cb%3E%26', payload: 'x' });
    expect((await h.request('/v1/kv/?keys')).body).toBe('["a\\u003cb\\u003e\\u0026"]');
  });
});

describe('tombstones', () => {
  it('are reaped after the TTL, after which a prefix may report a lower index', async () => {
    const h = harness();
    await h.request({ method: 'PUT', url: '/v1/kv/p/a', payload: '1' });
    await h.request({ method: 'PUT', url: '/v1/kv/p/b', payload: '1' });
    await h.request({ method: 'DELETE', url: '/v1/kv/p/b' });
    expect([...h.store.state.tombstones.entries()]).toEqual([['p/b', 4]]);
    expect((await h.request('/v1/kv/p/?recurse')).headers['x-consul-index']).toBe('4');
    h.clock.advance(15 * 60_000 + 30_000);
    await new Promise((r) => setImmediate(r));
    expect(h.store.state.tombstones.size).toBe(0);
    expect((await h.request('/v1/kv/p/?recurse')).headers['x-consul-index']).toBe('2');
  });
});

describe('/v1/health/node', () => {
  it("lists a node's checks as Consul does", async () => {
    const h = harness();
    h.log.applySync({
      type: 'register',
      req: {
        node: { id: 'i', node: 'n1', address: '10.0.0.1', datacenter: 'dc1', taggedAddresses: {}, meta: {} },
        skipNodeUpdate: false,
        checks: [{ node: 'n1', checkID: 'serfHealth', name: 'Serf Health Status', status: 'passing', notes: '', output: 'Agent alive and reachable', serviceID: '', type: '', definition: emptyCheckDefinition() }],
      },
    });
    const r = await h.request('/v1/health/node/n1');
    expect(r.headers['x-consul-index']).toBe('2');
    expect(JSON.parse(r.body)).toEqual([
      { Node: 'n1', CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing', Notes: '', Output: 'Agent alive and reachable', ServiceID: '', ServiceName: '', ServiceTags: [], Type: '', Definition: {}, CreateIndex: 2, ModifyIndex: 2 },
    ]);
    expect((await h.request('/v1/health/node/other')).body).toBe('[]');
  });
});

describe('blocking requests on one keep-alive connection', () => {
  it('leave no listeners behind on the socket', async () => {
    const h = harness();
    const srv = createServer((req, res) => void h.api.handleNode(req, res));
    let serverSocket: Socket | undefined;
    srv.on('connection', (s) => (serverSocket = s));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', reject);
        req.end();
      });
    await h.request({ method: 'PUT', url: '/v1/kv/k', payload: 'v' });
    await get('/v1/kv/k?index=1');
    const baseline = serverSocket!.listenerCount('close');
    for (let i = 0; i < 20; i++) await get('/v1/kv/k?index=1');
    expect(serverSocket!.listenerCount('close')).toBe(baseline);
    agent.destroy();
    await new Promise((r) => srv.close(r));
  });
});

describe('/v1/kv long lists', () => {
  it('streams a recurse or keys answer of thousands of entries with the same JSON, plain and gzipped', async () => {
    const h = harness();
    const n = 2_500; // over jsonListStreamMin
    for (let i = 0; i < n; i++) await h.request({ method: 'PUT', url: `/v1/kv/big/${String(i).padStart(5, '0')}?flags=${i}`, payload: `v${i}` });
    const r = await h.request('/v1/kv/big/?recurse');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-length']).toBeUndefined(); // chunked
    expect(r.headers['x-consul-index']).toBe(String(n + 1));
    const list = JSON.parse(r.body) as Array<{ Key: string; Flags: number; Value: string; CreateIndex: number }>;
    expect(list).toHaveLength(n);
    expect(list[1234]).toEqual({ LockIndex: 0, Key: 'big/01234', Flags: 1234, Value: b64('v1234'), CreateIndex: 1236, ModifyIndex: 1236 });
    expect(r.body.startsWith('[{"LockIndex":0,"Key":"big/00000","Flags":0,')).toBe(true);

    const pretty = await h.request('/v1/kv/big/?recurse&pretty');
    expect(pretty.body).toBe(JSON.stringify(list, null, 4) + '\n');

    const gz = await h.request({ url: '/v1/kv/big/?keys', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    const keys = JSON.parse(gunzipSync(gz.rawPayload).toString('utf8')) as string[];
    expect(keys).toEqual(list.map((e) => e.Key));
    // A short list keeps its Content-Length.
    expect((await h.request('/v1/kv/big/0001?keys')).headers['content-length']).toBeDefined();
  }, 60_000);
});
