/**
 * The agent's `watches`: parsed from JSON and HCL config with Consul's errors, run against a
 * live agent's HTTP API with script and http handlers, replaced on reload, stopped.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevAgent, waitFor, type DevAgent } from '../../test/helpers/process.js';
import { loadConfig, type RuntimeConfig } from '../config/index.js';
import { CaptureLogger, ManualClock, MusterError } from '../lib/index.js';
import { systemClock } from './run.js';
import { AgentWatches, watchAddress } from './watches.js';

let agent: DevAgent;
let dir: string;
beforeAll(async () => {
  agent = await startDevAgent();
  dir = mkdtempSync(join(tmpdir(), 'muster-agent-watch-'));
}, 30_000);
afterAll(async () => {
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function config(hcl: string[], flags: Record<string, unknown> = {}): RuntimeConfig {
  return loadConfig({ dev: true, paths: [], format: '', hcl, flags, host: { hostname: 'vm', privateIPv4s: [] } }).config;
}

function lines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  } catch {
    return [];
  }
}

async function put(key: string, value: string): Promise<void> {
  expect((await fetch(agent.url(`/v1/kv/${key}`), { method: 'PUT', body: value })).ok).toBe(true);
}

describe('AgentWatches.parse', () => {
  it('reads watches from HCL and JSON sources and appends them', () => {
    const c = config(['watches = [{ type = "key", key = "a", args = ["/bin/true"] }]', 'watches { type = "nodes"\n handler = "/opt/bin/check.sh" }']);
    expect(AgentWatches.parse(c).map((w) => [w.spec.type, w.handler])).toEqual([
      ['key', { kind: 'script', handler: ['/bin/true'] }],
      ['nodes', { kind: 'script', handler: '/opt/bin/check.sh' }],
    ]);
  });

  it("refuses a bad entry with Consul's text, and watches without an HTTP port", () => {
    const bad = (): AgentWatchesParse => AgentWatches.parse(config(['watches = [{ type = "key", handler = "x" }]']));
    expect(bad).toThrow(MusterError);
    expect(bad).toThrow('Failed to parse watch (map[string]interface {}{"handler":"x"}): Must specify a single key to watch');
    expect(() => AgentWatches.parse(config(['watches = [{ type = "nodes", args = ["x"] }]', 'ports { http = -1 }']))).toThrow('watch plans require an HTTP or HTTPS endpoint');
    expect(AgentWatches.parse(config([]))).toEqual([]);
  });

  it('reaches the agent over loopback when it listens on every address', () => {
    expect(watchAddress(['0.0.0.0:8500'])).toBe('127.0.0.1:8500');
    expect(watchAddress(['[::]:8500', '10.0.0.1:8500'])).toBe('[::1]:8500');
    expect(watchAddress(['10.0.0.1:8500'])).toBe('10.0.0.1:8500');
  });
});

type AgentWatchesParse = ReturnType<typeof AgentWatches.parse>;

describe('AgentWatches against a live agent', () => {
  it('runs script handlers, logs their output, and replaces them on reload', async () => {
    const log = new CaptureLogger();
    const watches = new AgentWatches({ clock: systemClock, logger: log.logger, clientConfig: () => ({ address: agent.httpAddr }), env: process.env });
    const a = join(dir, 'a.txt');
    const b = join(dir, 'b.txt');
    watches.start(AgentWatches.parse(config([`watches = [{ type = "key", key = "r/k", args = ["/bin/sh", "-c", "cat >> ${a}; echo out-$CONSUL_INDEX"] }]`])));
    await waitFor('first run', () => (lines(a).length === 1 ? true : undefined));
    expect(lines(a)).toEqual(['null']);
    await waitFor('output logged', () => log.records.find((r) => r.message === 'watch handler output'));
    expect(log.records.find((r) => r.message === 'watch handler output')).toMatchObject({ level: 'debug', fields: { watch_handler: `[/bin/sh -c cat >> ${a}; echo out-$CONSUL_INDEX]` } });
    expect(String(log.records.find((r) => r.message === 'watch handler output')!.fields['output'])).toMatch(/^out-\d+\n$/);
    await put('r/k', 'one');
    await waitFor('second run', () => (lines(a).length === 2 ? true : undefined));

    // A reload with another list: the old watch stops, the new one starts with the current value.
    watches.replace(AgentWatches.parse(config([`watches = [{ type = "key", key = "r/k", handler = "cat >> ${b}; exit 2" }]`])));
    expect(watches.count).toBe(1);
    await waitFor('new watch ran', () => (lines(b).length === 1 ? true : undefined));
    expect(JSON.parse(lines(b)[0]!)).toMatchObject({ Key: 'r/k', Value: Buffer.from('one').toString('base64') });
    await put('r/k', 'two');
    await waitFor('new watch ran again', () => (lines(b).length === 2 ? true : undefined));
    expect(lines(a)).toHaveLength(2);
    expect(log.records.some((r) => r.message.startsWith("The 'handler' field in watches has been deprecated"))).toBe(true);
    expect(log.records.find((r) => r.message === 'Failed to run watch handler')).toMatchObject({ level: 'error', fields: { watch_handler: `cat >> ${b}; exit 2`, error: 'exit status 2' } });
    await watches.stop();
    expect(watches.count).toBe(0);
    await put('r/k', 'three');
    await put('r/other', 'sync'); // a later write: had a watch still run, it would have seen "three" by now
    expect(lines(b)).toHaveLength(2);
  });

  it('posts the JSON to an http handler with X-Consul-Index and the configured method and headers', async () => {
    const got: Array<{ method: string; headers: http.IncomingHttpHeaders; body: string }> = [];
    let status = 200;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        got.push({ method: req.method ?? '', headers: req.headers, body });
        res.statusCode = status;
        res.end('handled');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const log = new CaptureLogger();
    const watches = new AgentWatches({ clock: systemClock, logger: log.logger, clientConfig: () => ({ address: agent.httpAddr }), env: process.env });
    try {
      const hcl = `watches = [{ type = "key", key = "h/k", handler_type = "http", http_handler_config { path = "${url}", method = "PUT", header = { x-token = ["s1", "s2"] } } }]`;
      watches.start(AgentWatches.parse(config([hcl])));
      await waitFor('first post', () => (got.length === 1 ? true : undefined));
      expect(got[0]!.method).toBe('PUT');
      expect(got[0]!.body).toBe('null\n');
      expect(got[0]!.headers['content-type']).toBe('application/json');
      expect(got[0]!.headers['x-token']).toBe('s1, s2');
      expect(Number(got[0]!.headers['x-consul-index'])).toBeGreaterThan(0);
      status = 500;
      await put('h/k', 'v');
      await waitFor('second post', () => (got.length === 2 ? true : undefined));
      expect(JSON.parse(got[1]!.body)).toMatchObject({ Key: 'h/k' });
      expect(got[1]!.headers['x-consul-index']).toBe(String((JSON.parse(got[1]!.body) as { ModifyIndex: number }).ModifyIndex));
      await waitFor('failure logged', () => log.records.find((r) => r.message === 'http watch handler failed with output'));
      expect(log.records.find((r) => r.message === 'http watch handler failed with output')!.fields).toEqual({ watch: url, status: '500 Internal Server Error', output: 'handled' });
    } finally {
      await watches.stop();
      server.close();
    }
  });

  it('backs off after errors with the injected clock (an unreachable agent)', async () => {
    const clock = new ManualClock();
    const log = new CaptureLogger();
    const watches = new AgentWatches({ clock, logger: log.logger, clientConfig: () => ({ address: '127.0.0.1:1' }), env: {} });
    watches.start(AgentWatches.parse(config(['watches = [{ type = "nodes", args = ["/bin/true"] }]'])));
    await waitFor('first error', () => (clock.pendingTimers() === 1 ? true : undefined));
    const first = log.records.find((r) => r.message === 'Watch errored')!;
    expect(first.module).toBe('watch.watch');
    expect(first.fields).toEqual({ type: 'nodes', error: 'Get "http://127.0.0.1:1/v1/catalog/nodes": dial tcp 127.0.0.1:1: connect: connection refused', retry: '5s' });
    clock.advance(5_000);
    await waitFor('second error', () => (log.records.filter((r) => r.message === 'Watch errored').length === 2 && clock.pendingTimers() === 1 ? true : undefined));
    expect(log.records.filter((r) => r.message === 'Watch errored')[1]!.fields['retry']).toBe('20s');
    await watches.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});
