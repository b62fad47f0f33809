/**
 * The shape checks of the ACL methods' structured arguments as they arrive over the RPC port
 * (rpc-methods.ts): whatever the peer sent is checked field by field, and answered
 * `rpc: bad request: <field> must be ...`; the endpoint then checks the content as for an HTTP
 * request.
 */
import { MusterError } from '../lib/index.js';
import type { ACLNodeIdentity, ACLPolicyLink, ACLServiceIdentity } from '../state/index.js';
import type { ACLLegacyArgs, ACLPolicySetArgs, ACLTokenListFilter, ACLTokenSetArgs } from './acl-endpoint.js';

function bad(what: string): MusterError {
  return new MusterError('ERR_BAD_REQUEST', `rpc: bad request: ${what}`);
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${what} must be a map`);
  return v as Record<string, unknown>;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw bad(`${what} must be a string`);
  return v;
}

export function wireBool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw bad(`${what} must be a boolean`);
  return v;
}

function strs(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(`${what} must be a list of strings`);
  return v;
}

function list<T>(v: unknown, what: string, item: (x: unknown) => T): T[] {
  if (!Array.isArray(v)) throw bad(`${what} must be a list`);
  return v.map(item);
}

const link = (v: unknown): ACLPolicyLink => {
  const r = record(v, 'a link');
  return { id: str(r['id'], 'link id'), name: str(r['name'], 'link name') };
};

export function aclTokenSetArgsFromWire(v: unknown): ACLTokenSetArgs {
  const r = record(v, 'token');
  const number = (x: unknown, what: string): number => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw bad(`${what} must be a number`);
    return x;
  };
  return {
    accessorID: str(r['accessorID'], 'accessorID'),
    secretID: str(r['secretID'], 'secretID'),
    description: str(r['description'], 'description'),
    policies: list(r['policies'], 'policies', link),
    roles: list(r['roles'], 'roles', link),
    serviceIdentities: list(r['serviceIdentities'], 'serviceIdentities', (x): ACLServiceIdentity => {
      const si = record(x, 'a service identity');
      return { serviceName: str(si['serviceName'], 'serviceName'), datacenters: strs(si['datacenters'], 'datacenters') };
    }),
    nodeIdentities: list(r['nodeIdentities'], 'nodeIdentities', (x): ACLNodeIdentity => {
      const ni = record(x, 'a node identity');
      return { nodeName: str(ni['nodeName'], 'nodeName'), datacenter: str(ni['datacenter'], 'datacenter') };
    }),
    local: wireBool(r['local'], 'local'),
    authMethod: str(r['authMethod'], 'authMethod'),
    expirationTime: str(r['expirationTime'], 'expirationTime'),
    expirationTtlMs: number(r['expirationTtlMs'], 'expirationTtlMs'),
    rules: str(r['rules'], 'rules'),
  };
}

export function aclPolicySetArgsFromWire(v: unknown): ACLPolicySetArgs {
  const r = record(v, 'policy');
  const dcs = r['datacenters'];
  return {
    id: str(r['id'], 'id'),
    name: str(r['name'], 'name'),
    description: str(r['description'], 'description'),
    rules: str(r['rules'], 'rules'),
    datacenters: dcs === null || dcs === undefined ? null : strs(dcs, 'datacenters'),
  };
}

export function aclLegacyArgsFromWire(v: unknown): ACLLegacyArgs {
  const r = record(v, 'acl');
  return { id: str(r['id'], 'id'), name: str(r['name'], 'name'), type: str(r['type'], 'type'), rules: str(r['rules'], 'rules') };
}

export function aclTokenListFilterFromWire(v: unknown): ACLTokenListFilter {
  const r = record(v, 'filter');
  return {
    policy: str(r['policy'], 'policy'),
    role: str(r['role'], 'role'),
    authMethod: str(r['authMethod'], 'authMethod'),
    includeLocal: wireBool(r['includeLocal'], 'includeLocal'),
    includeGlobal: wireBool(r['includeGlobal'], 'includeGlobal'),
  };
}
