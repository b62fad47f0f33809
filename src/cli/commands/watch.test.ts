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

  /** Runs `muster watch args` without a child until `until` holds of its output, then interrupts it. */
  async function watchUntil(args: string[], until: (out: string) => boolean, during?: () => Promise<void>): Promise<{ code: number; out: string; err: string }> {
    const stop = new AbortController();
    const ui = new CaptureUi({ MUSTER_HTTP_ADDR: agent.httpAddr });
    const done = new WatchCommand({ makeShutdown: () => signalShutdown(stop.signal) }).run(args, ui);
    await waitFor('the first print', () => (ui.stdout !== '' ? true : undefined));
    await during?.();
    await waitFor(`the output of watch ${args.join(' ')}`, () => (until(ui.stdout) ? true : undefined));
    stop.abort();
    return { code: await done, out: ui.stdout, err: ui.stderr };
  }

  it('without a child prints the current value as indented JSON, then each change, until interrupted', async () => {
    await put('cli/k', 'bar');
    const entry = async (): Promise<{ CreateIndex: number; ModifyIndex: number }> => ((await (await fetch(agent.url('/v1/kv/cli/k'))).json()) as Array<{ CreateIndex: number; ModifyIndex: number }>)[0]!;
    const first = await entry();
    const printed = (e: { CreateIndex: number; ModifyIndex: number }, b64: string): string =>
      `{\n    "Key": "cli/k",\n    "CreateIndex": ${e.CreateIndex},\n    "ModifyIndex": ${e.ModifyIndex},\n    "LockIndex": 0,\n    "Flags": 0,\n    "Value": "${b64}",\n    "Session": ""\n}\n`;
    let second: { CreateIndex: number; ModifyIndex: number } | undefined;
    const r = await watchUntil(
      ['-type', 'key', '-key', 'cli/k'],
      (out) => out.includes('"YmF6"'),
      async () => {
        await put('cli/other', 'x'); // wakes the key's blocking query (same table) but does not change it
        await put('cli/k', 'baz');
        second = await entry();
      },
    );
    expect(r).toEqual({ code: 0, out: printed(first, 'YmFy') + printed(second!, 'YmF6'), err: '' });

    const events = await watchUntil(['-type', 'event', '-name', 'x'], (out) => out.includes('"Name": "x"'), async () => {
      expect((await fetch(agent.url('/v1/event/fire/x'), { method: 'PUT', body: 'p' })).ok).toBe(true);
    });
    expect(events.out).toMatch(/^\[\]\n\[\n {4}\{\n {8}"ID": "[0-9a-f-]{36}",\n {8}"Name": "x",\n {8}"Payload": "cA==",/);
    expect((await watchUntil(['-type', 'key', '-key', 'cli/none'], (out) => out !== '')).out).toBe('null\n');
    expect((await watchUntil(['-type', 'services'], (out) => out !== '')).out).toBe('{\n    "consul": []\n}\n');
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
