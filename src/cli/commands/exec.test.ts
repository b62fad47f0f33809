/**
 * `muster exec` against a real HTTP API in process whose "gossip" hands every fired event
 * straight back to the agent's user events, with remote exec enabled and real `sh` processes:
 * the whole round trip of Consul's exec flow (session, job, event, acks, output, exit codes,
 * cleanup), and the CLI's own checks and texts against Consul 1.8.7's.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RemoteExec } from '../../agent/remote-exec.js';
import { nodeRexecLauncher } from '../../agent/remote-exec-process.js';
import { systemClock } from '../../agent/run.js';
import { UserEvents } from '../../agent/user-events.js';
import type { HttpApi } from '../../http/index.js';
import { harness, type Harness, testHttpApi } from '../../http/test-harness.js';
import { ManualClock, nullLogger } from '../../lib/index.js';
import { main } from '../main.js';
import { CaptureUi } from '../test-support.js';
import { parseExitCode, prefixLines } from './exec-job.js';
import { ExecCommand, rExecSpecJson } from './exec.js';

let h: Harness;
let api: HttpApi;
let rexec: RemoteExec;
let env: Record<string, string>;

beforeEach(async () => {
  h = harness();
  let n = 0;
  rexec = new RemoteExec({ nodeName: 'vm', datacenter: 'dc1', server: h.server, disabled: false, launcher: nodeRexecLauncher, clock: systemClock, logger: nullLogger });
  const events: UserEvents = new UserEvents({
    nodeName: 'vm',
    localServices: () => [{ id: 'web', service: 'web', tags: ['v1'] }],
    newID: () => `${(0x1234abcd + ++n).toString(16)}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    clock: new ManualClock(),
    logger: nullLogger,
    fire: async (encoded) => events.receive(encoded, n),
    remoteExec: (msg) => rexec.handle(msg),
  });
  api = testHttpApi(h.server, h.clock, { nodeName: 'vm', events });
  const { port } = await api.listen('127.0.0.1', 0);
  env = { MUSTER_HTTP_ADDR: `127.0.0.1:${port}` };
  // The session's node must exist in the catalog (its serfHealth check is the default).
  const body = JSON.stringify({ Node: 'vm', Address: '127.0.0.1', Check: { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' } });
  expect((await fetch(`http://127.0.0.1:${port}/v1/catalog/register`, { method: 'PUT', body })).status).toBe(200);
});
afterEach(async () => {
  await rexec.idle();
  await api.close();
});

async function exec(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const ui = new CaptureUi(env, Buffer.from(stdin));
  const code = await main(['exec', '-wait=1s', '-wait-repl=10ms', ...args], { ui });
  return { code, out: ui.stdout, err: ui.stderr };
}

async function leftovers(): Promise<{ keys: number; sessions: number }> {
  const keys = await h.server.kvKeys('_rexec/', '', { datacenter: 'dc1', consistency: 'default', minIndex: 0, waitMs: 0 });
  const sessions = await h.server.sessions.list({ datacenter: 'dc1', consistency: 'default', minIndex: 0, waitMs: 0 });
  return { keys: keys.value.length, sessions: sessions.value.length };
}

describe('muster exec, round trip through an agent', () => {
  it('prints each line of output under the node, the exit code and the summary; exit 2 on a failed node; cleans up', async () => {
    const r = await exec(['echo hello; echo err >&2; exit 3']);
    // Always below the node's output: the agent writes its exit code last.
    expect(r.out).toBe('    vm: hello\n    vm: err\n    vm:\n==> vm: finished with exit code 3\n1 / 1 node(s) completed / acknowledged\n');
    expect(r).toMatchObject({ code: 2, err: '' });
    await rexec.idle();
    expect(await leftovers()).toEqual({ keys: 0, sessions: 0 });
  });

  it('says what it does with -verbose, and exits 0 when every node succeeded', async () => {
    const r = await exec(['-verbose', 'printf "a\\nb"']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^Created remote execution session: [0-9a-f-]{36}$/);
    expect(lines.slice(1, 3)).toEqual(['Uploaded remote execution spec', expect.stringMatching(/^Fired remote execution event: [0-9a-f-]{36}$/)]);
    expect(lines.slice(3, 8)).toEqual(['==> vm: acknowledged', '    vm: a', '    vm: b', '==> vm: finished with exit code 0', '1 / 1 node(s) completed / acknowledged']);
    expect(lines[8]).toMatch(/^Completed in \d+\.\d\d seconds$/);
  });

  it('runs a script from stdin, and arguments without a shell', async () => {
    const script = await exec(['-'], 'echo "from $0" | sed s/rexec[0-9]*/rexecN/\nexit 4\n');
    expect(script.out).toMatch(/^ {4}vm: from \/.*\/rexecN\n {4}vm:\n==> vm: finished with exit code 4\n1 \//);
    expect(script.code).toBe(2);
    const direct = await exec(['-shell=false', 'sh', '-c', 'echo args $0']);
    expect(direct.out).toBe('    vm: args sh\n    vm:\n==> vm: finished with exit code 0\n1 / 1 node(s) completed / acknowledged\n');
    const missing = await exec(['-shell=false', '/nonexistent/bin']);
    expect(missing).toEqual({ code: 2, out: '==> vm: finished with exit code 255\n1 / 1 node(s) completed / acknowledged\n', err: '' });
  });

  it('reaches no node when the filter selects none', async () => {
    expect(await exec(['-node=^db-', 'true'])).toEqual({ code: 0, out: '0 / 0 node(s) completed / acknowledged\n', err: '' });
    expect(await exec(['-service=^web$', '-tag=v1', 'true'])).toMatchObject({ code: 0, out: expect.stringContaining('1 / 1 node(s)') });
  });
});

describe('muster exec, its checks', () => {
  const usage = new ExecCommand().help();
  it.each([
    [['-node=(', 'x'], 'Failed to compile node filter regexp: error parsing regexp: missing closing ): `(`\n'],
    [['-service=(', 'x'], 'Failed to compile service filter regexp: error parsing regexp: missing closing ): `(`\n'],
    [['-service=a', '-tag=(', 'x'], 'Failed to compile tag filter regexp: error parsing regexp: missing closing ): `(`\n'],
    [['-tag=x', 'x'], 'Cannot provide tag filter without service filter.\n'],
    [['-shell=false', '-'], 'Cannot configure -shell=false when reading from stdin\n'],
    [[], `Must specify a command to execute\n\n${usage}\n`],
    [['-'], `Must specify a command to execute\n\n${usage}\n`],
  ])('muster exec %j', async (args, err) => {
    const ui = new CaptureUi({ MUSTER_HTTP_ADDR: '127.0.0.1:1' });
    expect(await main(['exec', ...args], { ui })).toBe(1);
    expect([ui.stdout, ui.stderr]).toEqual(['', err]);
  });

  it('-h is Consul 1.8.7\'s help, rebranded', async () => {
    const golden = readFileSync(new URL('../testdata/consul-1.8.7-exec-help.txt', import.meta.url), 'utf8');
    const options = (s: string): string => s.slice(s.indexOf('\nCommand Options\n'));
    const ui = new CaptureUi({});
    expect(await main(['exec', '-h'], { ui })).toBe(0);
    const rebrand = (s: string): string => s.replace(/consul/g, 'muster').replace(/Consul/g, 'Muster');
    expect(ui.stdout.slice(0, ui.stdout.indexOf('\n\nHTTP API Options'))).toBe(rebrand(golden.slice(0, golden.indexOf('\n\nHTTP API Options'))));
    expect(options(ui.stdout)).toBe(options(golden));
  });
});

describe('exec pieces', () => {
  it('writes the job spec as Go json.Marshal does', () => {
    expect(rExecSpecJson({ cmd: 'echo a >&2', args: [], script: Buffer.alloc(0) }, 2000)).toBe('{"Command":"echo a \\u003e\\u00262","Wait":2000000000}');
    expect(rExecSpecJson({ cmd: '', args: ['ls', '-l'], script: Buffer.alloc(0) }, 1500)).toBe('{"Args":["ls","-l"],"Wait":1500000000}');
    expect(rExecSpecJson({ cmd: '', args: [], script: Buffer.from('hi') }, 0)).toBe('{"Script":"aGk=","Wait":0}');
  });

  it('prefixes lines as Consul\'s TargetedUI and trims trailing white space', () => {
    expect(prefixLines(false, 'n1', Buffer.from('a\n\tb \n')).toString()).toBe('    n1: a\n    n1: \tb \n    n1:');
    expect(prefixLines(true, 'n1', 'acknowledged').toString()).toBe('==> n1: acknowledged');
  });

  it('parses exit codes as strconv.ParseInt(s, 10, 32)', () => {
    expect([parseExitCode('0'), parseExitCode('-1'), parseExitCode('255')]).toEqual([0, -1, 255]);
    expect(parseExitCode('0x1')).toBe(`Failed to parse exit code '0x1': strconv.ParseInt: parsing "0x1": invalid syntax`);
    expect(parseExitCode('2147483648')).toBe(`Failed to parse exit code '2147483648': strconv.ParseInt: parsing "2147483648": value out of range`);
  });
});
