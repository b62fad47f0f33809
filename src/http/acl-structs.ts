/**
 * The ACL endpoints' JSON (Consul 1.8.7's structs.ACLToken, ACLTokenListStub, ACLPolicy,
 * ACLPolicyListStub, ACL and ACLReplicationStatus, fields in their order, `omitempty` as
 * Consul has it) and their request bodies, decoded as lib.DecodeJSON decodes them (unknown
 * fields refused, Go's error texts).
 */
import { nsNumberToMs, parseGoDuration } from '../lib/index.js';
import {
  goZeroTime,
  type ACLLegacyArgs,
  type ACLLegacyEntry,
  type ACLPolicySetArgs,
  type ACLPolicyStub,
  type ACLReplicationStatus,
  type ACLTokenSetArgs,
  type ACLTokenStub,
} from '../server/index.js';
import type { ACLNodeIdentity, ACLPolicy, ACLPolicyLink, ACLServiceIdentity, ACLToken } from '../state/index.js';
import { decodeGo, go, GoDecodeError, type Decoded } from './go-decode.js';
import { goZeroTimeMs, parseGoJsonTime } from './go-time.js';

type Json = Record<string, unknown>;

const links = (list: ACLPolicyLink[]): Json[] => list.map((l) => ({ ID: l.id, Name: l.name }));

const serviceIdentities = (list: ACLServiceIdentity[]): Json[] =>
  list.map((si) => (si.datacenters.length > 0 ? { ServiceName: si.serviceName, Datacenters: si.datacenters } : { ServiceName: si.serviceName }));

const nodeIdentities = (list: ACLNodeIdentity[]): Json[] => list.map((ni) => ({ NodeName: ni.nodeName, Datacenter: ni.datacenter }));

/** The fields a token and its list stub share, from Policies to ExpirationTime. */
function tokenLinks(out: Json, t: ACLTokenStub | ACLToken): void {
  if (t.policies.length > 0) out['Policies'] = links(t.policies);
  if (t.serviceIdentities.length > 0) out['ServiceIdentities'] = serviceIdentities(t.serviceIdentities);
  if (t.nodeIdentities.length > 0) out['NodeIdentities'] = nodeIdentities(t.nodeIdentities);
}

function tokenTail(out: Json, t: ACLTokenStub | ACLToken): Json {
  out['Local'] = t.local;
  if (t.authMethod !== '') out['AuthMethod'] = t.authMethod;
  if (t.expirationTime !== '') out['ExpirationTime'] = t.expirationTime;
  out['CreateTime'] = t.createTime === '' ? goZeroTime : t.createTime;
  out['Hash'] = t.hash === '' ? null : t.hash;
  out['CreateIndex'] = t.createIndex;
  out['ModifyIndex'] = t.modifyIndex;
  return out;
}

export function tokenJson(t: ACLToken): Json {
  const out: Json = { AccessorID: t.accessorID, SecretID: t.secretID, Description: t.description };
  tokenLinks(out, t);
  if (t.rules !== '') out['Rules'] = t.rules;
  return tokenTail(out, t);
}

export function tokenStubJson(t: ACLTokenStub): Json {
  const out: Json = { AccessorID: t.accessorID, Description: t.description };
  tokenLinks(out, t);
  tokenTail(out, t);
  if (t.legacy) out['Legacy'] = true;
  return out;
}

export function policyJson(p: ACLPolicy): Json {
  const out: Json = { ID: p.id, Name: p.name, Description: p.description, Rules: p.rules };
  if (p.datacenters.length > 0) out['Datacenters'] = p.datacenters;
  out['Hash'] = p.hash === '' ? null : p.hash;
  out['CreateIndex'] = p.createIndex;
  out['ModifyIndex'] = p.modifyIndex;
  return out;
}

export function policyStubJson(p: ACLPolicyStub): Json {
  return {
    ID: p.id,
    Name: p.name,
    Description: p.description,
    Datacenters: p.datacenters.length > 0 ? p.datacenters : null,
    Hash: p.hash === '' ? null : p.hash,
    CreateIndex: p.createIndex,
    ModifyIndex: p.modifyIndex,
  };
}

export function legacyJson(a: ACLLegacyEntry): Json {
  return { ID: a.id, Name: a.name, Type: a.type, Rules: a.rules, CreateIndex: a.createIndex, ModifyIndex: a.modifyIndex };
}

export function replicationJson(r: ACLReplicationStatus): Json {
  return {
    Enabled: r.enabled,
    Running: r.running,
    SourceDatacenter: r.sourceDatacenter,
    ReplicationType: r.replicationType,
    ReplicatedIndex: r.replicatedIndex,
    ReplicatedRoleIndex: r.replicatedRoleIndex,
    ReplicatedTokenIndex: r.replicatedTokenIndex,
    LastSuccess: r.lastSuccess,
    LastError: r.lastError,
  };
}

const linkType = (name: string): ReturnType<typeof go.struct> => go.struct(name, { ID: go.string, Name: go.string });

const tokenType = go.struct('ACLToken', {
  AccessorID: go.string,
  SecretID: go.string,
  Description: go.string,
  Policies: go.slice(linkType('ACLTokenPolicyLink')),
  Roles: go.slice(linkType('ACLTokenRoleLink')),
  ServiceIdentities: go.slice(go.struct('ACLServiceIdentity', { ServiceName: go.string, Datacenters: go.slice(go.string) })),
  NodeIdentities: go.slice(go.struct('ACLNodeIdentity', { NodeName: go.string, Datacenter: go.string })),
  Rules: go.string,
  Local: go.bool,
  AuthMethod: go.string,
  ExpirationTime: go.any,
  // ACLToken.UnmarshalJSON takes it as interface{}: a Go duration string or nanoseconds.
  ExpirationTTL: go.any,
  CreateTime: go.any,
  Hash: go.string,
  CreateIndex: go.uint64,
  ModifyIndex: go.uint64,
}) as Parameters<typeof decodeGo>[1];

const policyType = go.struct('ACLPolicy', {
  ID: go.string,
  Name: go.string,
  Description: go.string,
  Rules: go.string,
  Datacenters: go.slice(go.string),
  Hash: go.string,
  CreateIndex: go.uint64,
  ModifyIndex: go.uint64,
}) as Parameters<typeof decodeGo>[1];

const legacyType = go.struct('ACL', {
  ID: go.string,
  Name: go.string,
  Type: go.string,
  Rules: go.string,
  CreateIndex: go.uint64,
  ModifyIndex: go.uint64,
}) as Parameters<typeof decodeGo>[1];

const text = (d: Decoded, k: string): string => (d[k] as string | undefined) ?? '';

const linksFrom = (v: unknown): ACLPolicyLink[] => ((v as Decoded[] | undefined) ?? []).map((l) => ({ id: text(l, 'ID'), name: text(l, 'Name') }));

/** A JSON time field: '' for none (absent, null or Go's zero time), else RFC 3339 in UTC. */
function timeField(v: unknown): string {
  if (v === undefined) return '';
  const ms = parseGoJsonTime(v);
  return ms === goZeroTimeMs ? '' : new Date(ms).toISOString();
}

/** An ACLToken body (Consul's ACLToken.UnmarshalJSON); throws GoDecodeError. */
export function decodeToken(value: unknown): ACLTokenSetArgs {
  const d = decodeGo(value, tokenType);
  const expirationTime = timeField(d['ExpirationTime']);
  timeField(d['CreateTime']);
  let expirationTtlMs = 0;
  const ttl = d['ExpirationTTL'];
  if (typeof ttl === 'string') {
    const r = parseGoDuration(ttl);
    if (!r.ok) throw new GoDecodeError(r.error);
    expirationTtlMs = r.ms;
  } else if (typeof ttl === 'number') {
    expirationTtlMs = nsNumberToMs(ttl);
  }
  return {
    accessorID: text(d, 'AccessorID'),
    secretID: text(d, 'SecretID'),
    description: text(d, 'Description'),
    policies: linksFrom(d['Policies']),
    roles: linksFrom(d['Roles']),
    serviceIdentities: ((d['ServiceIdentities'] as Decoded[] | undefined) ?? []).map((si) => ({
      serviceName: text(si, 'ServiceName'),
      datacenters: (si['Datacenters'] as string[] | undefined) ?? [],
    })),
    nodeIdentities: ((d['NodeIdentities'] as Decoded[] | undefined) ?? []).map((ni) => ({ nodeName: text(ni, 'NodeName'), datacenter: text(ni, 'Datacenter') })),
    local: d['Local'] === true,
    authMethod: text(d, 'AuthMethod'),
    expirationTime,
    expirationTtlMs,
    rules: text(d, 'Rules'),
  };
}

/** An ACLPolicy body; Datacenters absent or null is Go's nil. */
export function decodePolicy(value: unknown): ACLPolicySetArgs {
  const d = decodeGo(value, policyType);
  return {
    id: text(d, 'ID'),
    name: text(d, 'Name'),
    description: text(d, 'Description'),
    rules: text(d, 'Rules'),
    datacenters: (d['Datacenters'] as string[] | undefined) ?? null,
  };
}

/** A legacy ACL body over Consul's default Type "client". */
export function decodeLegacy(value: unknown): ACLLegacyArgs {
  const d = decodeGo(value, legacyType);
  return { id: text(d, 'ID'), name: text(d, 'Name'), type: (d['Type'] as string | undefined) ?? 'client', rules: text(d, 'Rules') };
}

/** Consul's rewordUnknownEnterpriseFieldError. */
export function rewordEnterpriseField(message: string): string {
  return message === 'json: unknown field "Namespace"' ? `${message} - Namespaces are a Consul Enterprise feature` : message;
}
