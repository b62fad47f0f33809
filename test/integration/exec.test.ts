/**
 * `muster exec` across three real agents on 127.0.0.x: a server (-bootstrap, on a data dir)
 * and two clients joined to it. Remote exec is enabled (`disable_remote_exec = false`) on the
 * server and one client and left at Consul's default (disabled) on the other, which runs
 * nothing and answers with one line naming the setting and exit code 255 (Consul 1.8.7's only
 * logs, and `exec` never hears of it). Mixed exit codes give exit 2; -node picks one agent; the
 * job's KV prefix and session are gone afterwards.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd, startAgent, waitFor, type DevAgent } from '../helpers/process.js';

const agents: DevAgent[] = [];
let server: DevAgent;
/** The client left at Consul's default, disable_remote_exec = true. */
let disabledAgent: DevAgent;
const fast = { gossip_lan: { probe_interval: '100ms', probe_timeout: '100ms', gossip_interval: '100ms', suspicion_mult: 3 } };

async function agent(name: string, remoteExec: boolean, args: string[]): Promise<DevAgent> {
  const dataDir = mkdtempSync(join(tmpdir(), `muster-exec-${name}-`));
  const file = join(dataDir, 'config.json');
  writeFileSync(file, JSON.stringify({ ...fast, ...(remoteExec ? { disable_remote_exec: false } : {}) }));
  const a = await startAgent(['-node', name, '-data-dir', dataDir, '-config-file', file, '-serf-wan-port', '-1', ...args]);
  agents.push(a);
  return a;
}

async function json<T>(a: DevAgent, path: string): Promise<T> {
  return (await fetch(a.url(path))).json() as Promise<T>;
}

beforeAll(async () => {
  server = await agent('exec-s1', true, ['-server', '-bootstrap']);
  await waitFor('a leader', async () => ((await json<string>(server, '/v1/status/leader')) !== '' ? true : undefined), 20_000);
  await agent('exec-c1', true, ['-retry-join', server.host]);
  disabledAgent = await agent('exec-c2', false, ['-retry-join', server.host]);
  await waitFor('three nodes in the catalog', async () => ((await json<unknown[]>(server, '/v1/catalog/nodes')).length === 3 ? true : undefined), 20_000);
}, 60_000);

afterAll(async () => {
  while (agents.length > 0) await agents.pop()!.stop('SIGKILL');
});

/** Output lines of each node, in order, and the rest of the lines. */
function byNode(stdout: string): { nodes: Record<string, string[]>; rest: string[] } {
  const nodes: Record<string, string[]> = {};
  const rest: string[] = [];
  for (const line of stdout.split('\n').filter((l) => l !== '')) {
    const m = /^(?:==>| {3}) (exec-[a-z0-9]+):(?: (.*))?$/.exec(line);
    if (m) (nodes[m[1]!] ??= []).push(m[2] ?? '');
    else rest.push(line);
  }
  return { nodes, rest };
}

const refusal = 'remote exec is disabled on this agent (disable_remote_exec is true)';

const exec = (args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> =>
  runToEnd(['exec', `-http-addr=${server.httpAddr}`, '-wait=1500ms', ...args], { timeoutMs: 30_000 });

describe('muster exec on three agents', () => {
  it('runs on the agents that allow it, with their output; the disabled one says it refused', async () => {
    const r = await exec(['echo one; echo two >&2']);
    expect(r).toMatchObject({ code: 2, stderr: '' });
    const { nodes, rest } = byNode(r.stdout);
    expect(nodes).toEqual({
      'exec-s1': expect.arrayContaining(['one', 'two', '', 'finished with exit code 0']),
      'exec-c1': expect.arrayContaining(['one', 'two', '', 'finished with exit code 0']),
      'exec-c2': [refusal, '', 'finished with exit code 255'],
    });
    expect(nodes['exec-s1']!.filter((l) => l !== 'finished with exit code 0')).toEqual(['one', 'two', '']);
    expect(rest).toEqual(['3 / 3 node(s) completed / acknowledged']);
  });

  it('exits 2 with mixed exit codes, naming each', async () => {
    // The command's parent is the agent: the server's PID picks its exit code.
    const serverPid = server.proc.child.pid!;
    const r = await exec(['-verbose', `echo from-node; if [ "$PPID" = ${serverPid} ]; then exit 3; fi; exit 0`]);
    expect(r.code).toBe(2);
    const { nodes, rest } = byNode(r.stdout);
    expect(nodes['exec-s1']).toEqual(expect.arrayContaining(['acknowledged', 'from-node', 'finished with exit code 3']));
    expect(nodes['exec-c1']).toEqual(expect.arrayContaining(['acknowledged', 'from-node', 'finished with exit code 0']));
    expect(nodes['exec-c2']).toEqual(['acknowledged', refusal, '', 'finished with exit code 255']);
    expect(rest).toEqual([
      expect.stringMatching(/^Created remote execution session: /),
      'Uploaded remote execution spec',
      expect.stringMatching(/^Fired remote execution event: /),
      '3 / 3 node(s) completed / acknowledged',
      expect.stringMatching(/^Completed in \d+\.\d\d seconds$/),
    ]);
  });

  it('-node picks agents by name', async () => {
    const only = await exec(['-node=^exec-c1$', 'exit 5']);
    expect(byNode(only.stdout)).toEqual({ nodes: { 'exec-c1': ['finished with exit code 5'] }, rest: ['1 / 1 node(s) completed / acknowledged'] });
    expect(only.code).toBe(2);
    const marker = join(mkdtempSync(join(tmpdir(), 'muster-exec-marker-')), 'ran');
    const disabled = await exec(['-node=^exec-c2$', `touch ${marker}; exit 0`]);
    expect(disabled.code).toBe(2);
    expect(existsSync(marker)).toBe(false);
    expect(byNode(disabled.stdout)).toEqual({
      nodes: { 'exec-c2': [refusal, '', 'finished with exit code 255'] },
      rest: ['1 / 1 node(s) completed / acknowledged'],
    });
    // The refusal is in its log too.
    const log = (): string => disabledAgent.proc.stdout() + disabledAgent.proc.stderr();
    await waitFor('the refusal in the log', () => (log().includes('agent: refusing remote exec event, disabled.: event_name=_rexec') ? true : undefined));
    const s1 = await exec(['-node=^exec-s1$', 'echo fine']);
    expect(byNode(s1.stdout).nodes).toEqual({ 'exec-s1': expect.arrayContaining(['fine', '', 'finished with exit code 0']) });
    expect(s1.code).toBe(0);
  });

  it('leaves no job data or session behind', async () => {
    await waitFor('no _rexec keys', async () => ((await fetch(server.url('/v1/kv/_rexec?keys'))).status === 404 ? true : undefined));
    expect(await json<unknown[]>(server, '/v1/session/list')).toEqual([]);
  });
});
