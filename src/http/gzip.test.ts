import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { acceptsGzip } from './gzip.js';
import { harness } from './test-harness.js';

describe('response compression (Consul: gziphandler, every response)', () => {
  it('gzips a body when the client accepts gzip, and says Vary: Accept-Encoding on every response', async () => {
    const h = harness();
    await h.request({ method: 'PUT', url: '/v1/kv/app/config', payload: 'x'.repeat(5000) });
    const plain = await h.request('/v1/kv/app/config');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Accept-Encoding');
    const gz = await h.request({ url: '/v1/kv/app/config', headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(Number(gz.headers['content-length'])).toBe(gz.rawPayload.length);
    expect(gz.rawPayload.length).toBeLessThan(plain.rawPayload.length);
    expect(gunzipSync(gz.rawPayload).toString()).toBe(plain.body);
    const raw = await h.request({ url: '/v1/kv/app/config?raw', headers: { 'accept-encoding': 'gzip' } });
    expect(gunzipSync(raw.rawPayload).toString()).toBe('x'.repeat(5000));
  });

  it('leaves empty bodies alone (a missing key is a bare 404)', async () => {
    const h = harness();
    const r = await h.request({ url: '/v1/kv/missing', headers: { 'accept-encoding': 'gzip' } });
    expect([r.statusCode, r.headers['content-encoding'], r.headers.vary, r.rawPayload.length]).toEqual([404, undefined, 'Accept-Encoding', 0]);
  });

  it('compresses large shared bodies off the loop and gives every reader the same bytes', async () => {
    const h = harness();
    for (let i = 0; i < 300; i++) await h.request({ method: 'PUT', url: `/v1/kv/big/${i}`, payload: `value-${i}-${'y'.repeat(100)}` });
    const plain = await h.request('/v1/kv/big/?recurse');
    expect(plain.rawPayload.length).toBeGreaterThan(16 * 1024);
    const [a, b] = await Promise.all([0, 1].map(() => h.request({ url: '/v1/kv/big/?recurse', headers: { 'accept-encoding': 'gzip' } })));
    expect(gunzipSync(a!.rawPayload).toString()).toBe(plain.body);
    expect(b!.rawPayload.equals(a!.rawPayload)).toBe(true);
  });

  it('reads Accept-Encoding as gziphandler does: the gzip coding with q above 0', () => {
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('br, GZIP;q=0.5')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('deflate, identity')).toBe(false);
    expect(acceptsGzip('*')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
