import { request } from 'node:http';
import type { InjectOptions, Response } from 'light-my-request';
import { describe, expect, it } from 'vitest';
import { UserEvents, uuidToUint64, type LocalService } from '../agent/user-events.js';
import { ManualClock, MusterError, SeededRng, nullLogger } from '../lib/index.js';
import type { HttpApi } from './api-server.js';
import { harness, injector, testHttpApi } from './test-harness.js';

interface EventHarness {
  api: HttpApi;
  clock: ManualClock;
  services: LocalService[];
  request(opts: InjectOptions | string): Promise<Response>;
}

/** The HTTP API over a real UserEvents whose gossip delivers every fired event back at once. */
function eventHarness(opts: { pretty?: boolean; nodeName?: string } = {}): EventHarness {
  const h = harness();
  const clock = new ManualClock(1_700_000_000_000);
  const rng = new SeededRng(3);
  const services: LocalService[] = [];
  let ltime = 0;
  const events: UserEvents = new UserEvents({
    nodeName: opts.nodeName ?? 'vm',
    localServices: () => services,
    newID: () => {
      const x = Array.from({ length: 32 }, () => rng.int(16).toString(16)).join('');
      return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
    },
    clock,
    logger: nullLogger,
    fire: async (encoded, e) => {
      if (e.datacenter !== '' && e.datacenter !== 'dc1') throw new MusterError('ERR_NO_PATH_TO_DC', 'No path to datacenter');
      events.receive(encoded, ltime++);
    },
    remoteExec: () => {},
  });
  const api = testHttpApi(h.server, clock, { prettyByDefault: opts.pretty ?? false, nodeName: 'vm', events });
  return { api, clock, services, request: injector(api) };
}

const put = (h: EventHarness, url: string, payload?: string | Buffer) => h.request({ method: 'PUT', url, ...(payload === undefined ? {} : { payload }) });
const json = (r: Response): unknown => JSON.parse(r.body);
const ids = (r: Response): string[] => (json(r) as Array<{ ID: string }>).map((e) => e.ID);
/** Lets a blocked request's promise chain run (no wall-clock waits). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('PUT /v1/event/fire/:name', () => {
  it("answers the event as Consul's JSON: field order, Payload base64 or null, LTime 0, no index headers", async () => {
    const h = eventHarness({ pretty: true });
    const r = await put(h, '/v1/event/fire/deploy?node=^vm$&service=api&tag=blue', 'hello world');
    expect(r.statusCode).toBe(200);
    const id = (json(r) as { ID: string }).ID;
    expect(r.body).toBe(
      `{\n    "ID": "${id}",\n    "Name": "deploy",\n    "Payload": "aGVsbG8gd29ybGQ=",\n    "NodeFilter": "^vm$",\n    "ServiceFilter": "api",\n` +
        '    "TagFilter": "blue",\n    "Version": 1,\n    "LTime": 0\n}\n',
    );
    expect(r.headers['x-consul-index']).toBeUndefined();
    expect(r.headers['x-consul-knownleader']).toBeUndefined();
    const empty = json(await put(h, '/v1/event/fire/deploy')) as Record<string, unknown>;
    expect(Object.keys(empty)).toEqual(['ID', 'Name', 'Payload', 'NodeFilter', 'ServiceFilter', 'TagFilter', 'Version', 'LTime']);
    expect(empty).toMatchObject({ Payload: null, NodeFilter: '', Version: 1, LTime: 0 });
  });

  it('keeps binary payloads, takes the name from the decoded path, ignores a chunked body as Consul does', async () => {
    const h = eventHarness();
    expect(json(await put(h, '/v1/event/fire/bin', Buffer.from([0xff, 0, 1])))).toMatchObject({ Name: 'bin', Payload: '/wAB' });
    expect(json(await put(h, '/v1/event/fire/a%20b/c'))).toMatchObject({ Name: 'a b/c' });
    // Over a real socket: Node sends a body without Content-Length chunked.
    const addr = await h.api.listen('127.0.0.1', 0);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: addr.port, method: 'PUT', path: '/v1/event/fire/chunked' }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks).toString()));
        });
        req.on('error', reject);
        req.write('chunky');
        req.end();
      });
      expect(JSON.parse(body)).toMatchObject({ Name: 'chunked', Payload: null });
    } finally {
      await h.api.close();
    }
  });

  it("refuses bad requests with Consul's statuses and texts", async () => {
    const h = eventHarness();
    const big = 'a'.repeat(450);
    const cases: Array<[string, string | undefined, number, string]> = [
      ['/v1/event/fire/', undefined, 400, 'Missing name'],
      ['/v1/event/fire/x?tag=v1', undefined, 500, 'Cannot provide tag filter without service filter'],
      ['/v1/event/fire/x?node=(', undefined, 500, 'Invalid node filter: error parsing regexp: missing closing ): `(`'],
      ['/v1/event/fire/x?service=[a', undefined, 500, 'Invalid service filter: error parsing regexp: missing closing ]: `[a`'],
      ['/v1/event/fire/x?service=a&tag=*', undefined, 500, 'Invalid tag filter: error parsing regexp: missing argument to repetition operator: `*`'],
      ['/v1/event/fire/x?dc=nope', undefined, 500, 'No path to datacenter'],
      ['/v1/event/fire/big', big, 500, '1 error occurred:\n\t* error broadcasting event to segment "": user event exceeds configured limit of 512 bytes before encoding\n\n'],
      ['/v1/event/fire/big', 'a'.repeat(420), 500, '1 error occurred:\n\t* error broadcasting event to segment "": encoded user event exceeds configured limit of 512 bytes after encoding\n\n'],
    ];
    for (const [url, body, status, text] of cases) {
      const r = await put(h, url, body);
      expect([url, r.statusCode, r.body, r.headers['content-type']]).toEqual([url, status, text, 'text/plain; charset=utf-8']);
    }
    const get = await h.request('/v1/event/fire/x');
    expect([get.statusCode, get.body]).toEqual([405, 'method GET not allowed']);
    expect((await h.request('/v1/event/list')).body).toBe('[]');
  });
});

describe('GET /v1/event/list', () => {
  it('lists oldest first, filters by name, X-Consul-Index = IDToIndex of the last event listed, 1 when none', async () => {
    const h = eventHarness();
    let r = await h.request('/v1/event/list');
    expect([r.body, r.headers['x-consul-index'], r.headers['x-consul-knownleader']]).toEqual(['[]', '1', undefined]);
    const a = (json(await put(h, '/v1/event/fire/a', 'x')) as { ID: string }).ID;
    const b = (json(await put(h, '/v1/event/fire/b')) as { ID: string }).ID;
    r = await h.request('/v1/event/list');
    expect(ids(r)).toEqual([a, b]);
    expect(r.headers['x-consul-index']).toBe(uuidToUint64(b).toString());
    expect(json(r)).toMatchObject([{ Name: 'a', Payload: 'eA==', LTime: 0 }, { Name: 'b', Payload: null, LTime: 1 }]);
    r = await h.request('/v1/event/list?name=a');
    expect([ids(r), r.headers['x-consul-index']]).toEqual([[a], uuidToUint64(a).toString()]);
    r = await h.request('/v1/event/list?name=none');
    expect([r.body, r.headers['x-consul-index']]).toEqual(['[]', '1']);
  });

  it('lists only the events whose filters select this agent (service filter on the service ID)', async () => {
    const h = eventHarness({ nodeName: 'vm' });
    h.services.push({ id: 'api-1', service: 'backend', tags: ['blue'] });
    for (const q of ['node=^vm$', 'node=other', 'service=^api-1$', 'service=^backend$', 'service=api&tag=blue', 'service=api&tag=green']) {
      expect((await put(h, `/v1/event/fire/f?${q}`)).statusCode).toBe(200);
    }
    const listed = json(await h.request('/v1/event/list?name=f')) as Array<Record<string, string>>;
    expect(listed.map((e) => `${e['NodeFilter']}|${e['ServiceFilter']}|${e['TagFilter']}`)).toEqual(['^vm$||', '|^api-1$|', '|api|blue']);
  });

  it('keeps the last 256 events', async () => {
    const h = eventHarness();
    for (let i = 1; i <= 300; i++) await put(h, `/v1/event/fire/ring${i}`);
    const listed = json(await h.request('/v1/event/list')) as Array<{ Name: string }>;
    expect([listed.length, listed[0]!.Name, listed[255]!.Name]).toEqual([256, 'ring45', 'ring300']);
  });

  it('blocks on ?index: another name does not end it, a new event of the name does, with its index', async () => {
    const h = eventHarness();
    await put(h, '/v1/event/fire/deploy');
    const index = (await h.request('/v1/event/list?name=deploy')).headers['x-consul-index'] as string;
    let done: Response | undefined;
    void h.request(`/v1/event/list?name=deploy&index=${index}&wait=5s`).then((r) => (done = r));
    await settle();
    await put(h, '/v1/event/fire/other');
    await settle();
    expect(done).toBeUndefined();
    const next = (json(await put(h, '/v1/event/fire/deploy')) as { ID: string }).ID;
    await settle();
    expect(done?.headers['x-consul-index']).toBe(uuidToUint64(next).toString());
    expect(ids(done!).at(-1)).toBe(next);
  });

  it('returns after the wait with the same index', async () => {
    const h = eventHarness();
    await put(h, '/v1/event/fire/a');
    const index = (await h.request('/v1/event/list')).headers['x-consul-index'] as string;
    let done: Response | undefined;
    void h.request(`/v1/event/list?index=${index}&wait=3s`).then((r) => (done = r));
    await settle();
    h.clock.advance(2_999);
    await settle();
    expect(done).toBeUndefined();
    h.clock.advance(1);
    await settle();
    expect([done?.statusCode, done?.headers['x-consul-index']]).toEqual([200, index]);
  });

  it("refuses a bad wait or index with Consul's texts", async () => {
    const h = eventHarness();
    for (const [q, text] of [
      ['index=abc', 'Invalid index'],
      ['index=-1', 'Invalid index'],
      ['index=18446744073709551616', 'Invalid index'],
      ['wait=zz', 'Invalid wait time'],
      ['wait=zz&index=abc', 'Invalid wait time'],
    ]) {
      const r = await h.request(`/v1/event/list?${q}`);
      expect([q, r.statusCode, r.body]).toEqual([q, 400, text]);
    }
    expect((await h.request('/v1/event/list?index=18446744073709551615&wait=1s')).statusCode).toBe(200);
    const r = await h.request({ method: 'PUT', url: '/v1/event/list' });
    expect([r.statusCode, r.body]).toEqual([405, 'method PUT not allowed']);
  });
});
