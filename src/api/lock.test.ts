import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client, lockFlagValue, type Lock, type LockOptions } from './index.js';
import { eventually, startTarget, targetNames, type LockTarget } from './lock-targets.js';

describe.each(targetNames())('Lock against %s', (name) => {
  let target: LockTarget;
  let client: Client;
  const clients: Client[] = [];
  let n = 0;
  let key: string;

  beforeAll(async () => {
    target = await startTarget(name);
    client = newClient();
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await target.stop();
  });
  afterEach(() => void n++);

  function newClient(): Client {
    const c = new Client({ address: target.address });
    clients.push(c);
    return c;
  }
  function lockOn(opts: Partial<LockOptions> = {}, c: Client = client): Lock {
    key = `test/lock-${n}/.lock`;
    return c.lockOpts({ key, ...opts });
  }

  it('acquires with a fresh session, marks the key, releases and cleans up', async () => {
    const lock = lockOn({ value: Buffer.from('me') });
    const lost = await lock.lock();
    expect(lost).not.toBeNull();
    const pair = (await client.kv.get(key)).value!;
    expect(pair.value.toString()).toBe('me');
    expect(pair.flags).toBe(lockFlagValue);
    const session = (await client.session.info(pair.session)).value!;
    expect({ name: session.name, ttl: session.ttl }).toEqual({ name: 'Consul API Lock', ttl: '15s' });
    await lock.unlock();
    expect((await client.kv.get(key)).value!.session).toBe('');
    await eventually(() => lost!.aborted);
    await eventually(async () => (await client.session.info(pair.session)).value === null);
    await lock.destroy();
    expect((await client.kv.get(key)).value).toBeNull();
  });

  it('a second contender blocks until the holder unlocks', async () => {
    const first = lockOn();
    const second = newClient().lockOpts({ key });
    await first.lock();
    let acquired = false;
    const waiting = second.lock().then((s) => ((acquired = true), s));
    await new Promise((r) => setTimeout(r, 300));
    expect(acquired).toBe(false);
    await first.unlock();
    expect(await waiting).not.toBeNull();
    await second.unlock();
  });

  it('lockTryOnce gives up after lockWaitTimeMs with null', async () => {
    const first = lockOn();
    await first.lock();
    const start = performance.now();
    const second = newClient().lockOpts({ key, lockTryOnce: true, lockWaitTimeMs: 400 });
    expect(await second.lock()).toBeNull();
    expect(performance.now() - start).toBeGreaterThanOrEqual(350);
    await first.unlock();
  });

  it('a stop signal ends the wait with null', async () => {
    const first = lockOn();
    await first.lock();
    const stop = new AbortController();
    const waiting = newClient().lockOpts({ key }).lock(stop.signal);
    setTimeout(() => stop.abort(), 100);
    expect(await waiting).toBeNull();
    await first.unlock();
  });

  it('Go’s sentinel errors, with their texts', async () => {
    const lock = lockOn();
    await expect(lock.unlock()).rejects.toThrow(/^Lock not held$/);
    await lock.lock();
    await expect(lock.lock()).rejects.toMatchObject({ code: 'ERR_LOCK_HELD', message: 'Lock already held' });
    await expect(lock.destroy()).rejects.toThrow(/^Lock already held$/);
    await expect(newClient().lockOpts({ key }).destroy()).rejects.toThrow(/^Lock in use$/);
    await lock.unlock();
    await client.kv.put(`test/lock-${n}/plain`, 'x', { flags: 7 });
    await expect(client.lockOpts({ key: `test/lock-${n}/plain` }).lock()).rejects.toThrow(/^Existing key does not match lock use$/);
    await expect(client.lockOpts({ key: `test/lock-${n}/plain` }).destroy()).rejects.toThrow(/^Existing key does not match lock use$/);
    expect(() => client.lockOpts({ key: '' })).toThrow(/^missing key$/);
    expect(() => client.lockOpts({ key: 'k', sessionTtl: 'soon' })).toThrow('invalid SessionTTL: time: invalid duration "soon"');
  });

  it('losing the session aborts the lost signal', async () => {
    const lock = lockOn();
    const lost = await lock.lock();
    const session = (await client.kv.get(key)).value!.session;
    await client.session.destroy(session);
    await eventually(() => lost!.aborted);
    await lock.unlock(); // releasing a lost lock is not an error
  });

  it('after a lost session the lock-delay holds others off, then they get it', async () => {
    const holder = lockOn({ sessionOpts: { name: 'short delay', ttl: '15s', lockDelayMs: 700 } });
    await holder.lock();
    const session = (await client.kv.get(key)).value!.session;
    await client.session.destroy(session);
    const start = performance.now();
    const next = newClient().lockOpts({ key, lockRetryTimeMs: 50 });
    expect(await next.lock()).not.toBeNull();
    expect(performance.now() - start).toBeGreaterThanOrEqual(500);
    await next.unlock();
    await holder.unlock();
  });

  it('an existing session is used, neither renewed nor destroyed', async () => {
    const session = await client.session.create({ name: 'mine' });
    const lock = lockOn({ session });
    await lock.lock();
    expect((await client.kv.get(key)).value!.session).toBe(session);
    await lock.unlock();
    expect((await client.session.info(session)).value?.name).toBe('mine');
    await client.session.destroy(session);
  });
});

describe('Lock against the fake only (TTLs below Consul’s 10s minimum, injected faults)', () => {
  let target: LockTarget;
  let client: Client;
  beforeAll(async () => {
    target = await startTarget('fake');
    client = new Client({ address: target.address });
  });
  afterAll(async () => {
    client.close();
    await target.stop();
  });

  it('renews the session every TTL/2, so a held lock outlives its TTL', async () => {
    const lock = client.lockOpts({ key: 'ttl/.lock', sessionTtl: '300ms' });
    const lost = await lock.lock();
    await new Promise((r) => setTimeout(r, 1000));
    expect(lost!.aborted).toBe(false);
    expect(target.fake!.requests.filter((r) => r.path.startsWith('/v1/session/renew/')).length).toBeGreaterThanOrEqual(3);
    await lock.unlock();
    expect(target.fake!.store.sessions.size).toBe(0);
  });

  it('the session body is Go’s: sorted keys, only what is set', async () => {
    const lock = client.lockOpts({ key: 'body/.lock', sessionName: 'n' });
    await lock.lock();
    const create = target.fake!.requests.find((r) => r.path === '/v1/session/create' && r.body.includes('"n"'))!;
    expect(create.body.toString()).toBe('{"Name":"n","TTL":"15s"}\n');
    const acquire = target.fake!.requests.find((r) => r.query.has('acquire') && r.path === '/v1/kv/body/.lock')!;
    expect(acquire.query.get('flags')).toBe(String(lockFlagValue));
    await lock.unlock();
  });

  it('monitorRetries rides out 500s; without retries a 500 loses the lock', async () => {
    const fake = target.fake!;
    let failures = 0;
    fake.override = (r) => (r.query.has('consistent') && failures-- > 0 ? { status: 500, body: 'No cluster leader' } : undefined);
    const patient = client.lockOpts({ key: 'retry/.lock', monitorRetries: 3, monitorRetryTimeMs: 20 });
    const lost = await patient.lock();
    failures = 2;
    fake.store.wakeAll();
    fake.store.set('unrelated', 'x');
    await eventually(() => failures <= 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(lost!.aborted).toBe(false);
    await patient.unlock();

    const impatient = client.lockOpts({ key: 'retry2/.lock' });
    const lost2 = await impatient.lock();
    failures = 1;
    fake.store.set('unrelated', 'y');
    await eventually(() => lost2!.aborted);
    fake.override = undefined;
    await impatient.unlock();
  });

  it('read and acquire failures are wrapped as Go wraps them', async () => {
    const fake = target.fake!;
    fake.override = (r) => (r.path === '/v1/kv/f/.lock' && r.method === 'GET' ? { status: 500, body: 'boom' } : undefined);
    await expect(client.lockOpts({ key: 'f/.lock' }).lock()).rejects.toThrow(/^failed to read lock: Unexpected response code: 500$/);
    fake.override = (r) => (r.path === '/v1/session/create' ? { status: 500, body: 'No cluster leader' } : undefined);
    await expect(client.lockOpts({ key: 'f/.lock' }).lock()).rejects.toThrow('failed to create session: Unexpected response code: 500 (No cluster leader)');
    fake.override = undefined;
    await eventually(() => fake.store.sessions.size === 0);
  });
});
