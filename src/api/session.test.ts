import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeConsul } from './fake-consul.js';
import { Client } from './index.js';

let fake: FakeConsul;
let client: Client;

beforeEach(async () => {
  fake = new FakeConsul();
  client = new Client({ address: await fake.start() });
});
afterEach(async () => {
  client.close();
  await fake.stop();
});

describe('Session', () => {
  it('create, info, list, node, renew, destroy', async () => {
    const id = await client.session.create({ name: 'web-lock', ttl: '30s', behavior: 'delete', lockDelayMs: 2000, nodeChecks: ['serfHealth'] });
    expect(fake.requests[0]!.body.toString()).toBe('{"Behavior":"delete","LockDelay":"2000ms","Name":"web-lock","NodeChecks":["serfHealth"],"TTL":"30s"}\n');
    const info = (await client.session.info(id)).value!;
    expect(info).toMatchObject({ id, name: 'web-lock', ttl: '30s', behavior: 'delete', lockDelayMs: 2000, node: 'fake-node', nodeChecks: ['serfHealth'] });
    expect((await client.session.list()).value.map((s) => s.id)).toEqual([id]);
    expect((await client.session.node('fake-node')).value.map((s) => s.id)).toEqual([id]);
    expect((await client.session.renew(id))!.id).toBe(id);
    await client.session.destroy(id);
    expect((await client.session.info(id)).value).toBeNull();
    expect(await client.session.renew(id)).toBeNull();
  });

  it('a nil entry sends no body; createNoChecks sends NodeChecks []', async () => {
    await client.session.create();
    await client.session.createNoChecks({ name: 'x' });
    expect(fake.requests.map((r) => r.body.toString())).toEqual(['', '{"Name":"x","NodeChecks":[]}\n']);
  });

  it('renew: a status other than 200 or 404 is an error without the body (as Go’s Renew)', async () => {
    fake.override = () => ({ status: 500, body: 'boom' });
    await expect(client.session.renew('x')).rejects.toThrow(/^Unexpected response code: 500$/);
  });

  it('renewPeriodic renews every TTL/2 and destroys the session when done', async () => {
    const id = await client.session.create({ ttl: '200ms' });
    const done = new AbortController();
    const loop = client.session.renewPeriodic('200ms', id, {}, done.signal);
    await new Promise((r) => setTimeout(r, 550));
    expect(fake.store.sessions.has(id)).toBe(true);
    done.abort();
    await loop;
    expect(fake.store.sessions.has(id)).toBe(false);
    expect(fake.requests.filter((r) => r.path === `/v1/session/renew/${id}`).length).toBeGreaterThanOrEqual(3);
  });

  it('renewPeriodic rejects with "session expired" when the agent forgot the session', async () => {
    const id = await client.session.create({ ttl: '100ms' });
    fake.store.destroySession(id);
    await expect(client.session.renewPeriodic('100ms', id, {}, new AbortController().signal)).rejects.toThrow(/^session expired$/);
    await expect(client.session.renewPeriodic('soon', id, {}, new AbortController().signal)).rejects.toThrow('time: invalid duration "soon"');
  });

  it('renewPeriodic gives up with the last error after a TTL without a renewal', async () => {
    const id = await client.session.create({ ttl: '100ms' });
    fake.override = (r) => (r.path.startsWith('/v1/session/renew/') ? { status: 500, body: 'x' } : undefined);
    const start = performance.now();
    await expect(client.session.renewPeriodic('100ms', id, {}, new AbortController().signal)).rejects.toThrow(/^Unexpected response code: 500$/);
    expect(performance.now() - start).toBeLessThan(3000);
  });
});
