/**
 * The agent's `watches` (seed 004's shape): run at start once with the current state, again
 * on each real change only, and replaced on reload; a broken watch refuses the start. Then
 * across a cluster (a server and a client on their own loopback addresses): the server's
 * `nodes` watch sees the client join, the client's `service` watch sees its own service reach
 * the catalog through anti-entropy, and an event fired through the server for the client's
 * name runs the client's `event` watch and no other.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, run, runToEnd, startAgent, uniqueLoopback, waitFor, type DevAgent } from '../helpers/process.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A handler script that appends each run's stdin and CONSUL_INDEX to `out`, one JSON line per run. */
function recorder(dir: string, name: string): { script: string; runs: () => Array<{ index: string; body: unknown }> } {
  const out = join(dir, `${name}.jsonl`);
  const script = join(dir, `${name}.sh`);
  writeFileSync(script, `#!/bin/sh\nbody=$(cat)\nprintf '{"index":"%s","body":%s}\\n' "$CONSUL_INDEX" "$body" >> ${out}\n`, { mode: 0o755 });
  return {
    script,
    runs: () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { index: string; body: unknown }) : []),
  };
}

async function put(a: DevAgent, path: string, body: string): Promise<void> {
  const r = await fetch(a.url(path), { method: 'PUT', body });
  expect(r.status).toBe(200);
}

describe('agent watches from the config', () => {
  it('runs a key watch at start and on each change of that key only, and replaces it on reload', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'muster-watches-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const colour = recorder(dir, 'colour');
    const nodes = recorder(dir, 'nodes');
    const conf = join(dir, 'watches.json');
    writeFileSync(conf, JSON.stringify({ watches: [{ type: 'key', key: 'app/colour', args: [colour.script] }] }));
    const a = await startAgent(['-dev', '-config-file', conf]);
    cleanups.push(() => a.stop().then(() => {}));

    await waitFor('the run at start (no key yet: null)', async () => (colour.runs().length === 1 ? true : undefined));
    expect(colour.runs()[0]!.body).toBeNull();
    await put(a, '/v1/kv/app/colour', 'blue');
    await waitFor('the run for blue', async () => (colour.runs().length === 2 ? true : undefined));
    expect(colour.runs()[1]!.body).toMatchObject({ Key: 'app/colour', Value: Buffer.from('blue').toString('base64') });
    expect(Number(colour.runs()[1]!.index)).toBeGreaterThan(0);
    // An unrelated write wakes nothing that changes this key; a change of the key runs it once more.
    await put(a, '/v1/kv/app/size', 'large');
    await put(a, '/v1/kv/app/colour', 'green');
    await waitFor('the run for green', async () => (colour.runs().length >= 3 ? true : undefined));
    expect(colour.runs().map((r) => (r.body as { Value?: string } | null)?.Value)).toEqual([undefined, 'Ymx1ZQ==', 'Z3JlZW4=']);

    // A broken watch on reload changes nothing; a good one replaces the old watches.
    writeFileSync(conf, JSON.stringify({ watches: [{ type: 'key', args: [colour.script] }] }));
    const bad = await fetch(a.url('/v1/agent/reload'), { method: 'PUT' });
    expect([bad.status, await bad.text()]).toEqual([500, expect.stringContaining('Failed reloading watches') as unknown]);
    writeFileSync(conf, JSON.stringify({ watches: [{ type: 'nodes', args: [nodes.script] }] }));
    expect((await fetch(a.url('/v1/agent/reload'), { method: 'PUT' })).status).toBe(200);
    await waitFor('the nodes watch at reload', async () => (nodes.runs().length === 1 ? true : undefined));
    expect((nodes.runs()[0]!.body as Array<{ Node: string }>).length).toBe(1);
    const colourRuns = colour.runs().length;
    await put(a, '/v1/kv/app/colour', 'red');
    await put(a, '/v1/catalog/register', JSON.stringify({ Node: 'web-1', Address: '10.0.0.9' }));
    await waitFor('the nodes watch sees web-1', async () => (nodes.runs().length === 2 ? true : undefined));
    expect(colour.runs().length).toBe(colourRuns);
  }, 60_000);

  it('refuses to start with a watch Consul would refuse, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'muster-watches-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const conf = join(dir, 'bad.json');
    writeFileSync(conf, JSON.stringify({ watches: [{ type: 'key', key: 'k', foo: 1, args: ['true'] }] }));
    const host = uniqueLoopback();
    const p = run(['agent', '-dev', '-bind', host, '-client', host, '-http-port', String(await freePort(host)), '-dns-port', '-1', '-config-file', conf]);
    expect(await p.exited).toBe(1);
    expect(p.stderr() + p.stdout()).toMatch(/Error starting agent: Failed to parse watch .*Invalid parameters: \[foo\]/);
  });
});

describe('watches across a cluster', () => {
  it('see a client join, its service reach the catalog, and the events meant for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'muster-watches-cluster-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const fast = { gossip_lan: { probe_interval: '100ms', probe_timeout: '100ms', gossip_interval: '100ms' } };
    const start = async (name: string, config: object, args: string[]): Promise<DevAgent> => {
      const conf = join(dir, `${name}.json`);
      writeFileSync(conf, JSON.stringify({ ...fast, ...config }));
      const a = await startAgent(['-node', name, '-data-dir', join(dir, name), '-config-file', conf, '-serf-wan-port', '-1', ...args]);
      cleanups.push(() => a.stop().then(() => {}));
      return a;
    };
    const nodes = recorder(dir, 'nodes');
    const serverEvents = recorder(dir, 'server-events');
    const server = await start('watch-s1', { watches: [{ type: 'nodes', args: [nodes.script] }, { type: 'event', name: 'deploy', args: [serverEvents.script] }] }, ['-server', '-bootstrap']);
    await waitFor('the nodes watch sees the server', async () => (nodes.runs().some((r) => (r.body as unknown[]).length === 1) ? true : undefined), 20_000);

    const web = recorder(dir, 'web');
    const clientEvents = recorder(dir, 'client-events');
    const client = await start(
      'watch-c1',
      {
        watches: [
          { type: 'service', service: 'web', passingonly: true, args: [web.script] },
          { type: 'event', name: 'deploy', args: [clientEvents.script] },
        ],
      },
      ['-retry-join', server.host],
    );
    const names = (r: { body: unknown }): string[] => (r.body as Array<{ Node: string }>).map((n) => n.Node).sort();
    await waitFor('the server\'s nodes watch sees the client', async () => (nodes.runs().some((r) => names(r).length === 2) ? true : undefined), 20_000);
    expect(names(nodes.runs().at(-1)!)).toEqual(['watch-c1', 'watch-s1']);
    // One run per real change: no two runs in a row saw the same nodes.
    const bodies = nodes.runs().map((r) => JSON.stringify(r.body));
    expect(bodies.every((b, i) => i === 0 || b !== bodies[i - 1])).toBe(true);

    // Both event watches ran once at start with no event.
    await waitFor('the event watches at start', async () => (clientEvents.runs().length === 1 && serverEvents.runs().length === 1 ? true : undefined), 20_000);
    expect([clientEvents.runs()[0]!.body, serverEvents.runs()[0]!.body]).toEqual([[], []]);

    // A service registered on the client reaches the catalog through anti-entropy, passing.
    await waitFor('the web watch at start', async () => (web.runs().length === 1 ? true : undefined), 20_000);
    expect(web.runs()[0]!.body).toEqual([]);
    const reg = await fetch(client.url('/v1/agent/service/register'), { method: 'PUT', body: JSON.stringify({ Name: 'web', Port: 8080, Check: { TTL: '30s', Status: 'passing' } }) });
    expect(reg.status).toBe(200);
    await waitFor('the web watch sees the service', async () => (web.runs().some((r) => (r.body as unknown[]).length === 1) ? true : undefined), 20_000);
    const entry = (web.runs().at(-1)!.body as Array<{ Node: { Node: string }; Service: { Service: string; Port: number } }>)[0]!;
    expect([entry.Node.Node, entry.Service.Service, entry.Service.Port]).toEqual(['watch-c1', 'web', 8080]);

    // An event fired through the server for the client's name runs the client's watch only.
    const fired = await runToEnd(['event', `-http-addr=${server.httpAddr}`, '-name', 'deploy', '-node', '^watch-c', 'v2']);
    expect(fired.code).toBe(0);
    await waitFor('the client\'s event watch runs', async () => (clientEvents.runs().length === 2 ? true : undefined), 20_000);
    const [event] = clientEvents.runs()[1]!.body as Array<{ Name: string; Payload: string; NodeFilter: string }>;
    expect(event).toMatchObject({ Name: 'deploy', Payload: Buffer.from('v2').toString('base64'), NodeFilter: '^watch-c' });
    // The server heard it through gossip too but is not selected: its watch did not run again.
    const everywhere = await runToEnd(['event', `-http-addr=${client.httpAddr}`, '-name', 'deploy', 'all']);
    expect(everywhere.code).toBe(0);
    await waitFor('both event watches run for an event for all', async () => (clientEvents.runs().length === 3 && serverEvents.runs().length === 2 ? true : undefined), 20_000);
    expect((serverEvents.runs()[1]!.body as Array<{ Payload: string }>).map((e) => e.Payload)).toEqual([Buffer.from('all').toString('base64')]);
  }, 90_000);
});
