import { describe, expect, it } from 'vitest';
import { harness } from './test-harness.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const put = (payload: unknown): { method: 'PUT'; url: string; payload: string } => ({ method: 'PUT', url: '/v1/txn', payload: JSON.stringify(payload) });

describe('/v1/txn', () => {
  it('applies a mixed transaction and answers 200 with the results', async () => {
    const h = harness();
    await h.request({ method: 'PUT', url: '/v1/kv/old', payload: 'x' });
    const r = await h.request(
      put([
        { KV: { Verb: 'set', Key: 'a', Value: b64('1'), Flags: 7 } },
        { KV: { Verb: 'get', Key: 'a' } },
        { KV: { Verb: 'check-index', Key: 'old', Index: 2 } },
        { KV: { Verb: 'delete', Key: 'old' } },
        { kv: { verb: 'cas', key: 'b', index: 0, value: b64('2') } },
      ]),
    );
    expect(r.statusCode).toBe(200);
    const body = JSON.parse(r.body) as { Results: Array<{ KV: Record<string, unknown> }>; Errors: unknown };
    expect(body.Errors).toBeNull();
    expect(body.Results.map((x) => [x.KV['Key'], x.KV['Value']])).toEqual([
      ['a', null],
      ['a', b64('1')],
      ['old', null],
      ['b', null],
    ]);
    expect(body.Results[0]!.KV).toEqual({ LockIndex: 0, Key: 'a', Flags: 7, Value: null, CreateIndex: 3, ModifyIndex: 3 });
    expect((await h.request('/v1/kv/old')).statusCode).toBe(404);
  });

  it('rolls back on any error and answers 409 with every error', async () => {
    const h = harness();
    const r = await h.request(
      put([
        { KV: { Verb: 'set', Key: 'a', Value: b64('1') } },
        { KV: { Verb: 'get', Key: 'missing' } },
        { KV: { Verb: 'cas', Key: 'a', Index: 99, Value: b64('2') } },
        { KV: { Verb: 'lock', Key: 'l', Session: 'nope' } },
        { KV: { Verb: 'frob', Key: 'x' } },
      ]),
    );
    expect(r.statusCode).toBe(409);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body)).toEqual({
      Results: null,
      Errors: [
        { OpIndex: 1, What: 'key "missing" doesn\'t exist' },
        { OpIndex: 2, What: 'failed to set key "a", index is stale' },
        { OpIndex: 3, What: 'failed session lookup: index error: UUID must be 36 characters' },
        { OpIndex: 4, What: 'unknown KV verb "frob"' },
      ],
    });
    expect((await h.request('/v1/kv/a')).statusCode).toBe(404);
  });

  it('answers a read-only transaction locally with leader headers but no index', async () => {
    const h = harness();
    await h.request({ method: 'PUT', url: '/v1/kv/r', payload: 'v' });
    const r = await h.request(put([{ KV: { Verb: 'get', Key: 'r' } }]));
    expect(r.statusCode).toBe(200);
    expect(r.headers['x-consul-knownleader']).toBe('true');
    expect(r.headers['x-consul-index']).toBeUndefined();
    expect(h.store.latestIndex).toBe(2);
  });

  it('limits a transaction to 64 operations', async () => {
    const h = harness();
    const ops = Array.from({ length: 65 }, (_, i) => ({ KV: { Verb: 'set', Key: `k${i}`, Value: b64('v') } }));
    const r = await h.request(put(ops));
    expect([r.statusCode, r.body]).toEqual([413, 'Transaction contains too many operations (65 > 64)']);
    expect((await h.request(put(ops.slice(0, 64)))).statusCode).toBe(200);
  });

  it('rejects bodies it cannot read, naming the problem', async () => {
    const h = harness();
    const notJson = await h.request({ method: 'PUT', url: '/v1/txn', payload: 'nope' });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.body).toMatch(/^Failed to parse body: /);
    const badValue = await h.request(put([{ KV: { Verb: 'set', Key: 'a', Value: 'not base64!' } }]));
    expect([badValue.statusCode, badValue.body]).toEqual([400, 'Failed to parse body: failed to decode value: illegal base64 data at input byte 3']);
    expect((await h.request({ method: 'GET', url: '/v1/txn' })).statusCode).toBe(405);
    expect(h.store.latestIndex).toBe(1);
  });
});

describe('/v1/txn catalog operations', () => {
  it('sets and gets nodes, services and checks with KV ops in one transaction, rolling back on any error', async () => {
    const h = harness();
    const put = (ops: unknown) => h.request({ method: 'PUT', url: '/v1/txn', payload: JSON.stringify(ops) });
    const ok = await put([
      { Node: { Verb: 'set', Node: { Node: 'n1', Address: '10.0.0.1' } } },
      { Service: { Verb: 'set', Node: 'n1', Service: { ID: 'web-1', Service: 'web', Port: 80 } } },
      { Check: { Verb: 'set', Check: { Node: 'n1', CheckID: 'c1', Status: 'passing', ServiceID: 'web-1', Definition: { TCP: '10.0.0.1:80', Interval: '5s' } } } },
      { KV: { Verb: 'set', Key: 'k', Value: 'dg==' } },
    ]);
    expect(ok.statusCode).toBe(200);
    const results = (JSON.parse(ok.body) as { Results: Array<Record<string, Record<string, unknown>>> }).Results;
    expect(results.map((r) => Object.keys(r)[0])).toEqual(['Node', 'Service', 'Check', 'KV']);
    expect(results[0]!['Node']).toMatchObject({ Node: 'n1', TaggedAddresses: null, Meta: null });
    expect(results[2]!['Check']).toMatchObject({ ServiceName: 'web', Type: 'tcp', Definition: { Interval: '5s', TCP: '10.0.0.1:80' } });
    const health = JSON.parse((await h.request('/v1/health/service/web')).body) as unknown[];
    expect(health).toHaveLength(1);

    const failed = await put([
      { Service: { Verb: 'delete', Node: 'n1', Service: { ID: 'web-1' } } },
      { Check: { Verb: 'get', Check: { Node: 'n1', CheckID: 'nosuch' } } },
    ]);
    expect(failed.statusCode).toBe(409);
    expect(JSON.parse(failed.body)).toEqual({ Results: null, Errors: [{ OpIndex: 1, What: 'check "nosuch" on node "n1" doesn\'t exist' }] });
    expect(JSON.parse((await h.request('/v1/health/service/web')).body)).toHaveLength(1);
  });
});
