import { describe, expect, it } from 'vitest';
import { agentServiceContentHash, type AgentServiceHashInput, type AgentServiceProxyHashInput } from './content-hash.js';

/**
 * Recorded from the Consul 1.8.7 binary (`consul agent -dev`): each `register` body was sent to
 * PUT /v1/agent/service/register and `body` is the reply of GET /v1/agent/service/<id>
 * (X-Consul-ContentHash equals body.ContentHash). The `sc` registration also created
 * `sc-sidecar-proxy`. The first row is api/agent_test.go TestAPI_AgentService's registration.
 */
const RECORDED: readonly { readonly register: string; readonly body: string }[] = [
  {
    register: '{"Name":"foo","Tags":["bar","baz"],"Port":8000,"Check":null,"Checks":[{"TTL":"15s"},{"TTL":"30s"}]}',
    body: '{"ID":"foo","Service":"foo","Tags":["bar","baz"],"Meta":{},"Port":8000,"Address":"","Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"ContentHash":"6b13684bfe179e67"}',
  },
  {
    register: '{"ID":"web-1","Name":"web","Tags":["v1","primary","v1","zeta"],"Port":8080}',
    body: '{"ID":"web-1","Service":"web","Tags":["v1","primary","v1","zeta"],"Meta":{},"Port":8080,"Address":"","Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"ContentHash":"1b174512fb701b68"}',
  },
  {
    register: '{"ID":"api-meta","Name":"api","Port":9000,"Meta":{"version":"1.2.3","env":"prod","team":"core","empty":""}}',
    body: '{"ID":"api-meta","Service":"api","Tags":[],"Meta":{"empty":"","env":"prod","team":"core","version":"1.2.3"},"Port":9000,"Address":"","Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"ContentHash":"6d33b3c7ad41d49a"}',
  },
  {
    register: '{"ID":"db-tagged","Name":"db","Port":5432,"Address":"10.0.0.5","TaggedAddresses":{"lan":{"Address":"10.0.0.5","Port":5432},"wan":{"Address":"198.51.100.7","Port":15432}}}',
    body: '{"ID":"db-tagged","Service":"db","Tags":[],"Meta":{},"Port":5432,"Address":"10.0.0.5","TaggedAddresses":{"lan":{"Address":"10.0.0.5","Port":5432},"lan_ipv4":{"Address":"10.0.0.5","Port":5432},"wan":{"Address":"198.51.100.7","Port":15432},"wan_ipv4":{"Address":"10.0.0.5","Port":5432}},"Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"ContentHash":"ce036598a17dd537"}',
  },
  {
    register: '{"ID":"cache-addr","Name":"cache","Port":6379,"Address":"192.168.1.20"}',
    body: '{"ID":"cache-addr","Service":"cache","Tags":[],"Meta":{},"Port":6379,"Address":"192.168.1.20","TaggedAddresses":{"lan_ipv4":{"Address":"192.168.1.20","Port":6379},"wan_ipv4":{"Address":"192.168.1.20","Port":6379}},"Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"ContentHash":"1d09728c53c1c00"}',
  },
  {
    register: '{"ID":"weighted","Name":"weighted","Port":81,"Weights":{"Passing":10,"Warning":3}}',
    body: '{"ID":"weighted","Service":"weighted","Tags":[],"Meta":{},"Port":81,"Address":"","Weights":{"Passing":10,"Warning":3},"EnableTagOverride":false,"ContentHash":"220a04be0975ee9c"}',
  },
  {
    register: '{"ID":"eto","Name":"eto","Tags":["x"],"Port":82,"EnableTagOverride":true}',
    body: '{"ID":"eto","Service":"eto","Tags":["x"],"Meta":{},"Port":82,"Address":"","Weights":{"Passing":1,"Warning":1},"EnableTagOverride":true,"ContentHash":"7a00e7a144c5d135"}',
  },
  {
    register: '{"ID":"port-zero","Name":"portzero"}',
    body: '{"ID":"port-zero","Service":"portzero","Tags":[],"Meta":{},"Port":0,"Address":"","Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"ContentHash":"6199086f38554935"}',
  },
  {
    register: '{"ID":"uni-1","Name":"café-☃-服务","Tags":["ünï","😀"],"Meta":{"cle":"välue ☃"},"Port":7000}',
    body: '{"ID":"uni-1","Service":"café-☃-服务","Tags":["ünï","😀"],"Meta":{"cle":"välue ☃"},"Port":7000,"Address":"","Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"ContentHash":"59ab3fa9b6a31f1"}',
  },
  {
    register: '{"ID":"native-1","Name":"native","Port":9443,"Connect":{"Native":true}}',
    body: '{"ID":"native-1","Service":"native","Tags":[],"Meta":{},"Port":9443,"Address":"","Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"ContentHash":"9d83edce6ed48b4b","Connect":{"Native":true}}',
  },
  {
    register: '{"ID":"web-proxy","Name":"web-proxy","Kind":"connect-proxy","Port":21000,"Proxy":{"DestinationServiceName":"web","DestinationServiceID":"web-1","LocalServiceAddress":"127.0.0.1","LocalServicePort":8080,"Config":{"protocol":"http","connect_timeout_ms":5000,"flag":true,"ratio":0.5,"nested":{"a":"b","n":[1,"two",false]},"nothing":null},"Upstreams":[{"DestinationName":"db","LocalBindPort":9191,"Config":{"x":1}},{"DestinationType":"prepared_query","DestinationName":"pq","LocalBindPort":9192,"Datacenter":"dc2","LocalBindAddress":"127.0.0.2","MeshGateway":{"Mode":"local"}}],"MeshGateway":{"Mode":"remote"},"Expose":{"Checks":true,"Paths":[{"ListenerPort":21500,"Path":"/metrics","LocalPathPort":8080,"Protocol":"http"}]}}}',
    body: '{"Kind":"connect-proxy","ID":"web-proxy","Service":"web-proxy","Tags":[],"Meta":{},"Port":21000,"Address":"","Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"ContentHash":"7ba9bffa60542a2d","Proxy":{"DestinationServiceName":"web","DestinationServiceID":"web-1","LocalServiceAddress":"127.0.0.1","LocalServicePort":8080,"Config":{"connect_timeout_ms":5000,"flag":true,"nested":{"a":"b","n":[1,"two",false]},"nothing":null,"protocol":"http","ratio":0.5},"Upstreams":[{"DestinationType":"service","DestinationName":"db","LocalBindPort":9191,"Config":{"x":1},"MeshGateway":{}},{"DestinationType":"prepared_query","DestinationName":"pq","Datacenter":"dc2","LocalBindAddress":"127.0.0.2","LocalBindPort":9192,"MeshGateway":{"Mode":"local"}}],"MeshGateway":{"Mode":"remote"},"Expose":{"Checks":true,"Paths":[{"ListenerPort":21500,"Path":"/metrics","LocalPathPort":8080,"Protocol":"http","ParsedFromCheck":false}]}}}',
  },
  {
    register: '{"ID":"weights-warn0","Name":"wz","Port":83,"Weights":{"Passing":5,"Warning":0}}',
    body: '{"ID":"weights-warn0","Service":"wz","Tags":[],"Meta":{},"Port":83,"Address":"","Weights":{"Passing":5,"Warning":0},"EnableTagOverride":false,"ContentHash":"b4fe9e2aee65154a"}',
  },
  {
    register: '{"ID":"sc","Name":"sc","Port":8181,"Connect":{"SidecarService":{}}}',
    body: '{"ID":"sc","Service":"sc","Tags":[],"Meta":{},"Port":8181,"Address":"","Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"ContentHash":"810ef268e7931a3b"}',
  },
  {
    register: '{"ID":"sc","Name":"sc","Port":8181,"Connect":{"SidecarService":{}}}',
    body: '{"Kind":"connect-proxy","ID":"sc-sidecar-proxy","Service":"sc-sidecar-proxy","Tags":[],"Meta":{},"Port":21001,"Address":"","Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"ContentHash":"2d2f9389dfd3e536","Proxy":{"DestinationServiceName":"sc","DestinationServiceID":"sc","LocalServiceAddress":"127.0.0.1","LocalServicePort":8181,"MeshGateway":{},"Expose":{}}}',
  },
  {
    register: '{"ID":"mgw","Name":"mesh-gateway","Kind":"mesh-gateway","Port":8443,"Address":"10.1.1.1"}',
    body: '{"Kind":"mesh-gateway","ID":"mgw","Service":"mesh-gateway","Tags":[],"Meta":{},"Port":8443,"Address":"10.1.1.1","TaggedAddresses":{"lan_ipv4":{"Address":"10.1.1.1","Port":8443},"wan_ipv4":{"Address":"10.1.1.1","Port":8443}},"Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"ContentHash":"6ae26deeac2239de","Proxy":{"MeshGateway":{},"Expose":{}}}',
  },
  {
    register: '{"ID":"v6","Name":"v6","Port":84,"Address":"2001:db8::1"}',
    body: '{"ID":"v6","Service":"v6","Tags":[],"Meta":{},"Port":84,"Address":"2001:db8::1","TaggedAddresses":{"lan_ipv6":{"Address":"2001:db8::1","Port":84},"wan_ipv6":{"Address":"2001:db8::1","Port":84}},"Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"ContentHash":"cdd1f0e3ec7cb2d2"}',
  },
  {
    register: '{"ID":"ид-сервис","Name":"сервис","Port":85}',
    body: '{"ID":"ид-сервис","Service":"сервис","Tags":[],"Meta":{},"Port":85,"Address":"","Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"ContentHash":"4d329621e2bda037"}',
  },
];

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const n = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** What the lead's mapping does: api.AgentService JSON (as rendered) → hash input. */
function inputFromBody(b: Json): AgentServiceHashInput {
  const weights = obj(b.Weights);
  const tagged = b.TaggedAddresses === undefined ? null : obj(b.TaggedAddresses);
  return {
    kind: s(b.Kind),
    id: s(b.ID),
    service: s(b.Service),
    tags: b.Tags as string[],
    meta: b.Meta as Record<string, string>,
    port: n(b.Port),
    address: s(b.Address),
    taggedAddresses: tagged && Object.fromEntries(Object.entries(tagged).map(([k, a]) => [k, { address: s(obj(a).Address), port: n(obj(a).Port) }])),
    weights: { passing: n(weights.Passing), warning: n(weights.Warning) },
    enableTagOverride: b.EnableTagOverride === true,
    // The local agent's NodeService carries no RaftIndex: both are 0 at hash time.
    createIndex: 0,
    modifyIndex: 0,
    proxy: b.Proxy === undefined ? null : proxyFromBody(obj(b.Proxy)),
    connect: b.Connect === undefined ? null : { native: obj(b.Connect).Native === true },
  };
}

function proxyFromBody(p: Json): AgentServiceProxyHashInput {
  const expose = obj(p.Expose);
  return {
    destinationServiceName: s(p.DestinationServiceName),
    destinationServiceID: s(p.DestinationServiceID),
    localServiceAddress: s(p.LocalServiceAddress),
    localServicePort: n(p.LocalServicePort),
    config: p.Config === undefined ? null : obj(p.Config),
    upstreams: ((p.Upstreams ?? []) as Json[]).map((u) => ({
      destinationType: s(u.DestinationType),
      destinationNamespace: s(u.DestinationNamespace),
      destinationName: s(u.DestinationName),
      datacenter: s(u.Datacenter),
      localBindAddress: s(u.LocalBindAddress),
      localBindPort: n(u.LocalBindPort),
      config: u.Config === undefined ? null : obj(u.Config),
      meshGateway: { mode: s(obj(u.MeshGateway).Mode) },
    })),
    meshGateway: { mode: s(obj(p.MeshGateway).Mode) },
    expose: {
      checks: expose.Checks === true,
      paths: ((expose.Paths ?? []) as Json[]).map((e) => ({
        listenerPort: n(e.ListenerPort),
        path: s(e.Path),
        localPathPort: n(e.LocalPathPort),
        protocol: s(e.Protocol),
        parsedFromCheck: e.ParsedFromCheck === true,
      })),
    },
  };
}

describe('agentServiceContentHash', () => {
  it.each(RECORDED.map((r) => [obj(JSON.parse(r.body)).ID, r] as const))('reproduces Consul 1.8.7 for %s', (_id, r) => {
    const body = obj(JSON.parse(r.body));
    expect(agentServiceContentHash(inputFromBody(body))).toBe(body.ContentHash);
  });

  it('gives TestAPI_AgentService its literal hash', () => {
    const svc: AgentServiceHashInput = {
      kind: '',
      id: 'foo',
      service: 'foo',
      tags: ['bar', 'baz'],
      meta: {},
      port: 8000,
      address: '',
      taggedAddresses: null,
      weights: { passing: 1, warning: 1 },
      enableTagOverride: false,
      createIndex: 0,
      modifyIndex: 0,
    };
    expect(agentServiceContentHash(svc)).toBe('6b13684bfe179e67');
  });

  it('hashes null and empty tags, meta and tagged addresses alike, and map order does not matter', () => {
    const base = obj(JSON.parse(RECORDED[2]!.body));
    const a = inputFromBody(base);
    expect(agentServiceContentHash({ ...a, tags: null, taggedAddresses: {} })).toBe(base.ContentHash);
    const reversed = Object.fromEntries(Object.entries(a.meta ?? {}).reverse());
    expect(agentServiceContentHash({ ...a, meta: reversed })).toBe(base.ContentHash);
    expect(agentServiceContentHash({ ...a, meta: null })).toBe(agentServiceContentHash({ ...a, meta: {} }));
  });

  it('changes with tag order, indexes and the Connect pointer, and accepts bigint indexes', () => {
    const a = inputFromBody(obj(JSON.parse(RECORDED[1]!.body)));
    const h = agentServiceContentHash(a);
    expect(agentServiceContentHash({ ...a, tags: [...(a.tags ?? [])].reverse() })).not.toBe(h);
    expect(agentServiceContentHash({ ...a, modifyIndex: 7 })).not.toBe(h);
    expect(agentServiceContentHash({ ...a, modifyIndex: 7n })).toBe(agentServiceContentHash({ ...a, modifyIndex: 7 }));
    expect(agentServiceContentHash({ ...a, connect: { native: false } })).not.toBe(h);
  });

  it('renders %x without zero padding', () => {
    const row = RECORDED.find((r) => r.body.includes('"ID":"cache-addr"'));
    const body = obj(JSON.parse(row!.body));
    expect(body.ContentHash).toHaveLength(15);
    expect(agentServiceContentHash(inputFromBody(body))).toBe(body.ContentHash);
  });
});
