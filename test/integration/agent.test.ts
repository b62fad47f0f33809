import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, run, runToEnd, startAgent, startDevAgent, uniqueLoopback, waitFor, within, type DevAgent } from '../helpers/process.js';

const agents: DevAgent[] = [];
afterEach(async () => {
  while (agents.length > 0) await agents.pop()!.stop('SIGKILL');
});

async function dev(args: string[] = []): Promise<DevAgent> {
  const a = await startDevAgent(args);
  agents.push(a);
  return a;
}

describe('muster agent -dev (real process)', () => {
  it('serves KV over HTTP, logs in Consul’s format and exits 0 on SIGTERM', async () => {
    const host = uniqueLoopback();
    const dnsPort = await freePort(host);
    const a = await startAgent(['-dev', '-dns-port', String(dnsPort)], { host });
    agents.push(a);
    const put = await fetch(a.url('/v1/kv/hello'), { method: 'PUT', body: 'World' });
    expect(await put.text()).toBe('true\n'); // -dev pretty-prints every reply, as Consul's does
    const raw = await fetch(a.url('/v1/kv/hello?raw'));
    expect(await raw.text()).toBe('World');
    const nodes = await fetch(a.url('/v1/catalog/nodes'));
    expect(nodes.headers.get('x-consul-knownleader')).toBe('true');
    expect(Number(nodes.headers.get('x-consul-index'))).toBeGreaterThanOrEqual(2);
    const list = (await nodes.json()) as Array<{ Node: string; Address: string }>;
    expect(list).toHaveLength(1);
    expect(list[0]!.Address).toBe(a.host);

    expect(a.proc.stdout()).toContain('==> Starting Muster agent...');
    expect(a.proc.stdout()).toMatch(new RegExp(`Client Addr: \\[127\\.0\\.\\d+\\.\\d+\\] \\(HTTP: \\d+, HTTPS: -1, gRPC: 8502, DNS: ${dnsPort}\\)`));
    for (const network of ['udp', 'tcp']) expect(a.proc.stderr()).toContain(`[INFO]  agent: Started DNS server: address=${host}:${dnsPort} network=${network}`);
    await waitFor('HTTP start log line', () => (a.proc.stderr().includes('Started HTTP server') ? true : undefined));
    const line = a.proc.stderr().split('\n').find((l) => l.includes('Started HTTP server'))!;
    expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[INFO\]  agent: Started HTTP server: address=127\.0\.\d+\.\d+:\d+ network=tcp$/);

    agents.pop();
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(a.proc.stderr()).toContain('[INFO]  agent: Caught: signal=terminated');
  });

  it('exits at once on SIGTERM while calls wait out the RPC hold for a leader (none is ever elected here)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'muster-noleader-'));
    const a = await startAgent(['-server', '-data-dir', dataDir, '-node', 'alone']);
    agents.push(a);
    // Both held for rpc_hold_timeout (7 s) before "No cluster leader": the agent's first
    // anti-entropy sync (from start) and this write.
    const held = fetch(a.url('/v1/kv/held'), { method: 'PUT', body: 'x' }).catch(() => undefined);
    agents.pop();
    a.proc.child.kill('SIGTERM');
    // Well under the 7 s hold: no retry timer may keep the process up after "shutdown complete".
    expect(await within(a.proc.exited, 3_000, 'exit while a call is held')).toBe(0);
    expect(a.proc.stderr()).toContain('shutdown complete');
    await held;
  });

  it('loads neither crypto nor TLS nor readline nor node:http unless configured to need them, and still makes random IDs', async () => {
    // A default agent needs none of these (src/host/lazy-builtins.ts); loading crypto alone costs
    // about 1.2 MiB of RSS, node:http 0.9 MiB (the agent serves HTTP on node:net,
    // src/http/http1-server.ts). A preloaded probe records which built-ins the process loaded.
    const dir = mkdtempSync(join(tmpdir(), 'muster-builtins-'));
    const probe = join(dir, 'probe.mjs');
    const out = join(dir, 'modules.json');
    writeFileSync(probe, `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.moduleLoadList)));\n`);
    const a = await startAgent(['-dev'], { env: { NODE_OPTIONS: `--import=${pathToFileURL(probe).href}` } });
    agents.push(a);
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(a.url('/v1/session/create'), { method: 'PUT', body: '{}' });
      ids.add(((await res.json()) as { ID: string }).ID);
    }
    expect(ids.size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await (await fetch(a.url('/v1/kv/k'), { method: 'PUT', body: 'v' })).text()).toContain('true');
    agents.pop();
    expect(await a.stop('SIGTERM')).toBe(0);
    const loaded = JSON.parse(readFileSync(out, 'utf8')) as string[];
    expect(loaded).toContain('NativeModule net'); // the probe saw the agent's modules
    for (const m of ['crypto', 'https', 'tls', 'readline', 'http', '_http_server']) expect(loaded).not.toContain(`NativeModule ${m}`);
  });

  it('exits 0 on SIGINT too; a server does not leave the cluster on it (skip_leave_on_interrupt)', async () => {
    const a = await dev();
    agents.pop();
    expect(await a.stop('SIGINT')).toBe(0);
    expect(a.proc.stderr()).toContain('[INFO]  agent: Caught: signal=interrupt\n');
    expect(a.proc.stderr()).toContain('[INFO]  agent: Graceful shutdown disabled. Exiting\n');
  });

  it('writes JSON log lines with -log-json', async () => {
    const a = await dev(['-log-json']);
    await waitFor('a log line', () => (a.proc.stderr().includes('Started HTTP server') ? true : undefined));
    const rec = JSON.parse(a.proc.stderr().split('\n').find((l) => l.includes('Started HTTP server'))!) as Record<string, string>;
    expect(rec).toMatchObject({ '@level': 'info', '@module': 'agent', '@message': 'Started HTTP server', network: 'tcp' });
  });

  it('fails with one line naming the port when the HTTP port is taken', async () => {
    const host = uniqueLoopback();
    const port = await freePort(host);
    const blocker = createServer().listen(port, host);
    await new Promise((r) => blocker.once('listening', r));
    try {
      const r = await runToEnd(['agent', '-dev', '-bind', host, '-client', host, '-http-port', String(port)]);
      expect(r.code).toBe(1);
      const errLines = r.stderr.trim().split('\n');
      expect(errLines).toHaveLength(1);
      expect(errLines[0]).toContain(`${host}:${port}`);
      expect(errLines[0]).toContain('address already in use');
    } finally {
      blocker.close();
    }
  });

  it('refuses a config file with an unknown key or a wrong type, naming file and key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'muster-cfg-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ datacenter: 'dc1', bogus_key: true }));
    const r1 = await runToEnd(['agent', '-dev', '-config-file', bad]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain(`failed to parse ${bad}: invalid config key bogus_key`);
    writeFileSync(bad, JSON.stringify({ ports: { http: 'abc' } }));
    const r2 = await runToEnd(['agent', '-dev', '-config-file', bad]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(`'ports.http' expected type 'int'`);
  });

  it('reads a config dir (JSON and HCL in lexical order; flags win) and warns once per setting it ignores', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'muster-cfgdir-'));
    const host = uniqueLoopback();
    const port = await freePort(host);
    writeFileSync(join(dir, '10-base.json'), JSON.stringify({ datacenter: 'east', node_name: 'from-json', bind_addr: host, client_addr: host, enable_syslog: true }));
    writeFileSync(join(dir, '20-override.hcl'), `node_name = "from-hcl"\nports {\n  http = ${port}\n}\nnode_meta {\n  rack = "r1"\n}\n`);
    const p = run(['agent', '-dev', '-config-dir', dir, '-datacenter', 'west']);
    try {
      const self = await waitFor('agent self', async () => {
        const r = await fetch(`http://${host}:${port}/v1/agent/self`);
        return r.ok ? ((await r.json()) as { Config: { Datacenter: string; NodeName: string } }) : undefined;
      });
      expect(self.Config).toMatchObject({ Datacenter: 'west', NodeName: 'from-hcl' });
      const warnings = p.stderr().split('\n').filter((l) => l.includes('enable_syslog'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('[WARN]');
    } finally {
      p.child.kill('SIGTERM');
      expect(await within(p.exited, 10_000, 'shutdown')).toBe(0);
    }
  });

  it('serves the HTTP API on a unix socket too (addresses.http), replacing a stale file, with unix_sockets mode; the CLI reaches it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'muster-unix-'));
    const socket = join(dir, 'http.sock');
    writeFileSync(socket, 'stale'); // left by a crashed agent: replaced, as Consul does
    const host = uniqueLoopback();
    const cfg = join(dir, 'unix.json');
    writeFileSync(cfg, JSON.stringify({ addresses: { http: `unix://${socket} ${host}` }, unix_sockets: { mode: '600' } }));
    const a = await startAgent(['-dev', '-config-file', cfg], { host });
    agents.push(a);
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(a.proc.stderr()).toContain(`[WARN]  agent: Replacing socket: path=${socket}`);
    expect(a.proc.stderr()).toContain(`[INFO]  agent: Started HTTP server: address=${socket} network=unix`);
    // The CLI through the socket (-http-addr and MUSTER_HTTP_ADDR); the TCP listener sees the same store.
    expect((await runToEnd(['kv', 'put', `-http-addr=unix://${socket}`, 'via/socket', 'yes'])).stdout).toBe('Success! Data written to: via/socket\n');
    expect((await runToEnd(['kv', 'get', 'via/socket'], { env: { MUSTER_HTTP_ADDR: `unix://${socket}` } })).stdout).toBe('yes\n');
    expect(await (await fetch(a.url('/v1/kv/via/socket?raw'))).text()).toBe('yes');
    const self = (await (await fetch(a.url('/v1/agent/self'))).json()) as { DebugConfig: { HTTPAddrs: string[] } };
    expect(self.DebugConfig.HTTPAddrs).toEqual([`unix://${socket}`, `tcp://${a.httpAddr}`]);
    agents.pop();
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });

  it('refuses to start on a bad unix_sockets mode or a socket in a missing directory, naming what was wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'muster-unix-'));
    const socket = join(dir, 'http.sock');
    const cfg = join(dir, 'unix.json');
    writeFileSync(cfg, JSON.stringify({ addresses: { http: `unix://${socket}` }, unix_sockets: { mode: '9x' } }));
    const host = uniqueLoopback();
    const r1 = await runToEnd(['agent', '-dev', '-bind', host, '-dns-port', '-1', '-config-file', cfg]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('==> Error starting agent: Failed setting up socket: invalid mode specified: 9x');
    expect(existsSync(socket)).toBe(false);
    writeFileSync(cfg, JSON.stringify({ addresses: { http: `unix://${dir}/missing/http.sock` } }));
    const r2 = await runToEnd(['agent', '-dev', '-bind', host, '-dns-port', '-1', '-config-file', cfg]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(`==> Error starting agent: listen unix ${dir}/missing/http.sock: bind: no such file or directory`);
  });
});
