/**
 * /v1/operator/raft/* and /v1/operator/autopilot/* against what Consul 1.8.7 -dev answered
 * (bodies recorded from the reference binary, pretty as -dev prints them), over the harness's
 * store and log with a FakeRaft standing in for the cluster.
 */
import { describe, expect, it } from 'vitest';
import { autopilotRuntimeDefaults } from '../config/index.js';
import { FakeRaft } from '../server/fake-raft.js';
import { OperatorEndpoint, type AutopilotServer } from '../server/index.js';
import type { AutopilotConfigWrite } from '../state/index.js';
import { registerOperator } from './operator.js';
import { harness } from './test-harness.js';

const id = '06d3e865-d369-2e42-2cf6-eac56c126bc3';
const address = '127.0.0.61:18563';
const defaults: AutopilotConfigWrite = { ...autopilotRuntimeDefaults };

async function setup() {
  const h = harness({ pretty: true });
  const raft = new FakeRaft([{ id, node: 'ref61', address, voter: true, leader: true }]);
  raft.configIndex = 0; // an in-memory Raft's configuration, as -dev reports it
  raft.lastIndex = 12;
  const members: AutopilotServer[] = [{ id, name: 'ref61', address, status: 'alive', build: '1.8.7' }];
  const op = new OperatorEndpoint({ store: h.store, log: h.log, raft, datacenter: 'dc1', servers: () => members, clock: h.clock });
  registerOperator(h.api.router, op);
  h.log.applySync({ type: 'noop' });
  h.log.applySync({ type: 'noop' });
  await op.startAutopilot(defaults); // index 4, as the reference -dev wrote it
  const req = (method: 'GET' | 'PUT' | 'DELETE' | 'POST', url: string, payload?: string) => h.request({ method, url, ...(payload === undefined ? {} : { payload }) });
  return { h, raft, members, op, req };
}

describe('/v1/operator/raft', () => {
  it('configuration: the servers with their node names, no index headers', async () => {
    const { req } = await setup();
    const r = await req('GET', '/v1/operator/raft/configuration');
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe(
      `{\n    "Servers": [\n        {\n            "ID": "${id}",\n            "Node": "ref61",\n            "Address": "${address}",\n` +
        '            "Leader": true,\n            "ProtocolVersion": "3",\n            "Voter": true\n        }\n    ],\n    "Index": 0\n}\n',
    );
    expect(r.headers['x-consul-index']).toBeUndefined();
    expect((await req('GET', '/v1/operator/raft/configuration?stale')).statusCode).toBe(200);
  });

  it("refuses bad requests with Consul's statuses and texts", async () => {
    const { req } = await setup();
    const cases: Array<[string, string, number, string]> = [
      ['DELETE', '/v1/operator/raft/peer', 400, "Bad request: Must specify either ?id with the server's ID or ?address with IP:port of peer to remove"],
      ['DELETE', '/v1/operator/raft/peer?id=x&address=y', 400, 'Bad request: Must specify only one of ?id or ?address'],
      ['DELETE', '/v1/operator/raft/peer?address=1.2.3.4:5', 500, 'address "1.2.3.4:5" was not found in the Raft configuration'],
      ['DELETE', '/v1/operator/raft/peer?id=abc', 500, 'id "abc" was not found in the Raft configuration'],
      ['DELETE', '/v1/operator/raft/peer?id=', 500, 'id "" was not found in the Raft configuration'],
      ['GET', '/v1/operator/raft/configuration?dc=foo', 500, 'No path to datacenter'],
      ['GET', '/v1/operator/autopilot/health?dc=foo', 500, 'No path to datacenter'],
      ['GET', '/v1/operator/raft/configuration?stale&consistent', 400, 'Cannot specify ?stale with ?consistent, conflicting semantics.'],
      ['POST', '/v1/operator/raft/peer?id=', 405, 'method POST not allowed'],
      ['POST', '/v1/operator/autopilot/configuration', 405, 'method POST not allowed'],
      ['PUT', '/v1/operator/autopilot/health', 405, 'method PUT not allowed'],
    ];
    for (const [method, url, status, text] of cases) {
      const r = await req(method as 'GET', url);
      expect([url, r.statusCode, r.body]).toEqual([url, status, text]);
    }
  });

  it('removes a peer by address or ID', async () => {
    const { req, raft } = await setup();
    raft.servers.push({ id: 'b', node: 'b', address: '10.0.0.2:8300', voter: true, leader: false }, { id: 'c', node: 'c', address: '10.0.0.3:8300', voter: true, leader: false });
    expect((await req('DELETE', '/v1/operator/raft/peer?address=10.0.0.2:8300')).statusCode).toBe(200);
    expect((await req('DELETE', '/v1/operator/raft/peer?id=c')).body).toBe('');
    expect(raft.removed).toEqual(['b', 'c']);
  });
});

describe('/v1/operator/autopilot', () => {
  const defaultsBody =
    '{\n    "CleanupDeadServers": true,\n    "LastContactThreshold": "200ms",\n    "MaxTrailingLogs": 250,\n    "MinQuorum": 0,\n' +
    '    "ServerStabilizationTime": "10s",\n    "RedundancyZoneTag": "",\n    "DisableUpgradeMigration": false,\n    "UpgradeVersionTag": "",\n' +
    '    "CreateIndex": 4,\n    "ModifyIndex": 4\n}\n';

  it('configuration: the defaults the leader wrote, then a PUT replacing every field', async () => {
    const { req } = await setup();
    expect((await req('GET', '/v1/operator/autopilot/configuration')).body).toBe(defaultsBody);
    const put = await req('PUT', '/v1/operator/autopilot/configuration', '{"CleanupDeadServers":false,"LastContactThreshold":"300ms"}');
    expect([put.statusCode, put.body]).toEqual([200, 'true\n']);
    const after = JSON.parse((await req('GET', '/v1/operator/autopilot/configuration')).body) as Record<string, unknown>;
    expect(after).toEqual({
      CleanupDeadServers: false,
      LastContactThreshold: '300ms',
      MaxTrailingLogs: 0,
      MinQuorum: 0,
      ServerStabilizationTime: '0s',
      RedundancyZoneTag: '',
      DisableUpgradeMigration: false,
      UpgradeVersionTag: '',
      CreateIndex: 4,
      ModifyIndex: 5,
    });
    expect((await req('PUT', '/v1/operator/autopilot/configuration', 'null')).body).toBe('true\n');
    await req('PUT', '/v1/operator/autopilot/configuration', '{"LastContactThreshold":1.5e9,"ServerStabilizationTime":1500}');
    expect(JSON.parse((await req('GET', '/v1/operator/autopilot/configuration?stale')).body)).toMatchObject({ LastContactThreshold: '1.5s', ServerStabilizationTime: '1.5µs' });
  });

  it('?cas= writes only over the given ModifyIndex and answers whether it did', async () => {
    const { req } = await setup();
    expect((await req('PUT', '/v1/operator/autopilot/configuration?cas=1', '{"MaxTrailingLogs":3}')).body).toBe('false\n');
    expect((await req('PUT', '/v1/operator/autopilot/configuration?cas=4', '{"MaxTrailingLogs":3}')).body).toBe('true\n');
    expect(JSON.parse((await req('GET', '/v1/operator/autopilot/configuration')).body)).toMatchObject({ MaxTrailingLogs: 3, ModifyIndex: 6 });
    expect((await req('PUT', '/v1/operator/autopilot/configuration?cas=99999999999999999999', '{}')).statusCode).toBe(400);
    expect((await req('PUT', '/v1/operator/autopilot/configuration?cas=18446744073709551615', '{}')).body).toBe('false\n');
  });

  it("refuses bad bodies and cas values with Consul's texts, changing nothing", async () => {
    const { req } = await setup();
    const p = 'Bad request: Error parsing autopilot config: ';
    const cases: Array<[string, string, string]> = [
      ['?cas=abc', '{}', 'Bad request: Error parsing cas value: strconv.ParseUint: parsing "abc": invalid syntax'],
      ['?cas', '{}', 'Bad request: Error parsing cas value: strconv.ParseUint: parsing "": invalid syntax'],
      ['?cas=-1', '{}', 'Bad request: Error parsing cas value: strconv.ParseUint: parsing "-1": invalid syntax'],
      ['?cas=0x10', '{}', 'Bad request: Error parsing cas value: strconv.ParseUint: parsing "0x10": invalid syntax'],
      ['?cas=18446744073709551616', '{}', 'Bad request: Error parsing cas value: strconv.ParseUint: parsing "18446744073709551616": value out of range'],
      ['', '{"MaxTrailingLogs":"x"}', `${p}json: cannot unmarshal string into Go struct field AutopilotConfiguration.MaxTrailingLogs of type uint64`],
      ['', '{"LastContactThreshold":"x"}', `${p}time: invalid duration "x"`],
      ['', '', `${p}EOF`],
      ['', '{"Foo":1}', `${p}json: unknown field "Foo"`],
      ['', '{"LastContactThreshold":true}', `${p}strconv.ParseFloat: parsing "true": invalid syntax`],
      ['', '{"LastContactThreshold":{}}', `${p}strconv.ParseFloat: parsing "{}": invalid syntax`],
      ['', '{"MinQuorum":-1}', `${p}json: cannot unmarshal number -1 into Go struct field AutopilotConfiguration.MinQuorum of type uint`],
      ['', '{"cleanupdeadservers":1}', `${p}json: cannot unmarshal number into Go struct field AutopilotConfiguration.CleanupDeadServers of type bool`],
      ['', '[]', `${p}json: cannot unmarshal array into Go value of type api.AutopilotConfiguration`],
    ];
    for (const [query, body, text] of cases) {
      const r = await req('PUT', `/v1/operator/autopilot/configuration${query}`, body);
      expect([body, r.statusCode, r.body]).toEqual([body, 400, text]);
    }
    expect((await req('GET', '/v1/operator/autopilot/configuration')).body).toBe(defaultsBody);
  });

  it('health: 200 with every server when healthy, 429 with the same shape when not', async () => {
    const { req, raft, h } = await setup();
    const ok = await req('GET', '/v1/operator/autopilot/health');
    expect(ok.statusCode).toBe(200);
    const stableSince = new Date(Math.round(h.clock.nowMs() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    expect(ok.body).toBe(
      '{\n    "Healthy": true,\n    "FailureTolerance": 0,\n    "Servers": [\n        {\n' +
        `            "ID": "${id}",\n            "Name": "ref61",\n            "Address": "${address}",\n            "SerfStatus": "alive",\n` +
        '            "Version": "1.8.7",\n            "Leader": true,\n            "LastContact": "0s",\n            "LastTerm": 2,\n' +
        `            "LastIndex": 12,\n            "Healthy": true,\n            "Voter": true,\n            "StableSince": "${stableSince}"\n        }\n    ]\n}\n`,
    );
    raft.servers.push({ id: 'gone', node: '', address: '10.0.0.9:8300', voter: true, leader: false });
    raft.progressById.set('gone', { id: 'gone', lastContactMs: 12.5, matchIndex: 3 });
    h.clock.advance(2000);
    const bad = await req('GET', '/v1/operator/autopilot/health');
    expect(bad.statusCode).toBe(429);
    const body = JSON.parse(bad.body) as { Healthy: boolean; Servers: Array<Record<string, unknown>> };
    expect(body.Healthy).toBe(false);
    expect(body.Servers[1]).toEqual({
      ID: 'gone',
      Name: '',
      Address: '10.0.0.9:8300',
      SerfStatus: 'none',
      Version: '',
      Leader: false,
      LastContact: '-1ns',
      LastTerm: 0,
      LastIndex: 0,
      Healthy: false,
      Voter: true,
      StableSince: '0001-01-01T00:00:00Z',
    });
  });

  it('health before the first pass is the zero reply: 429, Servers null', async () => {
    const { req, op } = await setup();
    op.stopAutopilot();
    const r = await req('GET', '/v1/operator/autopilot/health');
    expect([r.statusCode, JSON.parse(r.body)]).toEqual([429, { Healthy: false, FailureTolerance: 0, Servers: null }]);
  });
});
