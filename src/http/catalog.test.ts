import { describe, expect, it } from 'vitest';
import { harness, type Harness } from './test-harness.js';

const put = (h: Harness, url: string, body: unknown) => h.request({ method: 'PUT', url, payload: typeof body === 'string' ? body : JSON.stringify(body) });
const json = async (h: Harness, url: string) => JSON.parse((await h.request(url)).body) as unknown;

function web(node: string, address: string, id: string, opts: { tags?: string[]; status?: string; meta?: Record<string, string> } = {}) {
  return {
    Node: node,
    Address: address,
    NodeMeta: opts.meta ?? {},
    Service: { ID: id, Service: 'web', Tags: opts.tags ?? [], Port: 80 },
    Check: { CheckID: `chk-${id}`, Name: 'alive', Status: opts.status ?? 'passing', ServiceID: id },
  };
}

describe('/v1/catalog', () => {
  it('registers a node, a service and its check, and serves them in every view', async () => {
    const h = harness();
    expect((await put(h, '/v1/catalog/register', web('n1', '10.0.0.1', 'web-1', { tags: ['v1'] }))).body).toBe('true');
    expect(await json(h, '/v1/catalog/services')).toEqual({ web: ['v1'] });
    const [sn] = (await json(h, '/v1/catalog/service/web')) as Array<Record<string, unknown>>;
    expect(Object.keys(sn!)).toEqual([
      'ID', 'Node', 'Address', 'Datacenter', 'TaggedAddresses', 'NodeMeta', 'ServiceKind', 'ServiceID', 'ServiceName', 'ServiceTags',
      'ServiceAddress', 'ServiceWeights', 'ServiceMeta', 'ServicePort', 'ServiceEnableTagOverride', 'ServiceProxy', 'ServiceConnect',
      'CreateIndex', 'ModifyIndex',
    ]);
    expect(sn).toMatchObject({ Node: 'n1', Address: '10.0.0.1', ServiceID: 'web-1', ServiceTags: ['v1'], ServiceWeights: { Passing: 1, Warning: 1 } });
    const node = (await json(h, '/v1/catalog/node/N1')) as { Node: { Node: string }; Services: Record<string, unknown> };
    expect(node.Node.Node).toBe('n1');
    expect(Object.keys(node.Services)).toEqual(['web-1']);
    const health = (await json(h, '/v1/health/service/web')) as Array<{ Checks: Array<{ CheckID: string; ServiceName: string }> }>;
    expect(health[0]!.Checks).toMatchObject([{ CheckID: 'chk-web-1', ServiceName: 'web' }]);
  });

  it("refuses bad registrations with Consul's status codes and texts, changing nothing", async () => {
    const h = harness();
    const cases: Array<[unknown, number, string]> = [
      [{}, 500, 'Must provide node'],
      [{ Node: 'n1' }, 500, 'Must provide address if SkipNodeUpdate is not set'],
      [{ Node: 'n1', Address: 'a', Service: { ID: 'x' } }, 500, 'Must provide service name with ID'],
      [{ Node: 'n1', Address: 'a', Service: { Service: 's', Address: '0.0.0.0' } }, 500, 'Invalid service address'],
      [{ Node: 'n1', Address: 'a', ID: 'nope' }, 500, 'Bad node ID: uuid string is wrong length'],
      [{ Node: 'n1', Address: 'a', Check: { Name: 'c', ServiceID: 'nosuch' } }, 500, 'Missing service registration'],
      [{ Node: 'n1', Address: 'a', Bogus: 1 }, 400, 'Request decode failed: json: unknown field "Bogus"'],
      [{ Node: 'n1', Address: 'a', Service: { Service: 's', Port: '80' } }, 400, 'Request decode failed: json: cannot unmarshal string into Go struct field NodeService.Service.Port of type int'],
      ['{', 400, 'Request decode failed: unexpected EOF'],
      ['', 400, 'Request decode failed: EOF'],
    ];
    for (const [body, status, text] of cases) {
      const r = await put(h, '/v1/catalog/register', body);
      expect([r.statusCode, r.body]).toEqual([status, text]);
    }
    expect(await json(h, '/v1/catalog/nodes')).toEqual([]);
  });

  it('filters by tag (case-insensitive, all must match), node-meta and ?filter', async () => {
    const h = harness();
    await put(h, '/v1/catalog/register', web('n1', '10.0.0.1', 'a', { tags: ['v1', 'primary'], meta: { rack: 'r1' } }));
    await put(h, '/v1/catalog/register', web('n2', '10.0.0.2', 'b', { tags: ['v1'], meta: { rack: 'r2' } }));
    const ids = async (url: string) => ((await json(h, url)) as Array<{ ServiceID: string }>).map((s) => s.ServiceID);
    expect(await ids('/v1/catalog/service/web?tag=V1')).toEqual(['a', 'b']);
    expect(await ids('/v1/catalog/service/web?tag=v1&tag=primary')).toEqual(['a']);
    expect(await ids('/v1/catalog/service/web?node-meta=rack:r2')).toEqual(['b']);
    expect(await ids('/v1/catalog/service/web?filter=' + encodeURIComponent('NodeMeta.rack == r1'))).toEqual(['a']);
    const bad = await h.request('/v1/catalog/nodes?filter=Foo%3D%3D1');
    expect([bad.statusCode, bad.body, bad.headers['x-consul-index'], bad.headers['x-consul-knownleader']]).toEqual([
      500,
      'Failed to create boolean expression evaluator: Selector "Foo" is not valid',
      '1',
      'false',
    ]);
  });

  it('keeps only all-passing instances with ?passing, and wakes a blocked health query on a check change', async () => {
    const h = harness();
    await put(h, '/v1/catalog/register', web('n1', '10.0.0.1', 'a'));
    await put(h, '/v1/catalog/register', web('n2', '10.0.0.2', 'b', { status: 'warning' }));
    const passing = (await json(h, '/v1/health/service/web?passing')) as Array<{ Service: { ID: string } }>;
    expect(passing.map((e) => e.Service.ID)).toEqual(['a']);
    expect((await h.request('/v1/health/service/web?passing=bogus')).body).toBe('Invalid value for ?passing');
    const first = await h.request('/v1/health/service/web');
    const index = first.headers['x-consul-index'];
    expect(first.headers['x-consul-effective-consistency']).toBe('leader');
    let answered = false;
    const blocked = h.request(`/v1/health/service/web?index=${index}&wait=1m`).then((r) => {
      answered = true;
      return r;
    });
    await put(h, '/v1/catalog/register', { Node: 'other', Address: '10.9.9.9' }); // not web: stays blocked
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    await put(h, '/v1/catalog/register', web('n2', '10.0.0.2', 'b', { status: 'passing' }));
    const woke = await blocked;
    expect(Number(woke.headers['x-consul-index'])).toBeGreaterThan(Number(index));
  });

  it('deregisters a check, a service (with its checks) or a whole node; unknown ones are fine', async () => {
    const h = harness();
    await put(h, '/v1/catalog/register', web('n1', '10.0.0.1', 'a'));
    expect((await put(h, '/v1/catalog/deregister', { Node: 'n1', ServiceID: 'nosuch' })).body).toBe('true');
    await put(h, '/v1/catalog/deregister', { Node: 'n1', ServiceID: 'a', Address: '10.0.0.1' });
    expect(await json(h, '/v1/health/node/n1')).toEqual([]);
    expect(await json(h, '/v1/catalog/service/web')).toEqual([]);
    await put(h, '/v1/catalog/deregister', { Node: 'n1' });
    const gone = await h.request('/v1/catalog/node/n1');
    expect([gone.body, gone.headers['x-consul-index']]).toEqual(['null', '1']);
    expect(await json(h, '/v1/catalog/node-services/n1')).toEqual({ Node: null, Services: null });
    expect((await put(h, '/v1/catalog/deregister', {})).body).toBe('Must provide node');
  });

  it('answers ?cached with X-Cache MISS, then HIT with the age of the data', async () => {
    const h = harness();
    await put(h, '/v1/catalog/register', web('n1', '10.0.0.1', 'a'));
    const first = await h.request('/v1/catalog/service/web?cached');
    expect([first.headers['x-cache'], first.headers['age']]).toEqual(['MISS', undefined]);
    h.clock.advance(3_000);
    const second = await h.request('/v1/catalog/service/web?cached');
    expect([second.headers['x-cache'], second.headers['age']]).toEqual(['HIT', '3']);
    await put(h, '/v1/catalog/register', web('n2', '10.0.0.2', 'b'));
    const fresh = await h.request('/v1/catalog/service/web?cached');
    expect([fresh.headers['x-cache'], fresh.headers['age'], (JSON.parse(fresh.body) as unknown[]).length]).toEqual(['HIT', '0', 2]);
    expect((await h.request('/v1/catalog/service/web')).headers['x-cache']).toBeUndefined();
    expect((await h.request('/v1/health/service/web?cached&consistent')).statusCode).toBe(400);
  });

  it('shows a catalog check definition as Consul 1.8.7 does (durations as strings, TTL in ns, empty fields left out)', async () => {
    const h = harness();
    const Definition = { HTTP: 'http://x', Interval: '10s', Timeout: '1m30s', TTL: '5s', DeregisterCriticalServiceAfter: '90m', Header: { a: ['b'] }, OutputMaxSize: 100, TLSSkipVerify: true, ScriptArgs: ['a'], Method: '', GRPCUseTLS: true, AliasNode: 'z' };
    await put(h, '/v1/catalog/register', { Node: 'n1', Address: '10.0.0.1', Check: { CheckID: 'c', Name: 'c', Definition } });
    const [c] = (await json(h, '/v1/health/node/n1')) as Array<{ Definition: unknown; Type: string }>;
    expect(JSON.stringify(c!.Definition)).toBe(
      JSON.stringify({
        Interval: '10s', OutputMaxSize: 100, Timeout: '1m30s', DeregisterCriticalServiceAfter: '1h30m0s', HTTP: 'http://x',
        TLSSkipVerify: true, Header: { a: ['b'] }, ScriptArgs: ['a'], GRPCUseTLS: true, AliasNode: 'z', TTL: 5000000000,
      }),
    );
  });

  it('many blocking queries woken by one change all get the new result; different parameters never share a body', async () => {
    const h = harness();
    await put(h, '/v1/catalog/register', web('n1', '10.0.0.1', 'a', { tags: ['v1'] }));
    const index = (await h.request('/v1/health/service/web')).headers['x-consul-index'];
    const waiters = Array.from({ length: 20 }, (_, i) => h.request(`/v1/health/service/web?index=${index}&wait=1m${i % 2 ? '&tag=v2' : ''}`));
    await put(h, '/v1/catalog/register', web('n2', '10.0.0.2', 'b', { tags: ['v2'] }));
    const bodies = (await Promise.all(waiters)).map((r) => (JSON.parse(r.body) as Array<{ Service: { ID: string } }>).map((e) => e.Service.ID));
    bodies.forEach((ids, i) => expect(ids).toEqual(i % 2 ? ['b'] : ['a', 'b']));
  });
});
