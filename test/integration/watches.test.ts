/**
 * The agent's `watches` (seed 004's shape): run at start once with the current state, again
 * on each real change only, and replaced on reload; a broken watch refuses the start.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, run, startAgent, uniqueLoopback, waitFor, type DevAgent } from '../helpers/process.js';

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
