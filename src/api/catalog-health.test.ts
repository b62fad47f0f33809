import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeServiceRegistration } from './agent-services.js';
import { FakeConsul } from './fake-consul.js';
import { aggregatedStatus, Client, healthCheckFromWire } from './index.js';

let fake: FakeConsul;
let client: Client;

beforeEach(async () => {
  fake = new FakeConsul();
  client = new Client({ address: await fake.start(), datacenter: 'dc9' });
});
afterEach(async () => {
  client.close();
  await fake.stop();
});

describe('Catalog', () => {
  it('sends Go’s query parameters and decodes camelCase', async () => {
    fake.nodes = [{ ID: 'i', Node: 'n1', Address: '10.0.0.1', Datacenter: 'dc9', TaggedAddresses: null, Meta: { rack: 'r1' }, CreateIndex: 3, ModifyIndex: 4 }];
    const { value, meta } = await client.catalog.nodes({ near: '_agent', nodeMeta: { rack: 'r1' }, filter: 'Node != ""' });
    expect(value).toEqual([{ id: 'i', node: 'n1', address: '10.0.0.1', datacenter: 'dc9', taggedAddresses: {}, meta: { rack: 'r1' }, createIndex: 3, modifyIndex: 4 }]);
    expect(meta.lastIndex).toBe(fake.store.index);
    expect(fake.requests[0]!.url).toBe('/v1/catalog/nodes?dc=dc9&filter=Node+%21%3D+%22%22&near=_agent&node-meta=rack%3Ar1');
    await client.catalog.service('web', ['a', 'b']);
    expect(fake.requests[1]!.url).toBe('/v1/catalog/service/web?dc=dc9&tag=a&tag=b');
    expect((await client.catalog.node('nope')).value).toBeNull();
    await client.catalog.datacenters();
    expect(fake.requests[3]!.url).toBe('/v1/catalog/datacenters?dc=dc9');
  });

  it('an error status is Go’s requireOK error', async () => {
    fake.override = () => ({ status: 500, body: 'No cluster leader' });
    await expect(client.catalog.services()).rejects.toThrow('Unexpected response code: 500 (No cluster leader)');
  });
});

describe('Health', () => {
  it('service entries with ?passing and tags', async () => {
    fake.override = (r) =>
      r.path === '/v1/health/service/web'
        ? { status: 200, body: JSON.stringify([{ Node: { Node: 'n1' }, Service: { ID: 'web', Service: 'web', Port: 80 }, Checks: [{ CheckID: 'serfHealth', Status: 'passing' }] }]) }
        : undefined;
    const { value } = await client.health.service('web', ['v1'], true);
    expect(value[0]!.service).toMatchObject({ id: 'web', port: 80 });
    expect(value[0]!.checks[0]).toMatchObject({ checkId: 'serfHealth', status: 'passing' });
    expect(fake.requests[0]!.url).toBe('/v1/health/service/web?dc=dc9&passing=1&tag=v1');
  });

  it('state validates its argument as Go does', async () => {
    await expect(client.health.state('bogus')).rejects.toThrow(/^Unsupported state: bogus$/);
    expect(fake.requests).toEqual([]);
  });

  it('aggregatedStatus: maintenance wins, then critical, warning, passing', () => {
    const c = (id: string, status: string) => healthCheckFromWire({ CheckID: id, Status: status });
    expect(aggregatedStatus([c('a', 'passing'), c('b', 'warning')])).toBe('warning');
    expect(aggregatedStatus([c('a', 'critical'), c('_node_maintenance', 'critical')])).toBe('maintenance');
    expect(aggregatedStatus([c('a', 'odd')])).toBe('');
    expect(aggregatedStatus([])).toBe('passing');
  });
});

describe('Agent services', () => {
  it('registration JSON is Go’s: field order, omitempty, sorted maps, HTML escapes', () => {
    const body = encodeServiceRegistration({
      name: 'a<b>',
      id: '',
      port: 0,
      meta: { z: '1', a: '2' },
      checks: [{ ttl: '10s', header: { B: ['1'], A: ['2'] }, args: ['x'] }],
    });
    expect(body).toBe('{"Name":"a\\u003cb\\u003e","Meta":{"a":"2","z":"1"},"Check":null,"Checks":[{"ScriptArgs":["x"],"TTL":"10s","Header":{"A":["2"],"B":["1"]}}]}');
  });

  it('maintenance, reload, checks, services, nodeName', async () => {
    fake.addService({ ID: 'web', Service: 'web' });
    await client.agent.enableServiceMaintenance('web', 'why not');
    await client.agent.enableNodeMaintenance('');
    const checks = await client.agent.checks();
    expect(checks['_service_maintenance:web']).toMatchObject({ serviceId: 'web', notes: 'why not', status: 'critical' });
    expect(Object.keys(await client.agent.services())).toEqual(['web']);
    await client.agent.disableNodeMaintenance();
    await client.agent.disableServiceMaintenance('web');
    expect(await client.agent.checks()).toEqual({});
    await client.agent.reload();
    expect(fake.reloads).toBe(1);
    expect(await client.agent.nodeName()).toBe('fake-node');
    expect(await client.agent.nodeName()).toBe('fake-node');
    expect(fake.requests.filter((r) => r.path === '/v1/agent/self')).toHaveLength(1);
    expect(fake.requests.map((r) => r.url).slice(0, 2)).toEqual(['/v1/agent/service/maintenance/web?dc=dc9&enable=true&reason=why+not', '/v1/agent/maintenance?dc=dc9&enable=true&reason=']);
  });
});
