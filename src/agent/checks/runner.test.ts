import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/process.js';
import { CaptureLogger, ManualClock, SeededRng } from '../../lib/index.js';
import { CheckRunnerSet, createRunner } from './runner.js';
import { emptyCheckDefinition, type CheckDefinition, type CheckStatus } from './types.js';

const def = (over: Partial<CheckDefinition>): CheckDefinition => ({ ...emptyCheckDefinition(), ...over });
const ip = '127.0.0.60';
let openPort = 0;
let listener: Server;

beforeAll(async () => {
  const listen = (s: Server) => new Promise<number>((resolve) => s.listen(0, ip, () => resolve((s.address() as AddressInfo).port)));
  listener = createServer((s) => s.destroy());
  openPort = await listen(listener);
});
afterAll(() => void listener.close());

function deps(clock = new ManualClock()) {
  const updates: Array<[string, CheckStatus, string]> = [];
  const log = new CaptureLogger();
  return {
    clock,
    updates,
    log,
    deps: { clock, rng: new SeededRng(7), logger: log.logger, update: (id: string, s: CheckStatus, o: string) => void updates.push([id, s, o]) },
  };
}

describe('createRunner', () => {
  it('staggers the first run within the interval, then runs every interval', async () => {
    const t = deps();
    const { runner } = createRunner('tcp', def({ tcp: `${ip}:${openPort}`, intervalMs: 10_000 }), { ...t.deps, outputMaxSize: 4096 });
    runner.start();
    const stagger = new SeededRng(7).next() * 10_000;
    t.clock.advance(stagger - 1);
    expect(t.clock.pendingTimers()).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(t.updates).toEqual([]);
    t.clock.advance(1);
    await waitFor('first run', () => t.updates[0]);
    t.clock.advance(10_000);
    await waitFor('second run', () => t.updates[1]);
    runner.stop();
    expect(t.clock.pendingTimers()).toBe(0);
  });

  it('raises an interval below 1s to 1s, with a warning', async () => {
    const t = deps();
    const { runner } = createRunner('tcp', def({ tcp: `${ip}:${openPort}`, intervalMs: 10 }), { ...t.deps, outputMaxSize: 4096 });
    runner.start();
    t.clock.advance(1000);
    await waitFor('first run', () => t.updates[0]);
    t.clock.advance(999);
    await new Promise((r) => setImmediate(r));
    expect(t.updates).toHaveLength(1);
    t.clock.advance(1);
    await waitFor('second run', () => t.updates[1]);
    runner.stop();
    expect(t.log.lines()).toContain('[WARN] check has interval below minimum');
  });

  it('applies failures_before_critical through the StatusHandler', async () => {
    const own = createServer((s) => s.destroy());
    const port = await new Promise<number>((resolve) => own.listen(0, ip, () => resolve((own.address() as AddressInfo).port)));
    const t = deps();
    const { runner } = createRunner('tcp', def({ tcp: `${ip}:${port}`, intervalMs: 1000, failuresBeforeCritical: 2 }), { ...t.deps, outputMaxSize: 4096 });
    runner.start();
    const runs = () => t.log.lines().filter((l) => l === '[DEBUG] Check status updated' || l.startsWith('[WARN] Check failed but')).length;
    t.clock.advance(1000);
    await waitFor('the first run', () => t.updates[0]);
    expect(t.updates[0]![1]).toBe('passing');
    await new Promise((r) => own.close(r));
    t.clock.advance(1000);
    await waitFor('the second run', () => (runs() === 2 ? true : undefined));
    expect(t.updates).toHaveLength(1); // one failure: not critical yet
    t.clock.advance(1000);
    await waitFor('the third run', () => t.updates[1]);
    expect(t.updates[1]).toEqual(['tcp', 'critical', `dial tcp ${ip}:${port}: connect: connection refused`]);
    runner.stop();
  });

  it('recognises docker and grpc checks and reports them as not supported', async () => {
    for (const [d, text] of [
      [def({ grpc: 'localhost:1', intervalMs: 1000 }), 'gRPC checks are not supported by Muster'],
      [def({ scriptArgs: ['true'], dockerContainerID: 'c', intervalMs: 1000 }), 'Docker checks are not supported by Muster'],
    ] as const) {
      const t = deps();
      const created = createRunner('x', d, { ...t.deps, outputMaxSize: 4096 });
      created.runner.start();
      await waitFor('report', () => t.updates[0]);
      expect(t.updates).toEqual([['x', 'critical', text]]);
    }
  });

  it('refuses a definition of no kind', () => {
    expect(() => createRunner('x', def({}), { ...deps().deps, outputMaxSize: 4096 })).toThrow('Check type is not valid');
  });
});

describe('CheckRunnerSet', () => {
  it('replaces a check of another kind, and only TTL checks take updates', async () => {
    const t = deps();
    const set = new CheckRunnerSet(t.deps);
    set.add('c', def({ tcp: `${ip}:${openPort}`, intervalMs: 1000 }), 4096);
    expect(() => set.updateTtl('c', 'passing', 'x')).toThrow('CheckID "c" does not have associated TTL');
    set.add('c', def({ ttlMs: 5000 }), 10);
    expect(set.kindOf('c')).toBe('ttl');
    t.clock.advance(1000); // the TCP runner was stopped: no run
    await new Promise((r) => setImmediate(r));
    expect(set.updateTtl('c', 'passing', 'a long output')).toBe('a long out ... (captured 10 of 13 bytes)');
    t.clock.advance(5000);
    expect(t.updates).toEqual([
      ['c', 'passing', 'a long out ... (captured 10 of 13 bytes)'],
      ['c', 'critical', 'TTL expired (last output before timeout follows): a long out ... (captured 10 of 13 bytes)'],
    ]);
    set.remove('c');
    expect(set.has('c')).toBe(false);
    expect(() => set.updateTtl('missing', 'passing', '')).toThrow('CheckID "missing" does not have associated TTL');
  });

  it('stopAll stops every runner', () => {
    const t = deps();
    const set = new CheckRunnerSet(t.deps);
    set.add('a', def({ ttlMs: 1000 }), 4096);
    set.add('b', def({ tcp: `${ip}:${openPort}`, intervalMs: 1000 }), 4096);
    expect(set.ids()).toEqual(['a', 'b']);
    set.stopAll();
    expect(t.clock.pendingTimers()).toBe(0);
    t.clock.advance(10_000);
    expect(t.updates).toEqual([]);
  });
});

