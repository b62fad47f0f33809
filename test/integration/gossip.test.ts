/**
 * Gossip between real agents on 127.0.0.x: joining (the CLI, `-join`, `-retry-join`), failure
 * detection of a SIGKILLed agent and its return, graceful leave, force-leave, the catalog the
 * server keeps from membership (serfHealth), user events across agents, and encryption with a
 * cluster-wide key rotation. Gossip runs at -dev speed (100 ms probes) through `gossip_lan`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runToEnd, startAgent, uniqueLoopback, waitFor, type DevAgent } from '../helpers/process.js';

const agents: DevAgent[] = [];
afterEach(async () => {
  while (agents.length > 0) await agents.pop()!.stop('SIGKILL');
});

const fast = { gossip_lan: { probe_interval: '100ms', probe_timeout: '100ms', gossip_interval: '100ms', suspicion_mult: 3 } };

/** An agent with its own data dir and fast gossip; `server` makes it the (one) server. */
async function agent(name: string, opts: { server?: boolean; host?: string; dataDir?: string; config?: object; args?: string[] } = {}): Promise<DevAgent & { dataDir: string }> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), `muster-gossip-${name}-`));
  const file = join(dataDir, 'gossip.json');
  writeFileSync(file, JSON.stringify({ ...fast, ...opts.config }));
  const role = opts.server ? ['-server', '-bootstrap'] : [];
  const a = await startAgent(['-node', name, '-data-dir', dataDir, '-config-file', file, '-serf-wan-port', '-1', ...role, ...(opts.args ?? [])], { host: opts.host });
  agents.push(a);
  return Object.assign(a, { dataDir });
}

interface WireMember {
  Name: string;
  Addr: string;
  Status: number;
}

async function members(a: DevAgent): Promise<Record<string, number>> {
  const list = (await (await fetch(a.url('/v1/agent/members'))).json()) as WireMember[];
  return Object.fromEntries(list.map((m) => [m.Name, m.Status]));
}

/** Waits until every agent in `views` reports exactly `expected` (name → serf status). */
async function converge(views: DevAgent[], expected: Record<string, number>, ms = 20_000): Promise<void> {
  const want = JSON.stringify(Object.entries(expected).sort());
  await waitFor(`members ${want}`, async () => {
    for (const v of views) if (JSON.stringify(Object.entries(await members(v)).sort()) !== want) return undefined;
    return true;
  }, ms);
}

async function serfHealth(server: DevAgent, node: string): Promise<string | undefined> {
  const checks = (await (await fetch(server.url(`/v1/health/node/${node}`))).json()) as Array<{ CheckID: string; Status: string }>;
  return checks.find((c) => c.CheckID === 'serfHealth')?.Status;
}

const muster = (a: DevAgent, ...args: string[]) => runToEnd([...args.slice(0, 1), '-http-addr', a.httpAddr, ...args.slice(1)]);

const [alive, left, failed] = [1, 3, 4];

describe('gossip between real agents', () => {
  it('joins, finds a SIGKILLed agent failed, takes it back, records a leave, and keeps the catalog in step', async () => {
    const s = await agent('s1', { server: true });
    const a = await agent('a1');
    const joined = await muster(a, 'join', s.host);
    expect(joined).toMatchObject({ code: 0, stdout: 'Successfully joined cluster by contacting 1 nodes.\n' });
    // b joins with -retry-join, which keeps trying until it works.
    const bHost = uniqueLoopback();
    const b = await agent('b1', { host: bHost, args: ['-retry-join', s.host, '-retry-interval', '1s'] });
    await converge([s, a, b], { s1: alive, a1: alive, b1: alive });
    await waitFor('serfHealth passing for both clients', async () => ((await serfHealth(s, 'a1')) === 'passing' && (await serfHealth(s, 'b1')) === 'passing' ? true : undefined));

    // `members` prints Consul's columns.
    const table = await muster(s, 'members');
    expect(table.stdout.split('\n')[0]).toMatch(/^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC\s+Segment$/);
    expect(table.stdout).toMatch(new RegExp(`b1\\s+${bHost.replace(/\./g, '\\.')}:8301\\s+alive\\s+client`));

    // SIGKILL: both others find it failed, the server marks its serfHealth critical.
    await b.stop('SIGKILL');
    agents.splice(agents.indexOf(b), 1);
    await converge([s, a], { s1: alive, a1: alive, b1: failed });
    // memberlist's own account of it, on at least one of them.
    const logs = s.proc.stderr() + a.proc.stderr();
    expect(logs).toMatch(/\.memberlist\.lan: memberlist: Suspect b1 has failed, no acks received/);
    expect(logs).toMatch(/\.memberlist\.lan: memberlist: Marking b1 as failed, suspect timeout reached \(\d+ peer confirmations\)/);
    await waitFor('serfHealth critical', async () => ((await serfHealth(s, 'b1')) === 'critical' ? true : undefined));
    const checks = (await (await fetch(s.url('/v1/health/node/b1'))).json()) as Array<{ Output: string }>;
    expect(checks[0]!.Output).toBe('Agent not live or unreachable');

    // It comes back on the same address and data dir and, with no -join, rejoins the members its
    // snapshot (data_dir/serf/local.snapshot) lists: alive everywhere again.
    const back = await agent('b1', { host: bHost, dataDir: b.dataDir });
    await waitFor('the rejoin log line', () => (back.proc.stderr().includes('serf: Re-joined to previously known node') ? true : undefined));
    await converge([s, a, back], { s1: alive, a1: alive, b1: alive });
    await waitFor('serfHealth passing again', async () => ((await serfHealth(s, 'b1')) === 'passing' ? true : undefined));

    // A graceful leave: left (not failed) everywhere, and out of the catalog.
    const leave = await muster(a, 'leave');
    expect(leave).toMatchObject({ code: 0, stdout: 'Graceful leave complete\n' });
    await converge([s, back], { s1: alive, a1: left, b1: alive });
    await waitFor('a1 deregistered', async () => ((await (await fetch(s.url('/v1/catalog/node/a1'))).json()) === null ? true : undefined));
  }, 90_000);

  it('ten agents: all join, a SIGKILLed one is failed everywhere, it restarts and rejoins, and all agree', async () => {
    const s = await agent('t0', { server: true });
    const rest = await Promise.all(Array.from({ length: 9 }, (_, i) => agent(`t${i + 1}`, { args: ['-join', s.host] })));
    const all = [s, ...rest];
    const everyone = (status: (name: string) => number) => Object.fromEntries(all.map((_, i) => [`t${i}`, status(`t${i}`)]));
    await converge(all, everyone(() => alive), 30_000);
    const victim = rest[4]!;
    await victim.stop('SIGKILL');
    agents.splice(agents.indexOf(victim), 1);
    const others = all.filter((a) => a !== victim);
    await converge(others, everyone((n) => (n === 't5' ? failed : alive)), 30_000);
    const back = await agent('t5', { host: victim.host, dataDir: victim.dataDir });
    all[5] = back;
    await converge(all, everyone(() => alive), 30_000);
    await waitFor('t5 passing in the catalog', async () => ((await serfHealth(s, 't5')) === 'passing' ? true : undefined));
  }, 120_000);

  it('force-leave turns a failed agent into left; with -prune it is gone; unknown names are refused', async () => {
    const s = await agent('s2', { server: true });
    const a = await agent('a2', { args: ['-join', s.host] });
    const b = await agent('b2', { args: ['-join', s.host] });
    await converge([s, a, b], { s2: alive, a2: alive, b2: alive });
    await a.stop('SIGKILL');
    await b.stop('SIGKILL');
    agents.splice(1);
    await converge([s], { s2: alive, a2: failed, b2: failed });
    expect(await muster(s, 'force-leave', 'a2')).toMatchObject({ code: 0, stderr: '' });
    await converge([s], { s2: alive, a2: left, b2: failed });
    expect(await muster(s, 'force-leave', '-prune', 'b2')).toMatchObject({ code: 0 });
    await converge([s], { s2: alive, a2: left });
    const unknown = await muster(s, 'force-leave', 'nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("Error force leaving: Unexpected response code: 500 (agent: No node found with name 'nobody')");
  }, 60_000);

  it('carries a user event to every agent whose filters match', async () => {
    const s = await agent('s3', { server: true });
    const a = await agent('a3', { args: ['-join', s.host] });
    const b = await agent('b3', { args: ['-join', s.host] });
    await converge([s, a, b], { s3: alive, a3: alive, b3: alive });
    const fired = await muster(b, 'event', '-name', 'deploy', 'v42');
    expect(fired.code).toBe(0);
    expect(fired.stdout).toMatch(/^Event ID: [0-9a-f-]{36}\n$/);
    const id = fired.stdout.trim().slice('Event ID: '.length);
    for (const x of [s, a, b]) {
      const list = await waitFor(`event on ${x.host}`, async () => {
        const l = (await (await fetch(x.url('/v1/event/list?name=deploy'))).json()) as Array<{ ID: string; Payload: string }>;
        return l.length > 0 ? l : undefined;
      });
      expect(list.map((e) => [e.ID, Buffer.from(e.Payload, 'base64').toString()])).toEqual([[id, 'v42']]);
    }
    // Only a3 matches the node filter: the others never record it.
    const only = await muster(s, 'event', '-name', 'only-a', '-node', '^a3$');
    expect(only.code).toBe(0);
    await waitFor('filtered event on a3', async () => (((await (await fetch(a.url('/v1/event/list?name=only-a'))).json()) as unknown[]).length === 1 ? true : undefined));
    // Once a3 has it, the others have seen it too (same gossip) and dropped it.
    const b3 = await waitFor('a later event reaches b3', async () => {
      await muster(s, 'event', '-name', 'marker');
      const l = (await (await fetch(b.url('/v1/event/list'))).json()) as Array<{ Name: string }>;
      return l.some((e) => e.Name === 'marker') ? l : undefined;
    });
    expect(b3.map((e) => e.Name)).not.toContain('only-a');
  }, 60_000);

  it('encrypts gossip: a wrong key cannot join (the log says why), and a key rotates across the cluster', async () => {
    const [k1, k2] = ['d8wu8CSUrqgtjVsvcBPmhQ==', 'qxycTi/SsePj/TZzCBmNXw=='];
    const s = await agent('s4', { server: true, config: { encrypt: k1 } });
    const a = await agent('a4', { config: { encrypt: k1 }, args: ['-join', s.host] });
    await converge([s, a], { s4: alive, a4: alive });

    const wrong = await runToEnd(['keygen']);
    const other = await agent('x4', { config: { encrypt: wrong.stdout.trim() } });
    const refused = await muster(other, 'join', s.host);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Error joining address '${s.host}'`);
    await waitFor('the server logs why', () => (s.proc.stderr().includes('memberlist: failed to receive: No installed keys could decrypt the message') ? true : undefined));
    expect(await members(s)).toEqual({ s4: alive, a4: alive });

    expect((await muster(a, 'keyring', '-install', k2)).code).toBe(0);
    expect((await muster(s, 'keyring', '-use', k2)).code).toBe(0);
    expect((await muster(a, 'keyring', '-remove', k1)).code).toBe(0);
    const listed = await muster(s, 'keyring', '-list');
    expect(listed.stdout).toContain(`dc1 (LAN):\n  ${k2} [2/2]\n`);
    expect(listed.stdout).not.toContain(k1);
    // The pool still works on the new key: a leave is seen as one.
    expect((await muster(a, 'leave')).code).toBe(0);
    await converge([s], { s4: alive, a4: left });
  }, 60_000);
});
