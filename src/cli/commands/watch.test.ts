import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevAgent, waitFor, type DevAgent } from '../../../test/helpers/process.js';
import { main } from '../main.js';
import { CaptureUi } from '../test-support.js';
import { signalShutdown } from './shutdown.js';
import { WatchCommand } from './watch.js';

let agent: DevAgent;
beforeAll(async () => {
  agent = await startDevAgent();
}, 30_000);
afterAll(async () => {
  await agent?.stop();
});

async function run(args: string[], env: Record<string, string> = { MUSTER_HTTP_ADDR: agent.httpAddr }): Promise<{ code: number; out: string; err: string }> {
  const ui = new CaptureUi(env);
  const code = await main(['watch', ...args], { ui });
  return { code, out: ui.stdout, err: ui.stderr };
}

async function put(key: string, value: string): Promise<void> {
  const res = await fetch(agent.url(`/v1/kv/${key}`), { method: 'PUT', body: value });
  expect(res.ok).toBe(true);
}

const helpText = new WatchCommand().help();

describe('muster watch', () => {
  it("has Consul's help (rebranded)", () => {
    const golden = readFileSync(new URL('../testdata/consul-1.8.7-watch-help.txt', import.meta.url), 'utf8');
    const rebrand = (s: string): string => s.replace(/consul/g, 'muster').replace(/Consul/g, 'Muster');
    const section = (s: string, title: string): string => s.slice(s.indexOf(`\n${title}\n`));
    expect(section(helpText, 'Command Options').trimEnd()).toBe(rebrand(section(golden, 'Command Options')).trimEnd());
    expect(helpText.slice(0, helpText.indexOf('HTTP API Options'))).toBe(rebrand(golden.slice(0, golden.indexOf('HTTP API Options'))));
  });

  it("refuses bad input with Consul's texts", async () => {
    const cases: Array<[string[], string]> = [
      [[], `Watch type must be specified\n\n${helpText}\n`],
      [['-type', 'foo'], 'Unsupported watch type: foo\n'],
      [['-type', 'key'], 'Must specify a single key to watch\n'],
      [['-type', 'service', '-passingonly=x'], 'Failed to parse passingonly flag: strconv.ParseBool: parsing "x": invalid syntax\n'],
      [['-type', 'connect_roots'], 'Type connect_roots is not supported in the CLI tool\n'],
      [['-type', 'agent_service'], 'Type agent_service is not supported in the CLI tool\n'],
      [['-type', 'checks', '-service', 'a', '-state', 'b'], 'Cannot specify service and state\n'],
      [['-type', 'event', '-stale'], 'Invalid parameters: [stale]\n'],
    ];
    for (const [args, err] of cases) expect(await run(args), args.join(' ')).toEqual({ code: 1, out: '', err });
    expect(await run(['-type', 'nodes'], { MUSTER_HTTP_ADDR: '127.0.0.1:1' })).toEqual({
      code: 1,
      out: '',
      err: 'Error querying Consul agent: Get "http://127.0.0.1:1/v1/agent/self": dial tcp 127.0.0.1:1: connect: connection refused\n',
    });
  });

  it('without a child prints the current value as indented JSON and exits', async () => {
    await put('cli/k', 'bar');
    const meta = (await (await fetch(agent.url('/v1/kv/cli/k'))).json()) as Array<{ CreateIndex: number; ModifyIndex: number }>;
    const { CreateIndex, ModifyIndex } = meta[0]!;
    expect(await run(['-type', 'key', '-key', 'cli/k'])).toEqual({
      code: 0,
      out: `{\n    "Key": "cli/k",\n    "CreateIndex": ${CreateIndex},\n    "ModifyIndex": ${ModifyIndex},\n    "LockIndex": 0,\n    "Flags": 0,\n    "Value": "YmFy",\n    "Session": ""\n}\n`,
      err: '',
    });
    expect(await run(['-type', 'key', '-key', 'cli/none'])).toEqual({ code: 0, out: 'null\n', err: '' });
    expect(await run(['-type', 'keyprefix', '-prefix', 'none/'])).toEqual({ code: 0, out: 'null\n', err: '' });
    expect(await run(['-type', 'event', '-name', 'x'])).toEqual({ code: 0, out: '[]\n', err: '' });
    const services = await run(['-type', 'services']);
    expect(services).toEqual({ code: 0, out: '{\n    "consul": []\n}\n', err: '' });
  });

  it('with a child runs it on every change with the JSON on stdin and CONSUL_INDEX, until interrupted', async () => {
    const stop = new AbortController();
    const ui = new CaptureUi({ MUSTER_HTTP_ADDR: agent.httpAddr, PATH: process.env['PATH'] ?? '' });
    const cmd = new WatchCommand({ childStdio: 'pipe', makeShutdown: () => signalShutdown(stop.signal) });
    const done = cmd.run(['-type', 'keyprefix', '-prefix', 'child/', 'cat;', 'echo " idx=$CONSUL_INDEX"'], ui);
    await waitFor('first run', () => (ui.stdout.includes('idx=') ? true : undefined));
    expect(ui.stdout).toMatch(/^null\n idx=\d+\n$/);
    await put('child/a', 'x');
    await waitFor('second run', () => (ui.stdout.split('idx=').length === 3 ? true : undefined));
    const second = ui.stdout.split('\n')[2]!;
    const pairs = JSON.parse(second) as Array<{ Key: string; ModifyIndex: number }>;
    expect(pairs.map((p) => p.Key)).toEqual(['child/a']);
    expect(ui.stdout.endsWith(` idx=${pairs[0]!.ModifyIndex}\n`)).toBe(true);
    stop.abort();
    expect(await done).toBe(0);
  });

  it("stops with exit 1 and Go's text when the child fails or cannot start", async () => {
    const ui = new CaptureUi({ MUSTER_HTTP_ADDR: agent.httpAddr, PATH: process.env['PATH'] ?? '' });
    const cmd = new WatchCommand({ childStdio: 'pipe', makeShutdown: () => signalShutdown(new AbortController().signal) });
    expect(await cmd.run(['-type', 'nodes', 'exit 3'], ui)).toBe(1);
    expect(ui.stderr).toBe('Error executing handler: exit status 3\n');
    const ui2 = new CaptureUi({ MUSTER_HTTP_ADDR: agent.httpAddr, PATH: '/nonexistent' });
    const cmd2 = new WatchCommand({ childStdio: 'pipe', makeShutdown: () => signalShutdown(new AbortController().signal) });
    expect(await cmd2.run(['-type', 'nodes', '-shell=false', 'nosuchcmd'], ui2)).toBe(1);
    expect(ui2.stderr).toBe('Error starting handler: exec: "nosuchcmd": executable file not found in $PATH\n');
  });
});
