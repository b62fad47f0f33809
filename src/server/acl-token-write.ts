/**
 * Creating and updating a token (Consul's ACL.tokenSetInternal, agent/consul/acl_endpoint.go):
 * every check in Consul's order with Consul's texts, then one `acl-token-set` command, and the
 * token read back from the state.
 */
import { formatDurationMs, goQuote, MusterError, isUUID } from '../lib/index.js';
import {
  aclGlobalManagementPolicyID,
  aclPolicyGetByID,
  aclPolicyGetByName,
  aclTokenGetByAccessor,
  type ACLNodeIdentity,
  type ACLPolicyLink,
  type ACLServiceIdentity,
  type ACLToken,
  type ACLTokenWrite,
} from '../state/index.js';
import type { ACLTokenSetArgs } from './acl-endpoint.js';
import {
  aclIDReserved,
  aclReservedPrefix,
  dedupeNodeIdentities,
  dedupeServiceIdentities,
  goTimeText,
  isValidIdentityName,
  memdbUUIDError,
  rootSecrets,
  timeMs,
  tokenExpired,
  tokenHash,
  type AclContext,
} from './acl-validate.js';
import { rpcError } from './catalog-endpoint.js';

type Fixed = Pick<ACLTokenWrite, 'accessorID' | 'secretID' | 'createTime' | 'expirationTime' | 'authMethod'>;

/** Consul's tokenSetInternal: a create (no AccessorID, or `create`) or an update. */
export async function tokenSetInternal(ctx: AclContext, args: ACLTokenSetArgs, create: boolean): Promise<ACLToken> {
  const store = ctx.server.deps.store;
  let accessorMatch: ACLToken | undefined;
  if (args.accessorID !== '') {
    const uuidError = memdbUUIDError(args.accessorID);
    if (uuidError) throw rpcError(`Failed acl token lookup by accessor: failed acl token lookup: ${uuidError}`);
    accessorMatch = aclTokenGetByAccessor(store, args.accessorID).token;
  }
  const fixed = args.accessorID === '' || create ? createFields(ctx, args) : updateFields(ctx, args, accessorMatch);
  const write: ACLTokenWrite = {
    ...fixed,
    description: args.description,
    policies: policyLinks(ctx, args.policies),
    serviceIdentities: [],
    nodeIdentities: [],
    type: '',
    rules: '',
    local: args.local,
    hash: '',
  };
  checkRoleLinks(args.roles);
  write.serviceIdentities = checkServiceIdentities(args.serviceIdentities, args.local);
  write.nodeIdentities = checkNodeIdentities(args.nodeIdentities);
  if (args.rules !== '') throw rpcError('Rules cannot be specified for this token');
  write.hash = tokenHash(write);
  const out = await ctx.server.deps.log.apply({ type: 'acl-token-set', tokens: [write] });
  if (out) throw rpcError(out.error);
  return readBackToken(ctx, write.accessorID);
}

/** The token just written, as the state shows it (Consul answers every write so). */
export function readBackToken(ctx: AclContext, accessorID: string): ACLToken {
  const t = aclTokenGetByAccessor(ctx.server.deps.store, accessorID).token;
  if (!t) throw rpcError('Failed to retrieve the token after insertion');
  return t;
}

/** A global-management token (with Type management, which Consul keeps for the legacy endpoints). */
export function managementToken(ctx: AclContext, accessorID: string, secretID: string, description: string): ACLTokenWrite {
  return builtinToken(ctx, { accessorID, secretID, description, policies: [{ id: aclGlobalManagementPolicyID, name: '' }], type: 'management' });
}

/** A token the servers make themselves (bootstrap, master, anonymous): created now, local to no one, hashed. */
export function builtinToken(
  ctx: AclContext,
  fields: Pick<ACLTokenWrite, 'accessorID' | 'secretID' | 'description' | 'policies' | 'type'>,
): ACLTokenWrite {
  const t: ACLTokenWrite = {
    ...fields,
    serviceIdentities: [],
    nodeIdentities: [],
    rules: '',
    local: false,
    authMethod: '',
    expirationTime: '',
    createTime: goTimeText(ctx.server.deps.clock.nowMs()),
    hash: '',
  };
  t.hash = tokenHash(t);
  return t;
}

function createFields(ctx: AclContext, args: ACLTokenSetArgs): Fixed {
  const s = ctx.server.deps.store.state;
  const accessorID = args.accessorID === '' ? ctx.newTokenID() : checkNewID(args.accessorID, 'AccessorID', s.aclTokens.has(args.accessorID) || s.aclTokensBySecret.has(args.accessorID));
  const secretID = args.secretID === '' ? ctx.newTokenID() : checkNewID(args.secretID, 'SecretID', s.aclTokensBySecret.has(args.secretID) || s.aclTokens.has(args.secretID));
  const now = ctx.server.deps.clock.nowMs();
  if (args.authMethod !== '') throw rpcError('AuthMethod field is disallowed outside of Login');
  let expiresMs = args.expirationTime === '' ? NaN : timeMs(args.expirationTime);
  if (args.expirationTtlMs !== 0) {
    if (args.expirationTtlMs < 0) throw rpcError(`Token Expiration TTL '${formatDurationMs(args.expirationTtlMs)}' should be > 0`);
    if (!Number.isNaN(expiresMs)) throw rpcError('Token Expiration TTL and Expiration Time cannot both be set');
    expiresMs = now + args.expirationTtlMs;
  }
  if (!Number.isNaN(expiresMs)) {
    if (now > expiresMs) throw rpcError('ExpirationTime cannot be before CreateTime');
    const inMs = expiresMs - now;
    const { tokenMaxExpirationTtlMs: max, tokenMinExpirationTtlMs: min } = ctx.settings;
    if (inMs > max) throw rpcError(`ExpirationTime cannot be more than ${formatDurationMs(max)} in the future (was ${formatDurationMs(inMs)})`);
    if (inMs < min) throw rpcError(`ExpirationTime cannot be less than ${formatDurationMs(min)} in the future (was ${formatDurationMs(inMs)})`);
  }
  return { accessorID, secretID, createTime: goTimeText(now), expirationTime: Number.isNaN(expiresMs) ? '' : goTimeText(expiresMs), authMethod: '' };
}

function updateFields(ctx: AclContext, args: ACLTokenSetArgs, match: ACLToken | undefined): Fixed {
  const id = args.accessorID;
  if (!isUUID(id)) throw rpcError('AccessorID is not a valid UUID');
  if (rootSecrets.has(args.secretID)) throw new MusterError('ERR_PERMISSION_DENIED', 'Permission denied: Cannot modify root ACL');
  if (!match || tokenExpired(match, ctx.server.deps.clock.nowMs())) throw rpcError(`Cannot find token ${goQuote(id)}`);
  if (args.secretID !== '' && args.secretID !== match.secretID) throw rpcError('Changing a tokens SecretID is not permitted');
  if (args.local !== match.local) throw rpcError(`cannot toggle local mode of ${id}`);
  if (args.authMethod !== '' && args.authMethod !== match.authMethod) throw rpcError(`Cannot change AuthMethod of ${id}`);
  if (args.expirationTtlMs !== 0) throw rpcError(`Cannot change expiration time of ${id}`);
  if (args.expirationTime !== '' && (match.expirationTime === '' || timeMs(args.expirationTime) !== timeMs(match.expirationTime))) {
    throw rpcError(`Cannot change expiration time of ${id}`);
  }
  return { accessorID: id, secretID: match.secretID, createTime: match.createTime, expirationTime: match.expirationTime, authMethod: match.authMethod };
}

/** Consul's checks of a given AccessorID or SecretID on create. */
function checkNewID(id: string, field: 'AccessorID' | 'SecretID', inUse: boolean): string {
  if (!isUUID(id)) throw rpcError(`Invalid Token: ${field} is not a valid UUID`);
  if (inUse) throw rpcError(`Invalid Token: ${field} is already in use`);
  if (aclIDReserved(id)) throw rpcError(`Invalid Token: UUIDs with the prefix ${goQuote(aclReservedPrefix)} are reserved`);
  return id;
}

/** Links by name resolved to IDs, every policy checked to exist, duplicates dropped. */
function policyLinks(ctx: AclContext, links: ACLPolicyLink[]): ACLPolicyLink[] {
  const store = ctx.server.deps.store;
  const out: ACLPolicyLink[] = [];
  for (const link of links) {
    let id = link.id;
    if (id === '') {
      const p = aclPolicyGetByName(store, link.name).policy;
      if (!p) throw rpcError(`No such ACL policy with name ${goQuote(link.name)}`);
      id = p.id;
    } else {
      const uuidError = memdbUUIDError(id);
      if (uuidError) throw rpcError(`Error looking up policy for id ${goQuote(id)}: failed acl policy lookup: ${uuidError}`);
      if (!aclPolicyGetByID(store, id).policy) throw rpcError(`No such ACL policy with ID ${goQuote(id)}`);
    }
    if (!out.some((l) => l.id === id)) out.push({ id, name: '' });
  }
  return out;
}

/** Roles do not exist here: any link fails as a link to a missing role fails in Consul. */
function checkRoleLinks(links: ACLPolicyLink[]): void {
  for (const link of links) {
    if (link.id === '') throw rpcError(`No such ACL role with name ${goQuote(link.name)}`);
    const uuidError = memdbUUIDError(link.id);
    if (uuidError) throw rpcError(`Error looking up role for id ${goQuote(link.id)}: failed acl role lookup: ${uuidError}`);
    throw rpcError(`No such ACL role with ID ${goQuote(link.id)}`);
  }
}

function checkServiceIdentities(list: ACLServiceIdentity[], local: boolean): ACLServiceIdentity[] {
  for (const si of list) {
    if (si.serviceName === '') throw rpcError('Service identity is missing the service name field on this token');
    if (local && si.datacenters.length > 0) throw rpcError(`Service identity ${goQuote(si.serviceName)} cannot specify a list of datacenters on a local token`);
    if (!isValidIdentityName(si.serviceName)) {
      throw rpcError(`Service identity ${goQuote(si.serviceName)} has an invalid name. Only alphanumeric characters, '-' and '_' are allowed`);
    }
  }
  return dedupeServiceIdentities(list);
}

function checkNodeIdentities(list: ACLNodeIdentity[]): ACLNodeIdentity[] {
  for (const ni of list) {
    if (ni.nodeName === '') throw rpcError('Node identity is missing the node name field on this token');
    if (ni.datacenter === '') throw rpcError('Node identity is missing the datacenter field on this token');
    if (!isValidIdentityName(ni.nodeName)) throw rpcError("Node identity has an invalid name. Only alphanumeric characters, '-' and '_' are allowed");
  }
  return dedupeNodeIdentities(list);
}
