/**
 * Consul's catalog structs at the HTTP edge: how request bodies decode (agent/structs:
 * RegisterRequest, NodeService, HealthCheck, HealthCheckDefinition) and how state entries render,
 * with Consul's field names and order.
 */
import { formatDurationMs } from '../lib/index.js';
import {
  emptyCheckDefinition,
  type CheckDefinitionData,
  type CheckEntry,
  type CheckWrite,
  type HealthStatus,
  type NodeEntry,
  type ServiceEntry,
  type ServiceWrite,
} from '../state/index.js';
import { decodeGo, go, type Decoded } from './go-decode.js';
import { sortedRecord } from './json.js';

const goDuration = (ns: number): string => formatDurationMs(ns / 1e6);

const stringMap = go.map(go.string);

export const healthCheckDefinitionType = go.struct('HealthCheckDefinition', {
  HTTP: go.string,
  TLSSkipVerify: go.bool,
  Header: go.map(go.slice(go.string)),
  Method: go.string,
  Body: go.string,
  TCP: go.string,
  Interval: go.duration,
  OutputMaxSize: go.uint,
  Timeout: go.duration,
  DeregisterCriticalServiceAfter: go.duration,
  ScriptArgs: go.slice(go.string),
  DockerContainerID: go.string,
  Shell: go.string,
  GRPC: go.string,
  GRPCUseTLS: go.bool,
  AliasNode: go.string,
  AliasService: go.string,
  TTL: go.duration,
}, true);

export const healthCheckType = go.struct('HealthCheck', {
  Node: go.string,
  CheckID: go.string,
  Name: go.string,
  Status: go.string,
  Notes: go.string,
  Output: go.string,
  ServiceID: go.string,
  ServiceName: go.string,
  ServiceTags: go.slice(go.string),
  Type: go.string,
  Definition: healthCheckDefinitionType,
  Namespace: go.string,
  CreateIndex: go.uint64,
  ModifyIndex: go.uint64,
});

export const nodeServiceType = go.struct('NodeService', {
  Kind: go.string,
  ID: go.string,
  Service: go.string,
  Tags: go.slice(go.string),
  Address: go.string,
  TaggedAddresses: go.map(go.struct('ServiceAddress', { Address: go.string, Port: go.int })),
  Meta: stringMap,
  Port: go.int,
  Weights: go.struct('Weights', { Passing: go.int, Warning: go.int }),
  EnableTagOverride: go.bool,
  Proxy: go.any,
  Connect: go.any,
  Namespace: go.string,
  CreateIndex: go.uint64,
  ModifyIndex: go.uint64,
});

export const registerRequestType = go.struct('RegisterRequest', {
  Datacenter: go.string,
  ID: go.string,
  Node: go.string,
  Address: go.string,
  TaggedAddresses: stringMap,
  NodeMeta: stringMap,
  Service: nodeServiceType,
  Check: healthCheckType,
  Checks: go.slice(healthCheckType),
  SkipNodeUpdate: go.bool,
  Token: go.string,
  Namespace: go.string,
});

export const deregisterRequestType = go.struct('DeregisterRequest', {
  Datacenter: go.string,
  /** Not a field of DeregisterRequest, but what the Go client sends (obsolete) is accepted. */
  Address: go.string,
  Node: go.string,
  ServiceID: go.string,
  CheckID: go.string,
  Token: go.string,
  Namespace: go.string,
});

const str = (d: Decoded, k: string): string => (d[k] as string | undefined) ?? '';
const num = (d: Decoded, k: string): number => (d[k] as number | undefined) ?? 0;
const rec = <T>(d: Decoded, k: string): Record<string, T> => (d[k] as Record<string, T> | undefined) ?? {};

export function serviceWriteFrom(d: Decoded): ServiceWrite {
  const weights = d['Weights'] as Decoded | undefined;
  const tagged = rec<Decoded>(d, 'TaggedAddresses');
  return {
    kind: str(d, 'Kind'),
    id: str(d, 'ID'),
    service: str(d, 'Service'),
    tags: (d['Tags'] as string[] | undefined) ?? [],
    address: str(d, 'Address'),
    taggedAddresses: Object.fromEntries(Object.entries(tagged).map(([k, v]) => [k, { address: str(v, 'Address'), port: num(v, 'Port') }])),
    meta: rec<string>(d, 'Meta'),
    port: num(d, 'Port'),
    // NodeService.ToServiceNode: weights that fail ValidateWeights become the default 1/1.
    weights: weights && validWeights(num(weights, 'Passing'), num(weights, 'Warning')) ? { passing: num(weights, 'Passing'), warning: num(weights, 'Warning') } : { passing: 1, warning: 1 },
    enableTagOverride: d['EnableTagOverride'] === true,
    proxy: objectOrNull(d['Proxy']),
    connect: objectOrNull(d['Connect']),
  };
}

const validWeights = (passing: number, warning: number): boolean => passing >= 1 && warning >= 0 && passing <= 65535 && warning <= 65535;

function objectOrNull(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0 ? (v as Record<string, unknown>) : null;
}

export function definitionFrom(d: Decoded | undefined): CheckDefinitionData {
  const def = emptyCheckDefinition();
  if (!d) return def;
  return {
    ...def,
    http: str(d, 'HTTP'),
    tlsSkipVerify: d['TLSSkipVerify'] === true,
    header: rec<string[]>(d, 'Header'),
    method: str(d, 'Method'),
    body: str(d, 'Body'),
    tcp: str(d, 'TCP'),
    intervalNs: num(d, 'Interval'),
    outputMaxSize: num(d, 'OutputMaxSize'),
    timeoutNs: num(d, 'Timeout'),
    deregisterCriticalServiceAfterNs: num(d, 'DeregisterCriticalServiceAfter'),
    scriptArgs: (d['ScriptArgs'] as string[] | undefined) ?? [],
    dockerContainerID: str(d, 'DockerContainerID'),
    shell: str(d, 'Shell'),
    grpc: str(d, 'GRPC'),
    grpcUseTLS: d['GRPCUseTLS'] === true,
    aliasNode: str(d, 'AliasNode'),
    aliasService: str(d, 'AliasService'),
    ttlNs: num(d, 'TTL'),
  };
}

/** Consul's CheckType.Type() for a check registered straight into the catalog. */
export function checkTypeOf(def: CheckDefinitionData): string {
  if (def.scriptArgs.length > 0 && def.dockerContainerID === '') return 'script';
  if (def.http !== '') return 'http';
  if (def.tcp !== '') return 'tcp';
  if (def.ttlNs > 0) return 'ttl';
  if (def.dockerContainerID !== '') return 'docker';
  if (def.grpc !== '') return 'grpc';
  if (def.aliasNode !== '' || def.aliasService !== '') return 'alias';
  return '';
}

export function checkWriteFrom(d: Decoded, node: string): CheckWrite {
  const definition = definitionFrom(d['Definition'] as Decoded | undefined);
  const name = str(d, 'Name');
  return {
    node: str(d, 'Node') || node,
    checkID: str(d, 'CheckID') || name,
    name,
    status: str(d, 'Status') as HealthStatus,
    notes: str(d, 'Notes'),
    output: str(d, 'Output'),
    serviceID: str(d, 'ServiceID'),
    type: str(d, 'Type') || checkTypeOf(definition),
    definition,
  };
}

export function decodeRegister(body: unknown): Decoded {
  return decodeGo(body, registerRequestType as GoStruct);
}

type GoStruct = Parameters<typeof decodeGo>[1];

// ---- rendering ----

export function nodeJson(n: NodeEntry): Record<string, unknown> {
  return {
    ID: n.id,
    Node: n.node,
    Address: n.address,
    Datacenter: n.datacenter,
    TaggedAddresses: sortedRecord(n.taggedAddresses),
    Meta: sortedRecord(n.meta),
    CreateIndex: n.createIndex,
    ModifyIndex: n.modifyIndex,
  };
}

function taggedJson(s: ServiceEntry): Record<string, { Address: string; Port: number }> {
  return sortedRecord(Object.fromEntries(Object.entries(s.taggedAddresses).map(([k, v]) => [k, { Address: v.address, Port: v.port }])));
}

/** Consul's ConnectProxyConfig of a typical service: empty but for its two struct fields. */
function proxyJson(s: ServiceEntry): Record<string, unknown> {
  return s.proxy ?? { MeshGateway: {}, Expose: {} };
}

/** A NodeService (agent and catalog node views). */
export function nodeServiceJson(s: ServiceEntry, withIndexes = true): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (s.kind !== '') out['Kind'] = s.kind;
  out['ID'] = s.id;
  out['Service'] = s.service;
  out['Tags'] = s.tags;
  out['Address'] = s.address;
  if (Object.keys(s.taggedAddresses).length > 0) out['TaggedAddresses'] = taggedJson(s);
  out['Meta'] = sortedRecord(s.meta);
  out['Port'] = s.port;
  out['Weights'] = { Passing: s.weights.passing, Warning: s.weights.warning };
  out['EnableTagOverride'] = s.enableTagOverride;
  out['Proxy'] = proxyJson(s);
  out['Connect'] = s.connect ?? {};
  if (withIndexes) {
    out['CreateIndex'] = s.createIndex;
    out['ModifyIndex'] = s.modifyIndex;
  }
  return out;
}

/** A ServiceNode (`/v1/catalog/service/:name`). */
export function serviceNodeJson(n: NodeEntry, s: ServiceEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ID: n.id,
    Node: n.node,
    Address: n.address,
    Datacenter: n.datacenter,
    TaggedAddresses: sortedRecord(n.taggedAddresses),
    NodeMeta: sortedRecord(n.meta),
    ServiceKind: s.kind,
    ServiceID: s.id,
    ServiceName: s.service,
    ServiceTags: s.tags,
    ServiceAddress: s.address,
  };
  if (Object.keys(s.taggedAddresses).length > 0) out['ServiceTaggedAddresses'] = taggedJson(s);
  Object.assign(out, {
    ServiceWeights: { Passing: s.weights.passing, Warning: s.weights.warning },
    ServiceMeta: sortedRecord(s.meta),
    ServicePort: s.port,
    ServiceEnableTagOverride: s.enableTagOverride,
    ServiceProxy: proxyJson(s),
    ServiceConnect: s.connect ?? {},
    CreateIndex: s.createIndex,
    ModifyIndex: s.modifyIndex,
  });
  return out;
}

/** HealthCheckDefinition's JSON: durations as Go strings, zero fields left out. */
export function definitionJson(d: CheckDefinitionData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (k: string, v: unknown, present: boolean) => {
    if (present) out[k] = v;
  };
  put('Interval', goDuration(d.intervalNs), d.intervalNs !== 0);
  put('OutputMaxSize', d.outputMaxSize, d.outputMaxSize !== 0);
  put('Timeout', goDuration(d.timeoutNs), d.timeoutNs !== 0);
  put('DeregisterCriticalServiceAfter', goDuration(d.deregisterCriticalServiceAfterNs), d.deregisterCriticalServiceAfterNs !== 0);
  put('HTTP', d.http, d.http !== '');
  put('TLSSkipVerify', true, d.tlsSkipVerify);
  put('Header', sortedRecord(d.header), Object.keys(d.header).length > 0);
  put('Method', d.method, d.method !== '');
  put('Body', d.body, d.body !== '');
  put('TCP', d.tcp, d.tcp !== '');
  put('ScriptArgs', d.scriptArgs, d.scriptArgs.length > 0);
  put('DockerContainerID', d.dockerContainerID, d.dockerContainerID !== '');
  put('Shell', d.shell, d.shell !== '');
  put('GRPC', d.grpc, d.grpc !== '');
  put('GRPCUseTLS', true, d.grpcUseTLS);
  put('AliasNode', d.aliasNode, d.aliasNode !== '');
  put('AliasService', d.aliasService, d.aliasService !== '');
  put('TTL', d.ttlNs, d.ttlNs !== 0);
  return out;
}

export function checkJson(c: CheckEntry): Record<string, unknown> {
  return {
    Node: c.node,
    CheckID: c.checkID,
    Name: c.name,
    Status: c.status,
    Notes: c.notes,
    Output: c.output,
    ServiceID: c.serviceID,
    ServiceName: c.serviceName,
    ServiceTags: c.serviceTags,
    Type: c.type,
    Definition: definitionJson(c.definition),
    CreateIndex: c.createIndex,
    ModifyIndex: c.modifyIndex,
  };
}

/** A CheckServiceNode (`/v1/health/service/:name`). */
export function checkServiceNodeJson(n: NodeEntry, s: ServiceEntry, checks: CheckEntry[]): Record<string, unknown> {
  return { Node: nodeJson(n), Service: nodeServiceJson(s), Checks: checks.map(checkJson) };
}
