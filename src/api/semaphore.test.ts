import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, encodeLock, parseLock, semaphoreFlagValue, type Semaphore, type SemaphoreOptions } from './index.js';
import { eventually, startTarget, targetNames, type LockTarget } from './lock-targets.js';

describe.each(targetNames())('Semaphore against %s', (name) => {
  let target: LockTarget;
  const clients: Client[] = [];
  let client: Client;
  let n = 0;
  let prefix: string;

  beforeAll(async () => {
    target = await startTarget(name);
    client = newClient();
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await target.stop();
  });

  function newClient(): Client {
    const c = new Client({ address: target.address });
    clients.push(c);
    return c;
  }
  function sem(opts: Partial<SemaphoreOptions> = {}, fresh = true): Semaphore {
    if (fresh) prefix = `test/sema-${++n}`;
    return newClient().semaphoreOpts({ prefix, limit: 2, ...opts });
  }
  const lockRecord = async (): Promise<{ Limit: number; Holders: Record<string, boolean> }> =>
    JSON.parse((await client.kv.get(`${prefix}/.lock`)).value!.value.toString()) as { Limit: number; Holders: Record<string, boolean> };

  it('holds `limit` slots; the next contender waits for a release', async () => {
    const a = sem();
    const b = sem({}, false);
    const c = sem({}, false);
    await a.acquire();
    await b.acquire();
    const record = await lockRecord();
    expect(record.Limit).toBe(2);
    expect(Object.keys(record.Holders)).toHaveLength(2);
    const lockPair = (await client.kv.get(`${prefix}/.lock`)).value!;
    expect(lockPair.flags).toBe(semaphoreFlagValue);
    const contenders = (await client.kv.list(prefix)).value.filter((p) => !p.key.endsWith('/.lock'));
    expect(contenders.map((p) => p.key)).toEqual(contenders.map((p) => `${prefix}/${p.session}`));
    let acquired = false;
    const waiting = c.acquire().then((s) => ((acquired = true), s));
    await new Promise((r) => setTimeout(r, 300));
    expect(acquired).toBe(false);
    await a.release();
    expect(await waiting).not.toBeNull();
    await b.release();
    await c.release();
    expect((await lockRecord()).Holders).toEqual({});
    await sem({}, false).destroy();
    expect((await client.kv.list(prefix)).value).toEqual([]);
  });

  it('sessions are created with behaviour delete and Go’s default name', async () => {
    const a = sem();
    await a.acquire();
    const holder = Object.keys((await lockRecord()).Holders)[0]!;
    const s = (await client.session.info(holder)).value!;
    expect({ name: s.name, behavior: s.behavior, ttl: s.ttl }).toEqual({ name: 'Consul API Semaphore', behavior: 'delete', ttl: '15s' });
    await a.release();
  });

  it('a dead holder is pruned and its slot reused; the lost signal fires', async () => {
    const a = sem({ limit: 1 });
    const lost = await a.acquire();
    const holder = Object.keys((await lockRecord()).Holders)[0]!;
    await client.session.destroy(holder);
    await eventually(() => lost!.aborted);
    const b = sem({ limit: 1 }, false);
    expect(await b.acquire()).not.toBeNull();
    expect(Object.keys((await lockRecord()).Holders)).not.toContain(holder);
    await b.release();
    await a.release();
  });

  it('limit and flag conflicts, Go’s texts', async () => {
    const a = sem();
    await a.acquire();
    await expect(sem({ limit: 3 }, false).acquire()).rejects.toThrow(/^semaphore limit conflict \(lock: 2, local: 3\)$/);
    await expect(sem({}, false).destroy()).rejects.toThrow(/^Semaphore in use$/);
    await expect(a.acquire()).rejects.toThrow(/^Semaphore already held$/);
    await expect(a.destroy()).rejects.toThrow(/^Semaphore already held$/);
    await a.release();
    await expect(a.release()).rejects.toThrow(/^Semaphore not held$/);
    const lockHolder = client.lockOpts({ key: `${prefix}-lock/.lock` });
    await lockHolder.lock();
    await expect(newClient().semaphoreOpts({ prefix: `${prefix}-lock`, limit: 2 }).acquire()).rejects.toThrow(/^Existing key does not match semaphore use$/);
    await lockHolder.unlock();
    expect(() => client.semaphoreOpts({ prefix: '', limit: 1 })).toThrow(/^missing prefix$/);
    expect(() => client.semaphoreOpts({ prefix: 'p', limit: 0 })).toThrow(/^semaphore limit must be positive$/);
  });

  it('semaphoreTryOnce gives up with null', async () => {
    const a = sem({ limit: 1 });
    await a.acquire();
    expect(await sem({ limit: 1, semaphoreTryOnce: true, semaphoreWaitTimeMs: 300 }, false).acquire()).toBeNull();
    await a.release();
  });
});

describe('the .lock record', () => {
  it('is encoded as Go’s json.Marshal writes it', () => {
    expect(encodeLock({ limit: 3, holders: { b: true, a: true } }).toString()).toBe('{"Limit":3,"Holders":{"a":true,"b":true}}');
    expect(encodeLock({ limit: 1, holders: {} }).toString()).toBe('{"Limit":1,"Holders":{}}');
  });
  it('decodes field names case-insensitively and rejects garbage', () => {
    expect(parseLock(Buffer.from('{"limit":2,"HOLDERS":{"x":true}}'))).toEqual({ limit: 2, holders: { x: true } });
    expect(parseLock(Buffer.from('null'))).toEqual({ limit: 0, holders: {} });
    expect(() => parseLock(Buffer.from('nope'))).toThrow(/^lock decoding failed: /);
  });
});
