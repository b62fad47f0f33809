import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeConsul } from '../../api/fake-consul.js';
import type { CommandFactory } from '../command.js';
import { main } from '../main.js';
import { CaptureUi } from '../test-support.js';
import { commands } from './index.js';
import { MonitorCommand } from './monitor.js';
import { signalShutdown } from './shutdown.js';

let fake: FakeConsul;
let shutdown: AbortController;
let ui: CaptureUi;

beforeEach(async () => {
  fake = new FakeConsul();
  ui = new CaptureUi({ MUSTER_HTTP_ADDR: await fake.start() });
  shutdown = new AbortController();
});
afterEach(() => fake.stop());

function run(args: string[]): Promise<number> {
  const registry = new Map<string, CommandFactory>([...commands, ['monitor', () => new MonitorCommand(() => signalShutdown(shutdown.signal))]]);
  return main(['monitor', ...args], { ui, commands: registry });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('muster monitor', () => {
  it('prints each log line (an empty one as a space) until interrupted, then exits 0', async () => {
    fake.logLines = ['2020-01-01T00:00:00Z [INFO]  agent: first', ''];
    const running = run(['-log-level=debug']);
    await until(() => fake.openMonitors === 1);
    fake.emitLog('2020-01-01T00:00:01Z [DEBUG] agent: second');
    await until(() => ui.stdout.includes('second'));
    shutdown.abort();
    expect(await running).toBe(0);
    expect(ui.stdout).toBe('2020-01-01T00:00:00Z [INFO]  agent: first\n \n2020-01-01T00:00:01Z [DEBUG] agent: second\n');
    expect(fake.requests.map((r) => r.url)).toEqual(['/v1/agent/monitor?loglevel=debug']);
    await until(() => fake.openMonitors === 0);
  });

  it('when the agent ends the stream: Consul’s message and exit 1', async () => {
    const running = run([]);
    await until(() => fake.openMonitors === 1);
    fake.emitLog('bye');
    fake.endMonitors();
    expect(await running).toBe(1);
    expect(ui.stdout).toBe('bye\n\nRemote side ended the monitor! This usually means that the\nremote side has exited or crashed.\n');
    expect(fake.requests[0]!.url).toBe('/v1/agent/monitor?loglevel=INFO');
  });

  it('-log-json asks for JSON lines', async () => {
    const running = run(['-log-json']);
    await until(() => fake.openMonitors === 1);
    shutdown.abort();
    expect(await running).toBe(0);
    expect(fake.requests[0]!.url).toBe('/v1/agent/monitor?logjson=true&loglevel=INFO');
  });

  it('errors starting the stream', async () => {
    expect(await run(['-log-level=bogus'])).toBe(1);
    expect(ui.stderr).toBe('Error starting monitor: Unexpected response code: 400 (Unknown log level: bogus)\n');
    ui.stderr = '';
    expect(await run(['-log-json', '-log-level=bogus'])).toBe(1);
    expect(ui.stderr).toBe('Error starting JSON monitor: Unexpected response code: 400 (Unknown log level: bogus)\n');
    ui.stderr = '';
    ui.env.MUSTER_HTTP_ADDR = '127.0.0.1:1';
    expect(await run([])).toBe(1);
    expect(ui.stderr).toBe('Error starting monitor: Get "http://127.0.0.1:1/v1/agent/monitor?loglevel=INFO": dial tcp 127.0.0.1:1: connect: connection refused\n');
  });
});
