/**
 * ACL tokens and policies (Consul's state/acl.go, tables `acl-tokens` and `acl-policies`, and the
 * `acl-token-bootstrap` sentinel of its index table).
 *
 * - Tokens are keyed by AccessorID, with a unique index by SecretID (what a request carries).
 *   Policies are keyed by ID, with a unique, case-insensitive index by Name.
 * - A token links policies by ID; the name in a link is filled in from the policy table when the
 *   token is read (Consul's fixupTokenPolicyLinks), and a link to a policy since deleted is
 *   dropped from what readers see, so a token never grants what a deleted policy granted.
 * - What the endpoint computes before the write reaches the log (IDs, CreateTime, Hash) travels
 *   in the command: applying the same log gives the same state on every server.
 */
import type { Store, WriteTxn } from './store.js';
import type { WatchSet } from './watch.js';

export interface ACLPolicyLink {
  id: string;
  /** Filled in on reads; '' as stored. */
  name: string;
}

export interface ACLServiceIdentity {
  serviceName: string;
  datacenters: string[];
}

export interface ACLNodeIdentity {
  nodeName: string;
  datacenter: string;
}

/** Consul's legacy token types (`/v1/acl/create`): a client token carries its own Rules. */
export type ACLLegacyType = '' | 'client' | 'management';

export interface ACLToken {
  accessorID: string;
  secretID: string;
  description: string;
  policies: ACLPolicyLink[];
  serviceIdentities: ACLServiceIdentity[];
  nodeIdentities: ACLNodeIdentity[];
  /** DEPRECATED in Consul (legacy ACLs): '' for tokens made by the token endpoints. */
  type: ACLLegacyType;
  /** Legacy rules (legacy syntax), only with type 'client'. */
  rules: string;
  local: boolean;
  authMethod: string;
  /** RFC 3339 text, or '' for a token that does not expire. */
  expirationTime: string;
  /** RFC 3339 text (the leader's clock when the endpoint took the write). */
  createTime: string;
  /** Base64 digest of the token's content (opaque to clients; they compare it). */
  hash: string;
  createIndex: number;
  modifyIndex: number;
}

export interface ACLPolicy {
  id: string;
  name: string;
  description: string;
  rules: string;
  datacenters: string[];
  hash: string;
  createIndex: number;
  modifyIndex: number;
}

export type ACLTokenWrite = Omit<ACLToken, 'createIndex' | 'modifyIndex'> & {
  /** With `cas`: the ModifyIndex the stored token must have (0: must not exist). */
  modifyIndex?: number;
};
export type ACLPolicyWrite = Omit<ACLPolicy, 'createIndex' | 'modifyIndex'>;

/** Consul's structs.ACLPolicyGlobalManagementID: the builtin policy nobody may delete or change. */
export const aclGlobalManagementPolicyID = '00000000-0000-0000-0000-000000000001';

/** Consul's ACLBootstrapNotAllowedErr text, with the index to write to reset it. */
export const aclBootstrapNotAllowed = 'ACL bootstrap no longer allowed';

const policyNameKey = (name: string): string => name.toLowerCase();

/** null when applied; else Consul's error, and nothing changed. */
export type ACLOutcome = { error: string } | null;

export interface ACLTokenSetOptions {
  /** Set only if the stored ModifyIndex equals the token's `modifyIndex` (0: not stored yet). */
  cas?: boolean;
  /** Keep links to policies that do not exist (Consul: replication, restores). */
  allowMissingLinks?: boolean;
}

/**
 * Writes tokens, all or none (Consul's ACLTokenBatchSet). A CAS mismatch skips that token
 * without error, as Consul's does.
 */
export function aclTokenBatchSetTxn(tx: WriteTxn, tokens: ACLTokenWrite[], opts: ACLTokenSetOptions = {}): ACLOutcome {
  for (const t of tokens) {
    const err = aclTokenSetTxn(tx, t, opts);
    if (err) return err;
  }
  return null;
}

function aclTokenSetTxn(tx: WriteTxn, write: ACLTokenWrite, opts: ACLTokenSetOptions): ACLOutcome {
  if (write.secretID === '') return { error: 'Missing token SecretID' };
  if (write.accessorID === '') return { error: 'Missing token AccessorID' };
  const s = tx.state;
  const bySecret = s.aclTokensBySecret.get(write.secretID);
  const original = s.aclTokens.get(write.accessorID) ?? (bySecret === undefined ? undefined : s.aclTokens.get(bySecret));
  if (opts.cas) {
    const want = write.modifyIndex ?? 0;
    if (want === 0 && original) return null;
    if (want !== 0 && (!original || original.modifyIndex !== want)) return null;
  }
  if (original) {
    if (write.accessorID !== original.accessorID) return { error: 'The ACL Token AccessorID field is immutable' };
    if (write.secretID !== original.secretID) return { error: 'The ACL Token SecretID field is immutable' };
  } else if (bySecret !== undefined) {
    return { error: 'The ACL Token SecretID field is immutable' };
  }
  const policies: ACLPolicyLink[] = [];
  for (const link of write.policies) {
    let id = link.id;
    if (id === '') {
      const byName = s.aclPoliciesByName.get(policyNameKey(link.name));
      if (byName === undefined) {
        if (opts.allowMissingLinks) continue;
        return { error: `No such policy with name: ${link.name}` };
      }
      id = byName;
    } else if (!s.aclPolicies.has(id) && !opts.allowMissingLinks) {
      return { error: `No such policy ID: ${id}` };
    }
    if (!policies.some((p) => p.id === id)) policies.push({ id, name: '' });
  }
  for (const si of write.serviceIdentities) {
    if (si.serviceName === '') return { error: 'Encountered a Token with an empty service identity name in the state store' };
  }
  for (const ni of write.nodeIdentities) {
    if (ni.nodeName === '') return { error: 'Encountered a Token with an empty node identity name in the state store' };
    if (ni.datacenter === '') return { error: 'Encountered a Token with an empty node identity datacenter in the state store' };
  }
  const token: ACLToken = {
    ...write,
    policies,
    createIndex: original?.createIndex ?? tx.index,
    modifyIndex: tx.index,
  };
  s.aclTokens = s.aclTokens.set(token.accessorID, token);
  s.aclTokensBySecret = s.aclTokensBySecret.set(token.secretID, token.accessorID);
  tx.touchRow('acl-tokens', token.accessorID);
  tx.bumpTable('acl-tokens');
  return null;
}

/** Deletes tokens by AccessorID; missing ones are skipped (Consul's ACLTokenBatchDelete). */
export function aclTokenBatchDeleteTxn(tx: WriteTxn, accessorIDs: string[]): void {
  const s = tx.state;
  for (const id of accessorIDs) {
    const token = s.aclTokens.get(id);
    if (!token) continue;
    s.aclTokens = s.aclTokens.delete(id);
    s.aclTokensBySecret = s.aclTokensBySecret.delete(token.secretID);
    tx.touchRow('acl-tokens', id);
    tx.bumpTable('acl-tokens');
  }
}

/** Writes policies, all or none (Consul's ACLPolicyBatchSet). */
export function aclPolicyBatchSetTxn(tx: WriteTxn, policies: ACLPolicyWrite[], globalManagementRules: string): ACLOutcome {
  for (const p of policies) {
    const err = aclPolicySetTxn(tx, p, globalManagementRules);
    if (err) return err;
  }
  return null;
}

function aclPolicySetTxn(tx: WriteTxn, write: ACLPolicyWrite, globalManagementRules: string): ACLOutcome {
  if (write.id === '') return { error: 'Missing Policy ID' };
  if (write.name === '') return { error: 'Missing Policy Name' };
  const s = tx.state;
  const existing = s.aclPolicies.get(write.id);
  if (existing && write.id === aclGlobalManagementPolicyID) {
    if (write.rules !== globalManagementRules) return { error: 'Changing the Rules for the builtin global-management policy is not permitted' };
    if (write.datacenters.length !== 0) return { error: 'Changing the Datacenters of the builtin global-management policy is not permitted' };
  }
  const named = s.aclPoliciesByName.get(policyNameKey(write.name));
  if (named !== undefined && named !== write.id) return { error: `A policy with name "${write.name}" already exists` };
  if (existing && policyNameKey(existing.name) !== policyNameKey(write.name)) {
    s.aclPoliciesByName = s.aclPoliciesByName.delete(policyNameKey(existing.name));
  }
  const policy: ACLPolicy = { ...write, createIndex: existing?.createIndex ?? tx.index, modifyIndex: tx.index };
  s.aclPolicies = s.aclPolicies.set(policy.id, policy);
  s.aclPoliciesByName = s.aclPoliciesByName.set(policyNameKey(policy.name), policy.id);
  tx.touchRow('acl-policies', policy.id);
  tx.bumpTable('acl-policies');
  return null;
}

/** Deletes policies by ID; missing ones are skipped; the builtin one is refused. */
export function aclPolicyBatchDeleteTxn(tx: WriteTxn, ids: string[]): ACLOutcome {
  if (ids.includes(aclGlobalManagementPolicyID) && tx.state.aclPolicies.has(aclGlobalManagementPolicyID)) {
    return { error: 'Deletion of the builtin global-management policy is not permitted' };
  }
  const s = tx.state;
  for (const id of ids) {
    const policy = s.aclPolicies.get(id);
    if (!policy) continue;
    s.aclPolicies = s.aclPolicies.delete(id);
    s.aclPoliciesByName = s.aclPoliciesByName.delete(policyNameKey(policy.name));
    tx.touchRow('acl-policies', id);
    tx.bumpTable('acl-policies');
  }
  return null;
}

/**
 * Consul's ACLBootstrap: the one-time creation of the first management token. Once done, it is
 * allowed again only with `resetIndex` equal to the index it was done at (the operator wrote
 * that index to `<data_dir>/acl-bootstrap-reset`).
 */
export function aclBootstrapTxn(tx: WriteTxn, token: ACLTokenWrite, resetIndex: number): ACLOutcome {
  const done = tx.state.aclBootstrapIndex;
  if (done !== 0) {
    if (resetIndex === 0) return { error: aclBootstrapNotAllowed };
    if (resetIndex !== done) return { error: 'Invalid bootstrap reset index' };
  }
  const err = aclTokenSetTxn(tx, token, {});
  if (err) return { error: `failed inserting bootstrap token: ${err.error}` };
  tx.state.aclBootstrapIndex = tx.index;
  return null;
}

/** Whether the bootstrap may run, and the index it ran at (Consul's CanBootstrapACLToken). */
export function aclCanBootstrap(store: Store): { allowed: boolean; resetIndex: number } {
  const done = store.state.aclBootstrapIndex;
  return { allowed: done === 0, resetIndex: done };
}

/** A token as readers see it: policy links named, links to deleted policies dropped. */
function withLinks(store: Store, token: ACLToken): ACLToken {
  const policies = store.state.aclPolicies;
  let changed = false;
  const links: ACLPolicyLink[] = [];
  for (const link of token.policies) {
    const p = policies.get(link.id);
    if (!p) {
      changed = true;
      continue;
    }
    if (p.name !== link.name) changed = true;
    links.push({ id: link.id, name: p.name });
  }
  return changed ? { ...token, policies: links } : token;
}

function tokenIndex(store: Store): number {
  return store.maxIndex('acl-tokens');
}

export function aclTokenGetBySecret(store: Store, secret: string, ws?: WatchSet): { index: number; token: ACLToken | undefined } {
  const accessor = store.state.aclTokensBySecret.get(secret);
  store.watchTables(ws, 'acl-tokens');
  return { index: tokenIndex(store), token: accessor === undefined ? undefined : aclTokenGetRaw(store, accessor) };
}

export function aclTokenGetByAccessor(store: Store, accessor: string, ws?: WatchSet): { index: number; token: ACLToken | undefined } {
  store.watchRow(ws, 'acl-tokens', accessor);
  store.watchTables(ws, 'acl-policies');
  return { index: tokenIndex(store), token: aclTokenGetRaw(store, accessor) };
}

function aclTokenGetRaw(store: Store, accessor: string): ACLToken | undefined {
  const t = store.state.aclTokens.get(accessor);
  return t && withLinks(store, t);
}

export interface ACLTokenListFilter {
  /** Only tokens linking this policy ID. */
  policy?: string;
  local?: boolean;
  global?: boolean;
  authMethod?: string;
}

/** Tokens in AccessorID order (Consul's ACLTokenList): local and/or global, by policy, by auth method. */
export function aclTokenList(store: Store, filter: ACLTokenListFilter, ws?: WatchSet): { index: number; tokens: ACLToken[] } {
  store.watchTables(ws, 'acl-tokens', 'acl-policies');
  const local = filter.local ?? true;
  const global = filter.global ?? true;
  const tokens: ACLToken[] = [];
  for (const [, t] of store.state.aclTokens.entries()) {
    if (t.local ? !local : !global) continue;
    if (filter.policy && !t.policies.some((p) => p.id === filter.policy)) continue;
    if (filter.authMethod !== undefined && filter.authMethod !== '' && t.authMethod !== filter.authMethod) continue;
    tokens.push(withLinks(store, t));
  }
  return { index: tokenIndex(store), tokens };
}

export function aclPolicyGetByID(store: Store, id: string, ws?: WatchSet): { index: number; policy: ACLPolicy | undefined } {
  store.watchRow(ws, 'acl-policies', id);
  return { index: store.maxIndex('acl-policies'), policy: store.state.aclPolicies.get(id) };
}

export function aclPolicyGetByName(store: Store, name: string, ws?: WatchSet): { index: number; policy: ACLPolicy | undefined } {
  store.watchTables(ws, 'acl-policies');
  const id = store.state.aclPoliciesByName.get(policyNameKey(name));
  return { index: store.maxIndex('acl-policies'), policy: id === undefined ? undefined : store.state.aclPolicies.get(id) };
}

/** Policies in ID order. */
export function aclPolicyList(store: Store, ws?: WatchSet): { index: number; policies: ACLPolicy[] } {
  store.watchTables(ws, 'acl-policies');
  return { index: store.maxIndex('acl-policies'), policies: [...store.state.aclPolicies.entries()].map(([, p]) => p) };
}
