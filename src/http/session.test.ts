import { describe, expect, it } from 'vitest';
import { harness, type Harness } from './test-harness.js';

const put = (h: Harness, url: string, body?: unknown) =>
  h.request({ method: 'PUT', url, payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });

async function withNode(h: Harness, serf: 'passing' | 'critical' = 'passing'): Promise<void> {
  const r = await put(h, '/v1/catalog/register', {
    Node: 'n1',
    Address: '10.0.0.1',
    Check: { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: serf },
  });
  expect(r.statusCode).toBe(200);
}

async function create(h: Harness, body?: unknown): Promise<string> {
  const r = await put(h, '/v1/session/create', body);
  expect(r.statusCode, r.body).toBe(200);
  return (JSON.parse(r.body) as { ID: string }).ID;
}

describe('/v1/session', () => {
  it("creates with Consul's defaults and shows the session in info, node and list", async () => {
    const h = harness();
    await withNode(h);
    const id = await create(h);
    const [s] = JSON.parse((await h.request(`/v1/session/info/${id}`)).body) as Array<Record<string, unknown>>;
    expect(s).toEqual({
      ID: id,
      Name: '',
      Node: 'n1',
      LockDelay: 15_000_000_000,
      Behavior: 'release',
      TTL: '',
      NodeChecks: ['serfHealth'],
      ServiceChecks: null,
      CreateIndex: s!['CreateIndex'],
      ModifyIndex: s!['CreateIndex'],
    });
    expect(JSON.parse((await h.request('/v1/session/node/n1')).body)).toHaveLength(1);
    expect(JSON.parse((await h.request('/v1/session/list')).body)).toHaveLength(1);
    const noChecks = await create(h, { Checks: [], LockDelay: 5 });
    const [n] = JSON.parse((await h.request(`/v1/session/info/${noChecks}`)).body) as Array<Record<string, unknown>>;
    expect([n!['NodeChecks'], n!['LockDelay']]).toEqual([[], 5_000_000_000]);
  });

  it('refuses bad sessions with the texts Consul gives, creating nothing', async () => {
    const h = harness();
    await withNode(h);
    const cases: Array<[unknown, number, string]> = [
      [{ TTL: '5s' }, 500, "Invalid Session TTL '5000000000', must be between [10s=24h0m0s]"],
      [{ TTL: 'abc' }, 500, `Session TTL 'abc' invalid: time: invalid duration "abc"`],
      [{ TTL: '10' }, 500, `Session TTL '10' invalid: time: missing unit in duration "10"`],
      [{ Behavior: 'foo' }, 500, "Invalid Behavior setting 'foo'"],
      [{ Node: 'nosuch' }, 500, 'Missing node registration'],
      [{ NodeChecks: ['nosuch'] }, 500, "Missing check 'nosuch' registration"],
      [{ LockDelay: 'abc' }, 400, 'Request decode failed: time: invalid duration "abc"'],
    ];
    for (const [body, status, text] of cases) {
      const r = await put(h, '/v1/session/create', body);
      expect([r.statusCode, r.body]).toEqual([status, text]);
    }
    expect((await h.request('/v1/session/list')).body).toBe('[]');
    expect((await h.request('/v1/session/info/nosuch')).body).toBe('failed session lookup: index error: UUID must be 36 characters');
  });

  it('expires a TTL session 2 × TTL after its last renewal, releasing its lock', async () => {
    const h = harness();
    await withNode(h);
    const id = await create(h, { TTL: '10s', LockDelay: '0s' });
    expect((await put(h, `/v1/kv/leader?acquire=${id}`, 'me')).body).toBe('true');
    h.clock.advance(15_000);
    expect((await put(h, `/v1/session/renew/${id}`)).statusCode).toBe(200);
    h.clock.advance(19_000);
    expect(JSON.parse((await h.request(`/v1/session/info/${id}`)).body)).toHaveLength(1);
    h.clock.advance(1_001);
    await new Promise((r) => setImmediate(r));
    expect((await h.request(`/v1/session/info/${id}`)).body).toBe('[]');
    const [kv] = JSON.parse((await h.request('/v1/kv/leader')).body) as Array<Record<string, unknown>>;
    expect([kv!['Session'], kv!['LockIndex']]).toEqual([undefined, 1]);
    const renew = await put(h, `/v1/session/renew/${id}`);
    expect([renew.statusCode, renew.body]).toEqual([404, `Session id '${id}' not found`]);
  });

  it('a check going critical ends its sessions; their keys stay unacquirable for the lock delay', async () => {
    const h = harness();
    await withNode(h);
    const holder = await create(h);
    const other = await create(h, { NodeChecks: [] });
    expect((await put(h, `/v1/kv/lock?acquire=${holder}`, 'x')).body).toBe('true');
    expect((await put(h, `/v1/kv/lock?acquire=${other}`, 'y')).body).toBe('false');
    await withNode(h, 'critical');
    expect((await h.request(`/v1/session/info/${holder}`)).body).toBe('[]');
    expect((await put(h, `/v1/kv/lock?acquire=${other}`, 'y')).body).toBe('false');
    h.clock.advance(15_000);
    expect((await put(h, `/v1/kv/lock?acquire=${other}`, 'y')).body).toBe('true');
    const r = await put(h, '/v1/kv/lock?acquire=not-a-uuid', 'z');
    expect([r.statusCode, r.body]).toEqual([500, 'failed session lookup: index error: UUID must be 36 characters']);
  });

  it('behavior delete removes the keys a destroyed session held', async () => {
    const h = harness();
    await withNode(h);
    const id = await create(h, { Behavior: 'delete' });
    await put(h, `/v1/kv/svc/leader?acquire=${id}`, 'x');
    expect((await put(h, `/v1/session/destroy/${id}`)).body).toBe('true');
    expect((await h.request('/v1/kv/svc/leader')).statusCode).toBe(404);
  });
});
