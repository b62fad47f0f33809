import type { InjectOptions } from 'light-my-request';
import { describe, expect, it } from 'vitest';
import { readArchive } from '../snapshot/index.js';
import { snapshotHarness } from './snapshot-test-harness.js';

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

describe('/v1/snapshot', () => {
  it('GET streams the archive with the index and Consul\'s content type; PUT restores it', async () => {
    const h = snapshotHarness();
    await h.request({ method: 'PUT', url: '/v1/kv/hello', payload: 'world' });
    const saved = await h.request('/v1/snapshot');
    expect(saved.statusCode).toBe(200);
    expect(saved.headers['content-type']).toBe('application/x-gzip');
    expect(saved.headers['x-consul-index']).toBe('2');
    expect(saved.headers['x-consul-knownleader']).toBe('true');
    expect(saved.headers['x-consul-lastcontact']).toBe('0');
    expect(saved.headers['content-encoding']).toBeUndefined();
    const meta = await readArchive(once(saved.rawPayload));
    expect(meta.Index).toBe(2);

    await h.request({ method: 'PUT', url: '/v1/kv/hello', payload: 'goodbye' });
    const blocked = h.request('/v1/kv/hello?index=3&wait=5m');
    const restored = await h.request({ method: 'PUT', url: '/v1/snapshot', payload: saved.rawPayload });
    expect(restored.statusCode).toBe(200);
    expect(restored.payload).toBe('');
    const woke = await blocked;
    expect(woke.statusCode).toBe(200);
    expect(woke.headers['x-consul-index']).toBe('2'); // went backwards: clients reset
    expect(Buffer.from((JSON.parse(woke.payload) as Array<{ Value: string }>)[0]!.Value, 'base64').toString()).toBe('world');
  });

  it('answers errors with Consul\'s statuses and texts', async () => {
    const h = snapshotHarness();
    const cases: Array<[InjectOptions, number, string]> = [
      [{ method: 'PUT', url: '/v1/snapshot', payload: 'garbage' }, 500, 'failed to decompress snapshot: gzip: invalid header'],
      [{ method: 'PUT', url: '/v1/snapshot', payload: '' }, 500, 'failed to decompress snapshot: EOF'],
      [{ method: 'PUT', url: '/v1/snapshot?stale', payload: '' }, 500, 'stale not allowed for restore'],
      [{ method: 'GET', url: '/v1/snapshot?dc=nope' }, 500, 'No path to datacenter'],
      [{ method: 'PUT', url: '/v1/snapshot?dc=nope', payload: '' }, 500, 'No path to datacenter'],
      [{ method: 'DELETE', url: '/v1/snapshot' }, 405, 'method DELETE not allowed'],
    ];
    for (const [req, status, text] of cases) {
      const r = await h.request(req);
      expect([r.statusCode, r.payload]).toEqual([status, text]);
    }
    const stale = await h.request('/v1/snapshot?stale');
    expect(stale.statusCode).toBe(200);
  });
});
