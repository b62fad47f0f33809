/**
 * A client agent (no `-server`) between real processes on 127.0.0.x: it learns the server from
 * gossip and forwards KV, catalog, health, sessions, events and DNS lookups to it over the RPC
 * port; with no server it says "No known Consul servers"; it rides out a SIGKILL and restart
 * of the server and, once the server answers again, puts its services back into the catalog.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgent, uniqueLoopback, waitFor, type DevAgent } from '../helpers/process.js';

const execFileP = promisify(execFile);
const agents: DevAgent[] = [];
afterEach(async () => {
  while (agents.length > 0) await agents.pop()!.stop('SIGKILL');
});

const fast = { gossip_lan: { probe_interval: '100ms', probe_timeout: '100ms', gossip_interval: '100ms', suspicion_mult: 3 } };

async function agent(name: string, opts: { server?: boolean; host?: string; dataDir?: string; args?: string[] } = {}): Promise<DevAgent & { dataDir: string }> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), `muster-client-${name}-`));
  const file = join(dataDir, 'gossip.json');
  writeFileSync(file, JSON.stringify(fast));
  const role = opts.server ? ['-server', '-bootstrap'] : [];
  const a = await startAgent(['-node', name, '-data-dir', dataDir, '-config-file', file, '-serf-wan-port', '-1', ...role, ...(opts.args ?? [])], { host: opts.host });
  agents.push(a);
  return Object.assign(a, { dataDir });
}

async function get(a: DevAgent, path: string): Promise<{ status: number; body: string; index: number }> {
  const r = await fetch(a.url(path));
  return { status: r.status, body: await r.text(), index: Number(r.headers.get('x-consul-index') ?? 0) };
}

async function put(a: DevAgent, path: string, body = ''): Promise<{ status: number; body: string }> {
  const r = await fetch(a.url(path), { method: 'PUT', body });
  return { status: r.status, body: await r.text() };
}

async function knownServers(a: DevAgent): Promise<string> {
  const self = JSON.parse((await get(a, '/v1/agent/self')).body) as { Stats: { consul: { known_servers: string; server: string } } };
  expect(self.Stats.consul.server).toBe('false');
  return self.Stats.consul.known_servers;
}

/** `dig +short` with bounded tries and time. */
async function dig(a: DevAgent, port: number, ...q: string[]): Promise<{ stdout: string }> {
  return execFileP('dig', [`@${a.host}`, '-p', String(port), '+nocookie', '+tries=1', '+time=5', '+short', ...q], { timeout: 20_000 });
}

describe('a client agent', () => {
  it('says "No known Consul servers" until it knows one', async () => {
    const c = await agent('lonely');
    expect(await get(c, '/v1/kv/x')).toMatchObject({ status: 500, body: 'No known Consul servers' });
    expect(await put(c, '/v1/kv/x', 'v')).toMatchObject({ status: 500, body: 'No known Consul servers' });
    expect(await knownServers(c)).toBe('0');
    // Its own endpoints still answer.
    expect((await get(c, '/v1/agent/services')).status).toBe(200);
  });

  it('serves KV, catalog, health, events and DNS through the server, and survives the server restarting', async () => {
    const sHost = uniqueLoopback();
    const s = await agent('s1', { server: true, host: sHost });
    const dnsPort = 8600;
    const c = await agent('c1', { args: ['-retry-join', s.host, '-retry-interval', '1s', '-dns-port', String(dnsPort)] });
    await waitFor('the client knows the server', async () => ((await knownServers(c)) === '1' ? true : undefined));

    // KV written through the client lives on the server, and a wrong request is worded as Consul's client words it.
    expect(await put(c, '/v1/kv/app/color', 'blue')).toMatchObject({ status: 200, body: 'true' });
    expect(await get(s, '/v1/kv/app/color?raw')).toMatchObject({ status: 200, body: 'blue' });
    expect(await put(c, '/v1/kv/app/color?acquire=nope', 'x')).toMatchObject({
      status: 500,
      body: 'rpc error making call: failed session lookup: index error: UUID must be 36 characters',
    });

    // A snapshot saved through the client (streamed from the server) restores the state it had.
    const saved = await fetch(c.url('/v1/snapshot'));
    expect(saved.status).toBe(200);
    const archive = new Uint8Array(await saved.arrayBuffer());
    expect(await put(s, '/v1/kv/app/color', 'red')).toMatchObject({ status: 200, body: 'true' });
    expect((await fetch(c.url('/v1/snapshot'), { method: 'PUT', body: archive })).status).toBe(200);
    expect(await get(s, '/v1/kv/app/color?raw')).toMatchObject({ status: 200, body: 'blue' });

    // A blocking query on the client is held by the server and woken by a write made elsewhere.
    const before = await get(c, '/v1/kv/app/color');
    const blocked = get(c, `/v1/kv/app/color?index=${before.index}&wait=30s`);
    await put(s, '/v1/kv/app/color', 'green');
    const woken = await blocked;
    expect(woken.index).toBeGreaterThan(before.index);
    expect(Buffer.from((JSON.parse(woken.body) as Array<{ Value: string }>)[0]!.Value, 'base64').toString()).toBe('green');

    // The client's own service reaches the catalog through anti-entropy, and DNS on the client finds it.
    expect((await put(c, '/v1/agent/service/register', JSON.stringify({ Name: 'web', Port: 8080, Tags: ['v1'] }))).status).toBe(200);
    await waitFor('web in the catalog', async () => ((await get(s, '/v1/catalog/service/web')).body.includes('"ServiceID":"web"') ? true : undefined));
    const health = JSON.parse((await get(c, '/v1/health/service/web')).body) as Array<{ Node: { Node: string }; Checks: Array<{ CheckID: string; Status: string }> }>;
    expect(health.map((h) => h.Node.Node)).toEqual(['c1']);
    expect(health[0]!.Checks.find((x) => x.CheckID === 'serfHealth')?.Status).toBe('passing');
    expect((await dig(c, dnsPort, 'web.service.consul')).stdout.trim()).toBe(c.host);
    expect((await dig(c, dnsPort, 'v1.web.service.consul', 'SRV')).stdout.trim()).toBe('1 1 8080 c1.node.dc1.consul.');
    expect((await dig(c, dnsPort, 's1.node.consul')).stdout.trim()).toBe(s.host);

    // Sessions and a user event, through the server.
    const session = await put(c, '/v1/session/create', JSON.stringify({ Name: 'lock', Node: 'c1' }));
    expect(session.status).toBe(200);
    const fired = await put(c, '/v1/event/fire/deploy', 'v2');
    expect(fired.status).toBe(200);
    await waitFor('the event on the server', async () => ((await get(s, '/v1/event/list?name=deploy')).body.includes('"Name":"deploy"') ? true : undefined));

    // The server dies: the client's requests fail with a 500, not a hang.
    await s.stop('SIGKILL');
    agents.splice(agents.indexOf(s), 1);
    const down = await get(c, '/v1/kv/app/color');
    expect(down.status).toBe(500);
    expect(down.body).toMatch(/^(No known Consul servers|rpc error)/);

    // It comes back (state in memory until Raft storage, issue 6): the client reaches it again
    // and puts its service back.
    const s2 = await agent('s1', { server: true, host: sHost, dataDir: s.dataDir });
    await waitFor('KV through the client again', async () => ((await put(c, '/v1/kv/app/color', 'red')).body === 'true' ? true : undefined), 20_000);
    expect(await get(c, '/v1/kv/app/color?raw')).toMatchObject({ status: 200, body: 'red' });
    await waitFor('web back in the catalog', async () => ((await get(s2, '/v1/catalog/service/web')).body.includes('"ServiceID":"web"') ? true : undefined), 20_000);
    expect((await dig(c, dnsPort, 'web.service.consul')).stdout.trim()).toBe(c.host);
  });

  it('leaves the cluster on SIGTERM (leave_on_terminate), so the server deregisters it', async () => {
    const s = await agent('s2', { server: true });
    const c = await agent('c2', { args: ['-retry-join', s.host, '-retry-interval', '1s'] });
    await waitFor('c2 in the catalog', async () => ((await get(s, '/v1/catalog/node/c2')).body.includes('"Node":"c2"') ? true : undefined));
    agents.splice(agents.indexOf(c), 1);
    expect(await c.stop('SIGTERM')).toBe(0);
    expect(c.proc.stderr()).toContain('[INFO]  agent: Gracefully shutting down agent...');
    expect(c.proc.stderr()).toContain('[INFO]  agent: Graceful exit completed');
    await waitFor('c2 left', async () => {
      const members = JSON.parse((await get(s, '/v1/agent/members')).body) as Array<{ Name: string; Status: number }>;
      return members.find((m) => m.Name === 'c2')?.Status === 3 ? true : undefined;
    });
    await waitFor('c2 out of the catalog', async () => ((await get(s, '/v1/catalog/node/c2')).body === 'null' ? true : undefined));
  });
});
