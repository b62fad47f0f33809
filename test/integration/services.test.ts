/**
 * Services and checks of a real agent process: from config files, checks run against real
 * local servers and scripts, reload by SIGHUP and by the API, and restart with a data_dir.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startAgent, startDevAgent, uniqueLoopback, waitFor, type DevAgent } from '../helpers/process.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'muster-services-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function track(agent: Promise<DevAgent>): Promise<DevAgent> {
  const a = await agent;
  cleanups.push(() => a.stop('SIGKILL'));
  return a;
}

async function listen<T extends HttpServer | TcpServer>(server: T, host: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return (server.address() as { port: number }).port;
}

type Check = { CheckID: string; Status: string; Output: string; ServiceID: string };
async function checks(a: DevAgent): Promise<Map<string, Check>> {
  const body = (await (await fetch(a.url('/v1/health/state/any'))).json()) as Check[];
  return new Map(body.map((c) => [c.CheckID, c]));
}

async function statusesAre(a: DevAgent, want: Record<string, string>): Promise<Map<string, Check>> {
  return waitFor(`check statuses ${JSON.stringify(want)}`, async () => {
    const now = await checks(a);
    return Object.entries(want).every(([id, s]) => now.get(id)?.Status === s) ? now : undefined;
  });
}

describe('services and checks of a real agent', () => {
  it('runs http, tcp, ttl and script checks from config files and reports them to the catalog', async () => {
    const host = uniqueLoopback();
    const httpPort = await listen(createHttpServer((_req, res) => res.writeHead(429).end('slow down')), host);
    const tcpPort = await listen(createTcpServer((s) => s.end()), host);
    const closedPort = await freePort(host);
    const dir = tempDir();
    const script = join(dir, 'check.sh');
    writeFileSync(script, '#!/bin/sh\necho "disk at 91%"\nexit 1\n');
    chmodSync(script, 0o755);
    writeFileSync(
      join(dir, 'services.json'),
      JSON.stringify({
        enable_local_script_checks: true,
        services: [
          { name: 'web', port: 80, check: { id: 'web-http', http: `http://${host}:${httpPort}/health`, interval: '1s' } },
          { name: 'db', port: 5432, checks: [{ id: 'db-tcp', tcp: `${host}:${tcpPort}`, interval: '1s' }, { id: 'db-down', tcp: `${host}:${closedPort}`, interval: '1s' }] },
          { name: 'worker', check: { id: 'worker-ttl', ttl: '30s' } },
          // The legacy `script` of configs written for Consul 1.0 (seed 003), run through the shell.
          { name: 'echo', tags: ['master'], check: { id: 'echo-legacy', script: "echo 'hello' && exit 0", interval: '1s' } },
        ],
        check: { id: 'disk', name: 'disk', args: [script], interval: '1s' },
      }),
    );
    const a = await track(startDevAgent(['-config-dir', dir]));
    const now = await statusesAre(a, {
      'web-http': 'warning', 'db-tcp': 'passing', 'db-down': 'critical', 'worker-ttl': 'critical', disk: 'warning', 'echo-legacy': 'passing',
    });
    expect(now.get('echo-legacy')!.Output).toBe('hello\n');
    expect(now.get('web-http')!.Output).toBe(`HTTP GET http://${host}:${httpPort}/health: 429 Too Many Requests Output: slow down`);
    expect(now.get('db-tcp')!.Output).toBe(`TCP connect ${host}:${tcpPort}: Success`);
    expect(now.get('disk')!.Output).toBe('disk at 91%\n');
    // A TTL check is driven through the agent API.
    expect((await fetch(a.url('/v1/agent/check/pass/worker-ttl?note=working'), { method: 'PUT' })).status).toBe(200);
    const ttl = await statusesAre(a, { 'worker-ttl': 'passing' });
    expect(ttl.get('worker-ttl')!.Output).toBe('working');
    // The agent's own view, with Consul's status codes.
    const web = await fetch(a.url('/v1/agent/health/service/name/web?format=text'));
    expect([web.status, await web.text()]).toEqual([429, 'warning']);
  });

  it('refuses script checks from config files unless enabled, naming why', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'check.json'), JSON.stringify({ check: { id: 'x', name: 'x', args: ['/bin/true'], interval: '10s' } }));
    const host = uniqueLoopback();
    const port = await freePort(host);
    const { runToEnd } = await import('../helpers/process.js');
    const r = await runToEnd(['agent', '-dev', '-bind', host, '-client', host, '-http-port', String(port), '-config-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain(
      "Failed to register check 'x': Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true",
    );
  });

  it('reloads services from the files (SIGHUP and the API), keeping check state; a broken file changes nothing', async () => {
    const dir = tempDir();
    const file = join(dir, 'services.json');
    const write = (services: unknown[]): void => writeFileSync(file, JSON.stringify({ services }));
    write([
      { name: 'a', check: { id: 'a-ttl', ttl: '1m' } },
      { name: 'b', port: 1 },
    ]);
    const a = await track(startDevAgent(['-config-dir', dir]));
    await fetch(a.url('/v1/agent/check/pass/a-ttl?note=up'), { method: 'PUT' });
    await statusesAre(a, { 'a-ttl': 'passing' });
    const services = async () => Object.keys((await (await fetch(a.url('/v1/catalog/services'))).json()) as object).sort();
    expect(await services()).toEqual(['a', 'b', 'consul']);

    write([
      { name: 'a', tags: ['v2'], check: { id: 'a-ttl', ttl: '1m' } },
      { name: 'c', port: 3 },
    ]);
    a.proc.child.kill('SIGHUP');
    await waitFor('reloaded services', async () => ((await services()).join() === 'a,c,consul' ? true : undefined));
    const after = await checks(a);
    expect([after.get('a-ttl')!.Status, after.get('a-ttl')!.Output]).toEqual(['passing', 'up']);
    const tags = (await (await fetch(a.url('/v1/catalog/service/a'))).json()) as Array<{ ServiceTags: string[] }>;
    expect(tags[0]!.ServiceTags).toEqual(['v2']);

    writeFileSync(file, '{"services": [ {"name": ');
    const r = await fetch(a.url('/v1/agent/reload'), { method: 'PUT' });
    expect(r.status).toBe(500);
    expect(await r.text()).toContain('Failed to reload configs');
    expect(await services()).toEqual(['a', 'c', 'consul']);
    await waitFor('reload error in the log', () => (a.proc.stderr().includes('[ERROR] agent: Failed to reload configs') ? true : undefined));
  });

  it('keeps services and checks registered through the API across a restart (data_dir)', async () => {
    const dataDir = tempDir();
    const host = uniqueLoopback();
    const args = ['-server', '-bootstrap', '-data-dir', dataDir, '-node', 'persist-node'];
    let a = await startAgent(args, { host });
    const reg = await fetch(a.url('/v1/agent/service/register'), {
      method: 'PUT',
      body: JSON.stringify({ Name: 'api', Port: 9000, Check: { CheckID: 'api-ttl', TTL: '1h' } }),
    });
    expect(reg.status).toBe(200);
    await fetch(a.url('/v1/agent/check/warn/api-ttl?note=degraded'), { method: 'PUT' });
    await fetch(a.url('/v1/agent/service/maintenance/api?enable=true&reason=deploy'), { method: 'PUT' });
    expect(await a.stop('SIGTERM')).toBe(0);

    a = await track(startAgent(args, { host }));
    const svc = (await (await fetch(a.url('/v1/agent/services'))).json()) as Record<string, { Port: number }>;
    expect(svc['api']?.Port).toBe(9000);
    const now = await statusesAre(a, { 'api-ttl': 'warning', '_service_maintenance:api': 'critical' });
    expect(now.get('api-ttl')!.Output).toBe('degraded');
  });
});
