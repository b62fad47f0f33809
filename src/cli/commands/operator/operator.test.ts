/**
 * `muster operator raft|autopilot ...` against a real HTTP API (the harness's server with a
 * FakeRaft), output compared with what `consul operator ...` printed against Consul 1.8.7 -dev,
 * and the help texts with the reference binary's (testdata/consul-1.8.7-operator-*-help.txt).
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { autopilotRuntimeDefaults } from '../../../config/index.js';
import { registerOperator } from '../../../http/operator.js';
import { harness, type Harness } from '../../../http/test-harness.js';
import { FakeRaft } from '../../../server/fake-raft.js';
import { OperatorEndpoint, type AutopilotServer } from '../../../server/index.js';
import { main } from '../../main.js';
import { CaptureUi } from '../../test-support.js';

const id = '06d3e865-d369-2e42-2cf6-eac56c126bc3';
const address = '127.0.0.61:18563';

let h: Harness;
let raft: FakeRaft;
let addr: string;
beforeEach(async () => {
  h = harness();
  raft = new FakeRaft([{ id, node: 'ref61', address, voter: true, leader: true }]);
  const members: AutopilotServer[] = [{ id, name: 'ref61', address, status: 'alive', build: '1.8.7' }];
  const op = new OperatorEndpoint({ store: h.store, log: h.log, raft, datacenter: 'dc1', servers: () => members, clock: h.clock });
  registerOperator(h.api.router, op);
  await op.initializeAutopilot({ ...autopilotRuntimeDefaults });
  const { port } = await h.api.listen('127.0.0.1', 0);
  addr = `127.0.0.1:${port}`;
});
afterEach(() => h.api.close());

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const ui = new CaptureUi({ MUSTER_HTTP_ADDR: addr });
  const code = await main(['operator', ...args], { ui });
  return { code, out: ui.stdout, err: ui.stderr };
}

const getConfig = (lct: string, mtl: number, mq: number, sst: string, zone: string, cleanup = true) =>
  `CleanupDeadServers = ${cleanup}\nLastContactThreshold = ${lct}\nMaxTrailingLogs = ${mtl}\nMinQuorum = ${mq}\n` +
  `ServerStabilizationTime = ${sst}\nRedundancyZoneTag = "${zone}"\nDisableUpgradeMigration = false\nUpgradeVersionTag = ""\n`;

describe('muster operator raft', () => {
  it('list-peers prints the columns Consul prints', async () => {
    const want =
      'Node   ID                                    Address           State   Voter  RaftProtocol\n' +
      `ref61  ${id}  ${address}  leader  true   3\n`;
    expect(await run('raft', 'list-peers')).toEqual({ code: 0, out: want, err: '' });
    expect(await run('raft', 'list-peers', '-stale')).toEqual({ code: 0, out: want, err: '' });
    raft.servers.push({ id: 'x', node: '', address: '10.0.0.2:8300', voter: false, leader: false });
    expect((await run('raft', 'list-peers')).out).toContain('\n(unknown)  x                                     10.0.0.2:8300     follower  false  unknown\n');
    expect(await run('raft', 'list-peers', '-datacenter=foo')).toEqual({
      code: 1,
      out: '',
      err: 'Error getting peers: Failed to retrieve raft configuration: Unexpected response code: 500 (No path to datacenter)\n',
    });
  });

  it("remove-peer checks its flags, then reports the server's answer", async () => {
    raft.servers.push({ id: 'b', node: 'b', address: '10.0.0.2:8300', voter: true, leader: false }, { id: 'c', node: 'c', address: '10.0.0.3:8300', voter: true, leader: false });
    expect(await run('raft', 'remove-peer')).toEqual({ code: 1, out: '', err: 'Error removing peer: an address or id is required for the peer to remove\n' });
    expect(await run('raft', 'remove-peer', '-id=a', '-address=b')).toEqual({ code: 1, out: '', err: 'Error removing peer: cannot give both an address and id\n' });
    expect(await run('raft', 'remove-peer', '-address=1.2.3.4:5')).toEqual({
      code: 1,
      out: '',
      err: 'Error removing peer: Unexpected response code: 500 (address "1.2.3.4:5" was not found in the Raft configuration)\n',
    });
    expect(await run('raft', 'remove-peer', '-id=abc')).toEqual({
      code: 1,
      out: '',
      err: 'Error removing peer: Unexpected response code: 500 (id "abc" was not found in the Raft configuration)\n',
    });
    expect(await run('raft', 'remove-peer', '-address=10.0.0.2:8300')).toEqual({ code: 0, out: 'Removed peer with address "10.0.0.2:8300"\n', err: '' });
    expect(await run('raft', 'remove-peer', '-id', 'c')).toEqual({ code: 0, out: 'Removed peer with id "c"\n', err: '' });
    expect(raft.removed).toEqual(['b', 'c']);
  });
});

describe('muster operator autopilot', () => {
  it('get-config prints the configuration; set-config changes only the flags given', async () => {
    expect(await run('autopilot', 'get-config')).toEqual({ code: 0, out: getConfig('200ms', 250, 0, '10s', ''), err: '' });
    const set = await run('autopilot', 'set-config', '-cleanup-dead-servers', '-max-trailing-logs=0x10', '-last-contact-threshold=250ms', '-server-stabilization-time=0', '-min-quorum=3', '-redundancy-zone-tag=zone');
    expect(set).toEqual({ code: 0, out: 'Configuration updated!\n', err: '' });
    expect((await run('autopilot', 'get-config', '-stale')).out).toBe(getConfig('250ms', 16, 3, '0s', 'zone'));
    expect(await run('autopilot', 'set-config', '-server-stabilization-time=-5s', '-cleanup-dead-servers=false')).toEqual({ code: 0, out: 'Configuration updated!\n', err: '' });
    expect((await run('autopilot', 'get-config')).out).toBe(getConfig('250ms', 16, 3, '-5s', 'zone', false));
  });

  it('refuses bad flag values as Consul does: the flag error, the usage, then "Failed to parse args"', async () => {
    const cases: Array<[string, string]> = [
      ['-max-trailing-logs=x', 'invalid value "x" for flag -max-trailing-logs: strconv.ParseUint: parsing "x": invalid syntax'],
      ['-min-quorum=-1', 'invalid value "-1" for flag -min-quorum: strconv.ParseUint: parsing "-1": invalid syntax'],
      ['-max-trailing-logs=99999999999999999999', 'invalid value "99999999999999999999" for flag -max-trailing-logs: strconv.ParseUint: parsing "99999999999999999999": value out of range'],
      ['-cleanup-dead-servers=maybe', 'invalid boolean value "maybe" for -cleanup-dead-servers: strconv.ParseBool: parsing "maybe": invalid syntax'],
      ['-last-contact-threshold=x', 'invalid value "x" for flag -last-contact-threshold: time: invalid duration "x"'],
    ];
    for (const [flag, message] of cases) {
      const r = await run('autopilot', 'set-config', flag);
      expect([flag, r.code, r.out]).toEqual([flag, 1, '']);
      expect(r.err.startsWith(`${message}\nUsage:\n  -ca-file value\n`)).toBe(true);
      expect(r.err).toContain('\n  -cleanup-dead-servers true|false\n    \tControls whether Muster will automatically remove dead servers');
      expect(r.err).toContain('\n  -last-contact-threshold 200ms\n');
      expect(r.err.endsWith(`\nFailed to parse args: ${message}\n`)).toBe(true);
    }
    expect((await run('autopilot', 'get-config')).out).toBe(getConfig('200ms', 250, 0, '10s', ''));
  });

  it('reports a datacenter the agent cannot reach', async () => {
    const err = 'Error querying Autopilot configuration: Unexpected response code: 500 (No path to datacenter)\n';
    expect(await run('autopilot', 'get-config', '-datacenter=foo')).toEqual({ code: 1, out: '', err });
    expect(await run('autopilot', 'set-config', '-datacenter=foo', '-min-quorum=1')).toEqual({ code: 1, out: '', err });
  });
});

const rebrand = (s: string): string => s.replace(/consul/g, 'muster').replace(/Consul/g, 'Muster');

describe('operator help against Consul 1.8.7', () => {
  it.each(['operator', 'operator raft', 'operator autopilot', 'operator raft list-peers', 'operator raft remove-peer', 'operator autopilot get-config', 'operator autopilot set-config'])(
    'muster %s -h',
    async (name) => {
      const golden = readFileSync(new URL(`../../testdata/consul-1.8.7-${name.replaceAll(' ', '-')}-help.txt`, import.meta.url), 'utf8');
      const ui = new CaptureUi({});
      expect(await main([...name.split(' '), '-h'], { ui })).toBe(0);
      // The HTTP options name MUSTER_ variables (see http-flags.test.ts); everything else matches.
      const cut = (s: string): string => s.replace(/HTTP API Options\n\n[\s\S]*?(?=\n\nCommand Options|$)/, 'HTTP API Options');
      expect(cut(ui.stdout)).toBe(cut(rebrand(golden)));
      const httpFlags = (t: string): string[] => [...(/HTTP API Options\n\n([\s\S]*?)(?:\n\nCommand Options|$)/.exec(t)?.[1] ?? '').matchAll(/^ {2}-([a-z-]+)/gm)].map((m) => m[1]!);
      expect(httpFlags(ui.stdout)).toEqual(httpFlags(golden));
    },
  );

  it('a parent run alone prints its help on stderr and exits 1', async () => {
    const ui = new CaptureUi({});
    expect(await main(['operator', 'raft'], { ui })).toBe(1);
    expect(ui.stderr).toContain('Subcommands:\n    list-peers     Display the current Raft peer configuration\n    remove-peer    Remove a Muster server from the Raft configuration\n');
  });
});
