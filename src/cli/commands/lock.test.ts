/**
 * `muster lock` against the fake agent (real KV and session semantics), checked against the
 * sequences Consul 1.8.7 printed (testdata/consul-1.8.7-lock-transcript.txt).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeConsul } from '../../api/fake-consul.js';
import type { CommandFactory } from '../command.js';
import { main } from '../main.js';
import { CaptureUi } from '../test-support.js';
import { commands } from './index.js';
import { LockCommand } from './lock.js';
import { signalShutdown } from './shutdown.js';

let fake: FakeConsul;
let address: string;
let shutdown: AbortController;

beforeEach(async () => {
  fake = new FakeConsul();
  fake.store.defaultLockDelayMs = 0;
  address = await fake.start();
  shutdown = new AbortController();
});
afterEach(() => fake.stop());

function registry(graceMs = 5_000): Map<string, CommandFactory> {
  const lock = (): LockCommand =>
    new LockCommand({ childStdio: 'pipe', makeShutdown: () => signalShutdown(shutdown.signal), killGracePeriodMs: graceMs, lockRetryTimeMs: 50, monitorRetryTimeMs: 10 });
  return new Map([...commands, ['lock', lock]]);
}

async function lock(args: string[], graceMs?: number): Promise<{ code: number; out: string; err: string }> {
  const ui = new CaptureUi({ MUSTER_HTTP_ADDR: address, PATH: process.env.PATH, SHELL: '/bin/sh' });
  const code = await main(['lock', ...args], { ui, commands: registry(graceMs) });
  return { code, out: ui.stdout, err: ui.stderr };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('muster lock', () => {
  it('-verbose: Consul’s sequence; the child sees CONSUL_LOCK_HELD; everything is cleaned up', async () => {
    const r = await lock(['-verbose', 'svc/leader', 'echo held=$CONSUL_LOCK_HELD; exit 3']);
    expect(r).toEqual({
      code: 0,
      out: 'Setting up lock at path: svc/leader/.lock\nAttempting lock acquisition\nStarting handler\nheld=true\nChild terminated, releasing lock\nCleanup succeeded\n',
      err: 'Error running handler: exit status 3\n',
    });
    expect(fake.store.entries.size).toBe(0);
    expect(fake.store.sessions.size).toBe(0);
    const create = fake.requests.find((q) => q.path === '/v1/session/create')!;
    expect(create.body.toString()).toBe(`{"Name":"Consul lock for 'echo held=$CONSUL_LOCK_HELD; exit 3' at 'svc/leader'","TTL":"15s"}\n`);
  });

  it('-child-exit-code propagates a failed child as 2', async () => {
    expect(await lock(['-child-exit-code', 'svc/leader', 'exit 3'])).toEqual({ code: 2, out: '', err: 'Error running handler: exit status 3\n' });
    expect(await lock(['-child-exit-code', 'svc/leader', 'exit 0'])).toEqual({ code: 0, out: '', err: '' });
  });

  it('-shell=false runs the arguments directly; a missing program is Go’s fork/exec error', async () => {
    expect((await lock(['-shell=false', 'svc/leader', 'echo', 'a', 'b'])).out).toBe('a b\n');
    expect(await lock(['-shell=false', '-child-exit-code', 'svc/leader', '/nonexistent/x'])).toEqual({
      code: 2,
      out: '',
      err: 'Error starting handler: fork/exec /nonexistent/x: no such file or directory\n',
    });
    expect((await lock(['-shell=false', 'svc/leader', 'no-such-program-here'])).err).toBe('Error starting handler: exec: "no-such-program-here": executable file not found in $PATH\n');
  });

  it('without -pass-stdin the child reads nothing', async () => {
    expect((await lock(['svc/leader', 'cat; echo done'])).out).toBe('done\n');
  });

  it('-n=2 uses a semaphore', async () => {
    const r = await lock(['-n=2', '-verbose', '-name=mine', 'svc/sema', 'echo in sema']);
    expect(r.out).toBe('Setting up semaphore (limit 2) at prefix: svc/sema\nAttempting lock acquisition\nStarting handler\nin sema\nChild terminated, releasing lock\nCleanup succeeded\n');
    const create = fake.requests.find((q) => q.path === '/v1/session/create')!;
    expect(create.body.toString()).toBe('{"Behavior":"delete","Name":"mine","TTL":"15s"}\n');
    expect(fake.store.entries.size).toBe(0);
  });

  it('a lost lock: SIGTERM to the child, then release and cleanup', async () => {
    const running = lock(['-verbose', 'svc/y', 'trap "echo got TERM; exit 0" TERM; echo started; while true; do sleep 0.05; done']);
    await until(() => fake.store.entries.get('svc/y/.lock')?.session !== undefined && fake.store.entries.get('svc/y/.lock')!.session !== '');
    await new Promise((r) => setTimeout(r, 200));
    fake.store.destroySession(fake.store.entries.get('svc/y/.lock')!.session);
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Setting up lock at path: svc\/y\/\.lock\nAttempting lock acquisition\nStarting handler\nstarted\nLock lost, killing child\nTerminating child pid \d+\ngot TERM\nChild terminated\nCleanup succeeded\n$/);
    expect(r.err).toBe('');
  });

  it('a child ignoring SIGTERM is killed after the grace period', async () => {
    const running = lock(['-verbose', '-child-exit-code', 'svc/z', 'trap "echo ignoring" TERM; echo started; while true; do sleep 0.05; done'], 300);
    await until(() => Boolean(fake.store.entries.get('svc/z/.lock')?.session));
    await new Promise((r) => setTimeout(r, 200));
    fake.store.destroySession(fake.store.entries.get('svc/z/.lock')!.session);
    const r = await running;
    expect(r.code).toBe(0); // Consul: childCode only counts when the child ended by itself
    expect(r.out).toMatch(/Lock lost, killing child\nTerminating child pid (\d+)\nignoring\nChild did not exit after grace period of 300ms\nKilling child pid \1\nCleanup succeeded\n$/);
    expect(r.err).toBe('Error running handler: signal: killed\n');
  });

  it('shutdown while the child runs kills it and releases', async () => {
    const running = lock(['-verbose', 'svc/s', 'echo started; exec sleep 30']);
    await until(() => Boolean(fake.store.entries.get('svc/s/.lock')?.session));
    await new Promise((r) => setTimeout(r, 200));
    shutdown.abort();
    const r = await running;
    expect(r.out).toMatch(/Shutdown triggered, killing child\nTerminating child pid \d+\nChild terminated\nCleanup succeeded\n$/);
    expect(r.err).toBe('Error running handler: signal: terminated\n');
    expect(fake.store.sessions.size).toBe(0);
  });

  it('-timeout gives up while another holds the lock; -try is the same flag', async () => {
    const holder = lock(['svc/x', 'sleep 2']);
    await until(() => Boolean(fake.store.entries.get('svc/x/.lock')?.session));
    const start = performance.now();
    expect(await lock(['-timeout=300ms', 'svc/x', 'echo no'])).toEqual({ code: 1, out: '', err: 'Shutdown triggered or timeout during lock acquisition\n' });
    expect(performance.now() - start).toBeGreaterThanOrEqual(250);
    expect(await lock(['-try=200ms', 'svc/x', 'echo no'])).toEqual({ code: 1, out: '', err: 'Shutdown triggered or timeout during lock acquisition\n' });
    expect(await lock(['-n=3', 'svc/x', 'echo no'])).toEqual({ code: 1, out: '', err: 'Lock acquisition failed: Existing key does not match semaphore use\n' });
    expect((await holder).code).toBe(0);
  });

  it('a semaphore’s limit and a lock on a semaphore conflict', async () => {
    const holder = lock(['-n=2', 'svc/s', 'sleep 1']);
    await until(() => [...fake.store.entries.keys()].includes('svc/s/.lock'));
    expect((await lock(['-n=3', 'svc/s', 'echo no'])).err).toBe('Lock acquisition failed: semaphore limit conflict (lock: 2, local: 3)\n');
    expect((await lock(['svc/s', 'echo no'])).err).toBe('Lock acquisition failed: Existing key does not match lock use\n');
    expect((await holder).code).toBe(0);
  });

  it.each([
    [[], 'Key prefix and child command must be specified'],
    [['a'], 'Key prefix and child command must be specified'],
    [['-n=0', 'a', 'b'], 'Lock holder limit must be positive'],
    [['-timeout=-1s', 'a', 'b'], 'Timeout must be positive'],
    [['-monitor-retry=-1', 'a', 'b'], "Number for 'monitor-retry' must be >= 0"],
  ])('%j → %s', async (args, message) => {
    expect(await lock(args)).toEqual({ code: 1, out: '', err: message + '\n' });
    expect(fake.requests).toEqual([]);
  });

  it('agent errors', async () => {
    fake.override = (q) => (q.path === '/v1/agent/self' ? { status: 500, body: 'down' } : undefined);
    expect((await lock(['a', 'b'])).err).toBe('Error querying Consul agent: Unexpected response code: 500 (down)\n');
    fake.override = (q) => (q.path === '/v1/session/create' ? { status: 404, body: '' } : undefined);
    expect((await lock(['a', 'b'])).err).toBe('Lock acquisition failed: failed to create session: Unexpected response code: 404 ()\n');
  });
});
