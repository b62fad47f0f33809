/**
 * Every watch type against a real `muster agent -dev` (bin/muster) on its own loopback
 * address, with the agent's script handler: what the handler reads on stdin, CONSUL_INDEX, and
 * one run per real change (an unrelated write, or a wake-up with an equal result, runs nothing).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevAgent, waitFor, type DevAgent } from '../../test/helpers/process.js';
import { systemClock } from '../agent/run.js';
import { nullLogger } from '../lib/index.js';
import { scriptHandler, startWatch, type RunningWatch } from './index.js';
import { parseWatch, type WatchParams } from './params.js';

let agent: DevAgent;
let dir: string;
const running: RunningWatch[] = [];

beforeAll(async () => {
  agent = await startDevAgent();
  dir = mkdtempSync(join(tmpdir(), 'muster-watch-'));
}, 30_000);

afterAll(async () => {
  for (const r of running) r.stop();
  await Promise.allSettled(running.map((r) => r.done));
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(agent.url(path), { method, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text ? (JSON.parse(text) as unknown) : undefined;
}

interface Runs {
  /** Each run's stdin, parsed. */
  inputs(): unknown[];
  /** Each run's CONSUL_INDEX. */
  indexes(): string[];
  /** Waits until there are `n` runs, then checks there are exactly `n`. */
  settle(n: number): Promise<unknown[]>;
}

/** Starts a watch whose handler is a shell script appending its stdin and CONSUL_INDEX to files. */
function watch(name: string, params: WatchParams): Runs {
  const file = join(dir, name);
  const script = `cat >> ${file}.json; echo "$CONSUL_INDEX" >> ${file}.idx`;
  const handler = scriptHandler(nullLogger, ['/bin/sh', '-c', script], process.env);
  running.push(startWatch(parseWatch(params), handler, { client: { address: agent.httpAddr }, clock: systemClock, logger: nullLogger }));
  const lines = (ext: string): string[] => {
    try {
      return readFileSync(`${file}.${ext}`, 'utf8').split('\n').filter((l) => l !== '');
    } catch {
      return [];
    }
  };
  const runs: Runs = {
    inputs: () => lines('json').map((l) => JSON.parse(l) as unknown),
    indexes: () => lines('idx'),
    settle: async (n) => {
      await waitFor(`${name}: ${n} runs`, () => (runs.indexes().length >= n ? true : undefined));
      expect(runs.indexes()).toHaveLength(n);
      return runs.inputs();
    },
  };
  return runs;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('watch types against a live agent', () => {
  it('key: null at start, each write and the delete; an unrelated write runs nothing', async () => {
    const runs = watch('key', { type: 'key', key: 'app/config' });
    expect(await runs.settle(1)).toEqual([null]);
    await api('PUT', '/v1/kv/app/config', 'v1');
    const [, first] = await runs.settle(2);
    expect(first).toMatchObject({ Key: 'app/config', Value: b64('v1'), Flags: 0, LockIndex: 0, Session: '' });
    expect(Object.keys(first as object)).toEqual(['Key', 'CreateIndex', 'ModifyIndex', 'LockIndex', 'Flags', 'Value', 'Session']);
    expect(runs.indexes()[1]).toBe(String((first as { ModifyIndex: number }).ModifyIndex));
    await api('PUT', '/v1/kv/other/key', 'x');
    await api('PUT', '/v1/kv/app/config', 'v2');
    const inputs = await runs.settle(3);
    expect(inputs[2]).toMatchObject({ Value: b64('v2') });
    await api('DELETE', '/v1/kv/app/config');
    expect((await runs.settle(4))[3]).toBeNull();
  });

  it('keyprefix: every key under the prefix on each change inside it', async () => {
    const runs = watch('keyprefix', { type: 'keyprefix', prefix: 'pepabo/' });
    expect(await runs.settle(1)).toEqual([null]);
    await api('PUT', '/v1/kv/pepabo/a', '1');
    await runs.settle(2);
    await api('PUT', '/v1/kv/elsewhere', '1');
    await api('PUT', '/v1/kv/pepabo/b', '2');
    const inputs = await runs.settle(3);
    expect((inputs[2] as Array<{ Key: string; Value: string }>).map((p) => [p.Key, p.Value])).toEqual([
      ['pepabo/a', b64('1')],
      ['pepabo/b', b64('2')],
    ]);
  });

  it('services and nodes: the catalog, again when it changes', async () => {
    const services = watch('services', { type: 'services' });
    const nodes = watch('nodes', { type: 'nodes' });
    expect((await services.settle(1))[0]).toEqual({ consul: [] });
    const [first] = await nodes.settle(1);
    expect(Object.keys((first as object[])[0]!)).toEqual(['ID', 'Node', 'Address', 'Datacenter', 'TaggedAddresses', 'Meta', 'CreateIndex', 'ModifyIndex']);
    await api('PUT', '/v1/catalog/register', { Node: 'ext', Address: '10.0.0.9', Service: { Service: 'db', Tags: ['primary'], Port: 5432 } });
    expect((await services.settle(2))[1]).toEqual({ consul: [], db: ['primary'] });
    expect(((await nodes.settle(2))[1] as Array<{ Node: string }>).map((n) => n.Node).sort()).toContain('ext');
    await api('PUT', '/v1/kv/unrelated', 'x');
    await api('PUT', '/v1/catalog/deregister', { Node: 'ext' });
    expect((await services.settle(3))[2]).toEqual({ consul: [] });
    await nodes.settle(3);
  });

  it('service with tags and passingonly, and checks by service and by state', async () => {
    const passing = watch('service', { type: 'service', service: 'web', tag: ['v1'], passingonly: true });
    const byService = watch('checks-svc', { type: 'checks', service: 'web' });
    const critical = watch('checks-crit', { type: 'checks', state: 'critical' });
    expect(await passing.settle(1)).toEqual([[]]);
    await byService.settle(1);
    await critical.settle(1);
    await api('PUT', '/v1/agent/service/register', { Name: 'web', Tags: ['v1', 'primary'], Port: 80, Check: { CheckID: 'web-ttl', TTL: '60s' } });
    const checks = (await byService.settle(2))[1] as Array<Record<string, unknown>>;
    expect(checks.map((c) => [c['CheckID'], c['Status']])).toEqual([['web-ttl', 'critical']]);
    expect(checks[0]!['Definition']).toEqual({ Interval: '0s', Timeout: '0s', DeregisterCriticalServiceAfter: '0s', HTTP: '', Header: null, Method: '', Body: '', TLSSkipVerify: false, TCP: '' });
    expect(((await critical.settle(2))[1] as Array<{ CheckID: string }>).map((c) => c.CheckID)).toEqual(['web-ttl']);
    await api('PUT', '/v1/agent/check/pass/web-ttl');
    const [, entries] = await passing.settle(2);
    const entry = (entries as Array<Record<string, Record<string, unknown>>>)[0]!;
    expect(Object.keys(entry)).toEqual(['Node', 'Service', 'Checks']);
    expect(entry['Service']).toMatchObject({ ID: 'web', Service: 'web', Tags: ['v1', 'primary'], Port: 80, Weights: { Passing: 1, Warning: 1 } });
    expect(((await critical.settle(3))[2] as unknown[]).length).toBe(0);
    await byService.settle(3);
  });

  it('event: [] at start, then only the new events of that name', async () => {
    const runs = watch('event', { type: 'event', name: 'hello' });
    expect(await runs.settle(1)).toEqual([[]]);
    await api('PUT', '/v1/event/fire/hello', 'one');
    const [, first] = await runs.settle(2);
    const e1 = (first as Array<Record<string, unknown>>)[0]!;
    expect(Object.keys(e1)).toEqual(['ID', 'Name', 'Payload', 'NodeFilter', 'ServiceFilter', 'TagFilter', 'Version', 'LTime']);
    expect(e1).toMatchObject({ Name: 'hello', Payload: b64('one'), Version: 1 });
    await api('PUT', '/v1/event/fire/other', 'x');
    await api('PUT', '/v1/event/fire/hello', 'two');
    const inputs = await runs.settle(3);
    expect((inputs[2] as Array<{ Payload: string }>).map((e) => e.Payload)).toEqual([b64('two')]);
    expect(BigInt(runs.indexes()[2]!)).toBeGreaterThan(0n);
  });
});
