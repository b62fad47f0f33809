import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd, startDevAgent, waitFor, within, type DevAgent } from '../helpers/process.js';

let agent: DevAgent;
beforeAll(async () => {
  agent = await startDevAgent();
});
afterAll(async () => {
  if (agent) await agent.stop('SIGKILL');
});

const cli = (args: string[], input?: string) => runToEnd(args, { env: { MUSTER_HTTP_ADDR: agent.httpAddr }, ...(input !== undefined ? { input } : {}) });

describe('muster kv against a real agent', () => {
  it('puts, gets, lists, exports, imports and deletes', async () => {
    expect(await cli(['kv', 'put', 'app/name', 'muster'])).toMatchObject({ code: 0, stdout: 'Success! Data written to: app/name\n' });
    expect(await cli(['kv', 'put', '-flags=42', 'app/port', '-'], '8080')).toMatchObject({ code: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'muster-cli-'));
    writeFileSync(join(dir, 'v.txt'), 'from a file');
    expect(await cli(['kv', 'put', 'app/file', `@${join(dir, 'v.txt')}`])).toMatchObject({ code: 0 });

    expect(await cli(['kv', 'get', 'app/name'])).toMatchObject({ code: 0, stdout: 'muster\n' });
    expect((await cli(['kv', 'get', 'app/file'])).stdout).toBe('from a file\n');
    const detailed = await cli(['kv', 'get', '-detailed', 'app/port']);
    expect(detailed.stdout).toMatch(/^CreateIndex\s+\d+\nFlags\s+42\nKey\s+app\/port\nLockIndex\s+0\nModifyIndex\s+\d+\nSession\s+-\nValue\s+8080\n$/);
    expect((await cli(['kv', 'get', '-recurse', 'app/'])).stdout).toBe('app/file:from a file\napp/name:muster\napp/port:8080\n');
    expect((await cli(['kv', 'get', '-keys', '-separator=/', ''])).stdout).toBe('app/\n');

    const missing = await cli(['kv', 'get', 'app/none']);
    expect([missing.code, missing.stderr]).toEqual([1, 'Error! No key exists at: app/none\n']);
    const cas = await cli(['kv', 'put', '-cas', '-modify-index=1', 'app/name', 'x']);
    expect([cas.code, cas.stderr]).toEqual([1, 'Error! Did not write to app/name: CAS failed\n']);

    const exported = await cli(['kv', 'export', 'app/']);
    const entries = JSON.parse(exported.stdout) as Array<{ key: string; flags: number; value: string }>;
    expect(entries.map((e) => e.key)).toEqual(['app/file', 'app/name', 'app/port']);
    expect(entries[2]).toEqual({ key: 'app/port', flags: 42, value: Buffer.from('8080').toString('base64') });

    expect(await cli(['kv', 'delete', '-recurse', 'app/'])).toMatchObject({ code: 0, stdout: 'Success! Deleted keys with prefix: app/\n' });
    expect((await cli(['kv', 'get', 'app/name'])).code).toBe(1);
    const imported = await cli(['kv', 'import', '-'], exported.stdout);
    expect(imported.code).toBe(0);
    expect((await cli(['kv', 'get', 'app/port'])).stdout).toBe('8080\n');
  });

  it('reports a bad flag with the usage and exit 1, and help on -h with exit 0', async () => {
    const bad = await cli(['kv', 'get', '-nope', 'k']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('flag provided but not defined: -nope');
    expect(bad.stderr).toContain('Usage:\n');
    expect(bad.stderr).toContain('  -http-addr address\n');
    const help = await cli(['kv', 'get', '-h']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: muster kv get [options] [KEY_OR_PREFIX]');
  });

  it('says when no agent answers', async () => {
    const r = await runToEnd(['kv', 'get', '-http-addr=127.0.0.1:1', 'k']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Error querying Consul agent: .*127\.0\.0\.1:1/);
  });

  it('validates config files and directories', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'muster-validate-'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ data_dir: '/var/lib/muster', datacenter: 'dc2', bind_addr: '127.0.0.1' }));
    writeFileSync(join(dir, 'b.hcl'), 'server = true\nbootstrap_expect = 3\n');
    expect(await runToEnd(['validate', dir])).toMatchObject({ code: 0, stdout: 'Configuration is valid!\n' });
    writeFileSync(join(dir, 'c.hcl'), 'serverr = true\n');
    const bad = await runToEnd(['validate', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`Config validation failed: failed to parse ${join(dir, 'c.hcl')}: invalid config key serverr`);
  });

  it('leave stops the agent gracefully', async () => {
    const other = await startDevAgent();
    const r = await runToEnd(['leave', `-http-addr=${other.httpAddr}`]);
    expect([r.code, r.stdout]).toEqual([0, 'Graceful leave complete\n']);
    expect(await within(other.proc.exited, 10_000, 'agent exit after leave')).toBe(0);
    await waitFor('log line', () => (other.proc.stderr().includes('shutdown complete') ? true : undefined));
  });
});

describe('catalog, services, maint, lock, members, reload and monitor against a real agent', () => {
  it('registers a service from flags, lists it, puts it in maintenance and deregisters it', async () => {
    expect(await cli(['services', 'register', '-name=web', '-port=8080', '-tag=v1'])).toMatchObject({ code: 0, stdout: 'Registered service: web\n' });
    await waitFor('web in the catalog', async () => ((await cli(['catalog', 'services'])).stdout.includes('web') ? true : undefined));
    expect((await cli(['catalog', 'services', '-tags'])).stdout).toMatch(/^consul\s*\nweb\s+v1\n$/);
    expect((await cli(['catalog', 'nodes', '-service=web'])).stdout).toMatch(/^Node\s+ID\s+Address\s+DC\n\S+\s+[0-9a-f]{8}\s+127\.0\.\d+\.\d+\s+dc1\n$/);
    expect(await cli(['maint', '-enable', '-service=web', '-reason=deploy'])).toMatchObject({ code: 0, stdout: 'Service maintenance is now enabled for "web"\n' });
    const listing = (await cli(['maint'])).stdout;
    expect(listing).toContain('Service:\n  ID:     web\n  Reason: deploy\n');
    const health = (await (await fetch(agent.url('/v1/health/service/web?passing'))).json()) as unknown[];
    expect(health).toEqual([]);
    expect((await cli(['maint', '-disable', '-service=web'])).code).toBe(0);
    expect(await cli(['services', 'deregister', '-id=web'])).toMatchObject({ code: 0, stdout: 'Deregistered service: web\n' });
  });

  it('holds a lock while the child runs, and a semaphore with -n', async () => {
    const r = await cli(['lock', 'locks/job', 'echo "held: $CONSUL_LOCK_HELD"']);
    expect(r).toMatchObject({ code: 0, stdout: 'held: true\n' });
    const sem = await cli(['lock', '-n=2', 'locks/pool', 'echo in the pool']);
    expect(sem).toMatchObject({ code: 0, stdout: 'in the pool\n' });
    // Exit codes of the child pass through with -child-exit-code.
    expect((await cli(['lock', '-child-exit-code', 'locks/job', 'exit 3'])).code).toBe(2);
  });

  it('lists members, reloads, and streams the log with monitor', async () => {
    const members = (await cli(['members'])).stdout.split('\n');
    expect(members[0]).toMatch(/^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC\s+Segment$/);
    expect(members[1]).toMatch(/\s+alive\s+server\s+/);
    expect(await cli(['reload'])).toMatchObject({ code: 0, stdout: 'Configuration reload triggered\n' });
    const { run } = await import('../helpers/process.js');
    const mon = run(['monitor', '-log-level=debug'], { env: { MUSTER_HTTP_ADDR: agent.httpAddr } });
    try {
      await waitFor('monitor connected', async () => {
        await fetch(agent.url('/v1/kv/monitor-probe'));
        return mon.stdout().includes('/v1/kv/monitor-probe') ? true : undefined;
      });
      expect(mon.stdout()).toMatch(/\[DEBUG\] agent\.http: Request finished: method=GET url=\/v1\/kv\/monitor-probe/);
    } finally {
      mon.child.kill('SIGINT');
      await within(mon.exited, 10_000, 'monitor exit');
    }
  });
});
