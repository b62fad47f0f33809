/**
 * The checks and conversions Consul's ACL endpoints make before a write reaches the log
 * (agent/consul/acl_endpoint.go, agent/structs/acl.go), as pure functions: ID and name rules,
 * the content hash, identity de-duplication, expiration times, list stubs and the legacy view.
 */
import { parseRules, type Authorizer } from '../acl/index.js';
import { nodeCrypto } from '../host/lazy-builtins.js';
import type { ACLNodeIdentity, ACLPolicy, ACLServiceIdentity, ACLToken } from '../state/index.js';
import type { AclSettings } from './acl-resolver.js';
import { rpcError } from './catalog-endpoint.js';
import type { Server } from './endpoints.js';

/** What the ACL endpoint's parts share (AclEndpoint is the one implementation). */
export interface AclContext {
  readonly server: Server;
  readonly settings: AclSettings;
  /** Consul's aclPreCheck: "ACL support disabled" with ACLs off. */
  preCheck(): void;
  /** The caller's authorizer, if it grants acl:read; else "Permission denied". */
  requireRead(token: string | undefined): Authorizer;
  requireWrite(token: string | undefined): Authorizer;
  /** Consul's GenerateUUID(checkTokenUUID): no token's AccessorID or SecretID, not reserved. */
  newTokenID(): string;
}

/** Consul's structs.ACLReservedPrefix: IDs that start so are for builtin tokens and policies. */
export const aclReservedPrefix = '00000000-0000-0000-0000-0000000000';

export const aclIDReserved = (id: string): boolean => id.startsWith(aclReservedPrefix);

/** Secrets that name Consul's root policies: never stored as tokens. */
export const rootSecrets: ReadonlySet<string> = new Set(['allow', 'deny', 'manage']);

/** What a token without write access to ACLs sees instead of a SecretID (Consul's redactedToken). */
export const redactedSecret = '<hidden>';


/**
 * The error of a lookup in one of Consul's memdb UUID indexes (tokens by AccessorID, policies
 * by ID) for `s`, as go-memdb's UUIDFieldIndex words it; undefined when the lookup runs.
 */
export function memdbUUIDError(s: string): string | undefined {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length !== 36) return 'index error: UUID must be 36 characters';
  const hyphens = bytes.filter((b) => b === 0x2d).length;
  if (hyphens > 4) return `index error: UUID should have maximum of 4 "-"; got ${hyphens}`;
  const hex = bytes.filter((b) => b !== 0x2d);
  if (hex.length % 2 !== 0) return 'index error: Input (without hyphens) must be even length';
  for (const b of hex) {
    const isHex = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
    if (!isHex) return `index error: Invalid UUID: encoding/hex: invalid byte: ${goRuneU(b)}`;
  }
  return undefined;
}

/** Go's %#U of a byte taken as a rune: `U+007A 'z'`, without the character when not printable. */
function goRuneU(b: number): string {
  const code = `U+${b.toString(16).toUpperCase().padStart(4, '0')}`;
  const printable = (b >= 0x20 && b < 0x7f) || (b >= 0xa1 && b !== 0xad);
  return printable ? `${code} '${String.fromCharCode(b)}'` : code;
}

const validPolicyName = /^[A-Za-z0-9\-_]{1,128}$/;
const validIdentityName = /^[a-z0-9]([a-z0-9\-_]*[a-z0-9])?$/;
const identityNameLengthMax = 256;

export const isValidPolicyName = (name: string): boolean => validPolicyName.test(name);

/** Consul's isValidServiceIdentityName and isValidNodeIdentityName (the same rule). */
export function isValidIdentityName(name: string): boolean {
  return name.length >= 1 && name.length <= identityNameLengthMax && validIdentityName.test(name);
}

/**
 * The token's content hash (Consul's ACLToken.SetHash, over the same fields in the same order;
 * SHA-256 where Consul uses BLAKE2b-256, so the values differ from Consul's), base64.
 */
export function tokenHash(t: Pick<ACLToken, 'description' | 'type' | 'rules' | 'local' | 'policies' | 'serviceIdentities' | 'nodeIdentities'>): string {
  const h = nodeCrypto().createHash('sha256');
  h.update(t.description);
  h.update(t.type);
  h.update(t.rules);
  h.update(t.local ? 'local' : 'global');
  for (const link of t.policies) h.update(link.id);
  for (const si of t.serviceIdentities) {
    h.update(si.serviceName);
    for (const dc of si.datacenters) h.update(dc);
  }
  for (const ni of t.nodeIdentities) {
    h.update(ni.nodeName);
    h.update(ni.datacenter);
  }
  return h.digest('base64');
}

/** Consul's ACLPolicy.SetHash (SHA-256 here), base64. */
export function policyHash(p: Pick<ACLPolicy, 'name' | 'description' | 'rules' | 'datacenters'>): string {
  const h = nodeCrypto().createHash('sha256');
  h.update(p.name);
  h.update(p.description);
  h.update(p.rules);
  for (const dc of p.datacenters) h.update(dc);
  return h.digest('base64');
}

function dedupeSorted(list: string[]): string[] {
  return [...new Set(list)].sort();
}

/** Consul's dedupeServiceIdentities: by name, sorted; the union of datacenters, none meaning all. */
export function dedupeServiceIdentities(list: ACLServiceIdentity[]): ACLServiceIdentity[] {
  if (list.length <= 1) return list;
  const sorted = [...list].sort((a, b) => (a.serviceName < b.serviceName ? -1 : a.serviceName > b.serviceName ? 1 : 0));
  const out: ACLServiceIdentity[] = [];
  for (const si of sorted) {
    const last = out[out.length - 1];
    if (last && last.serviceName === si.serviceName) {
      last.datacenters = last.datacenters.length === 0 || si.datacenters.length === 0 ? [] : dedupeSorted([...last.datacenters, ...si.datacenters]);
    } else {
      out.push({ serviceName: si.serviceName, datacenters: si.datacenters });
    }
  }
  return out;
}

/** Consul's dedupeNodeIdentities: sorted by name and datacenter, duplicates dropped. */
export function dedupeNodeIdentities(list: ACLNodeIdentity[]): ACLNodeIdentity[] {
  if (list.length <= 1) return list;
  const key = (n: ACLNodeIdentity): string => `${n.nodeName}\u0000${n.datacenter}`;
  const sorted = [...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return sorted.filter((n, i) => i === 0 || key(n) !== key(sorted[i - 1]!));
}

/** Go's time.Time JSON text (RFC 3339, UTC, fraction without trailing zeros) of epoch ms. */
export function goTimeText(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac === '' ? 'Z' : `.${frac}Z`));
}

/** Epoch ms of a stored RFC 3339 time; NaN for ''. */
export const timeMs = (text: string): number => (text === '' ? NaN : Date.parse(text));

export { tokenExpired } from './acl-resolver.js';

/**
 * Consul's ACLToken.UsesNonLegacyFields: a token the legacy endpoints may not touch (it links
 * policies or identities, has no legacy type, expires, or came from an auth method).
 */
export function usesNonLegacyFields(t: ACLToken): boolean {
  return t.policies.length > 0 || t.serviceIdentities.length > 0 || t.nodeIdentities.length > 0 || t.type === '' || t.expirationTime !== '' || t.authMethod !== '';
}

/** A token in a listing (Consul's ACLTokenListStub): no secret; `legacy` when it has rules. */
export type ACLTokenStub = Omit<ACLToken, 'secretID' | 'rules' | 'type'> & { legacy: boolean };

export function tokenStub(t: ACLToken): ACLTokenStub {
  return {
    accessorID: t.accessorID,
    description: t.description,
    policies: t.policies,
    serviceIdentities: t.serviceIdentities,
    nodeIdentities: t.nodeIdentities,
    local: t.local,
    authMethod: t.authMethod,
    expirationTime: t.expirationTime,
    createTime: t.createTime,
    hash: t.hash,
    createIndex: t.createIndex,
    modifyIndex: t.modifyIndex,
    legacy: t.rules !== '',
  };
}

/** A policy in a listing (Consul's ACLPolicyListStub): without its rules. */
export type ACLPolicyStub = Omit<ACLPolicy, 'rules'>;

export function policyStub(p: ACLPolicy): ACLPolicyStub {
  return { id: p.id, name: p.name, description: p.description, datacenters: p.datacenters, hash: p.hash, createIndex: p.createIndex, modifyIndex: p.modifyIndex };
}

/** A token as the legacy endpoints show it (Consul's structs.ACL). */
export interface ACLLegacyEntry {
  id: string;
  name: string;
  type: string;
  rules: string;
  createIndex: number;
  modifyIndex: number;
}

/** Consul's ACLToken.Convert: only tokens with a legacy type have a legacy view. */
export function legacyEntry(t: ACLToken): ACLLegacyEntry | undefined {
  if (t.type === '') return undefined;
  return { id: t.secretID, name: t.description, type: t.type, rules: t.rules, createIndex: t.createIndex, modifyIndex: t.modifyIndex };
}

/** Sorts tokens by SecretID, the order of Consul's token table (its `id` index). */
export function bySecret(a: ACLToken, b: ACLToken): number {
  return a.secretID < b.secretID ? -1 : a.secretID > b.secretID ? 1 : 0;
}

/** Rules that must compile (Consul's NewPolicyFromSource); `prefix` words the failure. */
export function checkRules(rules: string, syntax: 'current' | 'legacy', prefix: string): void {
  try {
    parseRules(rules, syntax);
  } catch (err) {
    throw rpcError(`${prefix}${(err as Error).message}`);
  }
}
