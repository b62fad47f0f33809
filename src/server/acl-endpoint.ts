/**
 * ACL tokens and policies on the server (Consul 1.8.7's agent/consul/acl_endpoint.go, as a
 * server of the primary datacenter answers it; roles, auth methods and binding rules are not
 * here). Every method checks Consul's conditions with Consul's texts before anything reaches
 * the log, the caller's token against `acl:read` or `acl:write`, and answers a write with the
 * object read back from the state, as Consul does. Token writes are in acl-token-write.ts,
 * the legacy endpoints (`ACL.Apply`, `ACL.Get`, `ACL.List`) in acl-legacy.ts, the leader's
 * initialization in acl-init.ts, the checks themselves in acl-validate.ts.
 *
 * IDs come from the injected `newID` (random UUIDs: secrets must not be predictable), never
 * reserved or in use. CreateTime, ExpirationTime and the Hash are computed here and travel in
 * the command, so applying the log gives the same state everywhere.
 */
import { ANONYMOUS_TOKEN_ACCESSOR, ANONYMOUS_TOKEN_SECRET, translateLegacyRules, type Authorizer } from '../acl/index.js';
import { goQuote, isUUID } from '../lib/index.js';
import {
  aclCanBootstrap,
  aclGlobalManagementPolicyID,
  aclPolicyGetByID,
  aclPolicyGetByName,
  aclPolicyList,
  aclTokenGetByAccessor,
  aclTokenGetBySecret,
  aclTokenList,
  type ACLNodeIdentity,
  type ACLPolicy,
  type ACLPolicyLink,
  type ACLServiceIdentity,
  type ACLToken,
  type Store,
} from '../state/index.js';
import { initializeAcls } from './acl-init.js';
import { AclLegacy, type ACLLegacyArgs, type ACLLegacyOp } from './acl-legacy.js';
import { aclNotFound, permissionDenied, type AclIdentity, type AclSettings } from './acl-resolver.js';
import { managementToken, readBackToken, tokenSetInternal } from './acl-token-write.js';
import {
  aclIDReserved,
  bySecret,
  checkRules,
  isValidPolicyName,
  memdbUUIDError,
  policyHash,
  policyStub,
  redactedSecret,
  tokenExpired,
  tokenStub,
  type ACLLegacyEntry,
  type ACLPolicyStub,
  type ACLTokenStub,
  type AclContext,
} from './acl-validate.js';
import { rpcError } from './catalog-endpoint.js';
import type { Read, ReadOptions, Server } from './endpoints.js';

export type { ACLLegacyArgs, ACLLegacyOp } from './acl-legacy.js';
export type { ACLLegacyEntry, ACLPolicyStub, ACLTokenStub } from './acl-validate.js';

/** A token as TokenSet receives it (Consul's ACLToken in an ACLTokenSetRequest). */
export interface ACLTokenSetArgs {
  /** '' to have one generated (create), or the token to update. */
  accessorID: string;
  /** '' to have one generated (create) or to keep it (update). */
  secretID: string;
  description: string;
  /** Links by ID, or by Name with ID ''. */
  policies: ACLPolicyLink[];
  /** Role links: roles are not supported, so any link is refused as Consul refuses a missing role. */
  roles: ACLPolicyLink[];
  serviceIdentities: ACLServiceIdentity[];
  nodeIdentities: ACLNodeIdentity[];
  local: boolean;
  authMethod: string;
  /** RFC 3339, or '' for none. */
  expirationTime: string;
  /** 0 for none; may not be set with expirationTime. */
  expirationTtlMs: number;
  /** Legacy rules: refused when set. */
  rules: string;
}

/** A policy as PolicySet receives it; `datacenters` null is Go's nil (only that may be given for the builtin policy). */
export interface ACLPolicySetArgs {
  id: string;
  name: string;
  description: string;
  rules: string;
  datacenters: string[] | null;
}

/** TokenList's filters: at most one of policy, role and authMethod. */
export interface ACLTokenListFilter {
  policy: string;
  role: string;
  authMethod: string;
  includeLocal: boolean;
  includeGlobal: boolean;
}

/** Consul's structs.ACLReplicationStatus (times in RFC 3339). */
export interface ACLReplicationStatus {
  enabled: boolean;
  running: boolean;
  sourceDatacenter: string;
  replicationType: string;
  replicatedIndex: number;
  replicatedRoleIndex: number;
  replicatedTokenIndex: number;
  lastSuccess: string;
  lastError: string;
}

/** A rules translation: the rules in the current syntax, or why the legacy ones did not parse. */
export type ACLTranslation = { rules: string } | { error: string };

/** Go's zero time.Time, as JSON shows it. */
export const goZeroTime = '0001-01-01T00:00:00Z';

export interface AclApi {
  /** Whether the servers enforce ACLs (the HTTP API answers 401 otherwise). */
  enabled(): Promise<boolean>;
  /** What `secret` grants, for a client agent to compile and cache (ours; "ACL not found" for an unknown token). */
  resolveIdentity(secret: string): Promise<AclIdentity>;
  /** ACL.BootstrapTokens: the first management token, once. */
  bootstrap(datacenter: string): Promise<ACLToken>;
  /** ACL.TokenRead by AccessorID (acl:read; the secret is redacted without acl:write). */
  tokenRead(accessorID: string, opts: ReadOptions): Promise<Read<ACLToken | undefined>>;
  /** ACL.TokenRead by SecretID: the caller's own token (`opts.token`), no permission needed. */
  tokenSelf(opts: ReadOptions): Promise<Read<ACLToken | undefined>>;
  /** ACL.TokenSet: `create` forces a create even with an AccessorID given. */
  tokenSet(datacenter: string, args: ACLTokenSetArgs, create: boolean, token: string): Promise<ACLToken>;
  /** ACL.TokenClone: a new token with the source's links; `description` '' keeps the source's. */
  tokenClone(datacenter: string, accessorID: string, description: string, token: string): Promise<ACLToken>;
  /** ACL.TokenDelete: the deleted token's AccessorID ('' when there was none). */
  tokenDelete(datacenter: string, accessorID: string, token: string): Promise<string>;
  tokenList(filter: ACLTokenListFilter, opts: ReadOptions): Promise<Read<ACLTokenStub[]>>;
  policyRead(id: string, opts: ReadOptions): Promise<Read<ACLPolicy | undefined>>;
  policyReadByName(name: string, opts: ReadOptions): Promise<Read<ACLPolicy | undefined>>;
  policySet(datacenter: string, policy: ACLPolicySetArgs, token: string): Promise<ACLPolicy>;
  /** ACL.PolicyDelete: the deleted policy's name ('' when there was none). */
  policyDelete(datacenter: string, id: string, token: string): Promise<string>;
  policyList(opts: ReadOptions): Promise<Read<ACLPolicyStub[]>>;
  /** ACL.ReplicationStatus: a single datacenter never replicates. */
  replicationStatus(datacenter: string): Promise<ACLReplicationStatus>;
  /** /v1/acl/rules/translate: legacy rules in the current syntax (acl:read). */
  rulesTranslate(rules: string, token: string): Promise<ACLTranslation>;
  /** ACL.Apply (legacy): set (create or update by SecretID) or delete; the token's SecretID. */
  legacyApply(datacenter: string, op: ACLLegacyOp, acl: ACLLegacyArgs, token: string): Promise<string>;
  /** ACL.Get (legacy): the token with this SecretID, if it has a legacy type. */
  legacyGet(id: string, opts: ReadOptions): Promise<Read<ACLLegacyEntry[]>>;
  /** ACL.List (legacy): every global token with a legacy type (acl:write). */
  legacyList(opts: ReadOptions): Promise<Read<ACLLegacyEntry[]>>;
}

export class AclEndpoint implements AclApi, AclContext {
  private readonly legacy: AclLegacy;

  constructor(readonly server: Server) {
    this.legacy = new AclLegacy(this);
  }

  get settings(): AclSettings {
    return this.server.aclResolver.settings;
  }

  private get store(): Store {
    return this.server.deps.store;
  }

  /** Consul's aclPreCheck. */
  preCheck(): void {
    if (!this.settings.enabled) throw rpcError('ACL support disabled');
  }

  requireRead(token: string | undefined): Authorizer {
    const authz = this.server.authorize(token);
    if (!authz.aclRead()) throw permissionDenied();
    return authz;
  }

  requireWrite(token: string | undefined): Authorizer {
    const authz = this.server.authorize(token);
    if (!authz.aclWrite()) throw permissionDenied();
    return authz;
  }

  /** Consul's GenerateUUID(checkTokenUUID): not any token's AccessorID or SecretID, not reserved. */
  newTokenID(): string {
    const s = this.store.state;
    for (;;) {
      const id = this.server.deps.newID();
      if (!aclIDReserved(id) && !s.aclTokens.has(id) && !s.aclTokensBySecret.has(id)) return id;
    }
  }

  private newPolicyID(): string {
    for (;;) {
      const id = this.server.deps.newID();
      if (!aclIDReserved(id) && !this.store.state.aclPolicies.has(id)) return id;
    }
  }

  async enabled(): Promise<boolean> {
    return this.settings.enabled;
  }

  async resolveIdentity(secret: string): Promise<AclIdentity> {
    if (!this.settings.enabled) return { expirationTime: '', management: true, rules: [] };
    return this.server.aclResolver.identity(secret);
  }

  async bootstrap(datacenter: string): Promise<ACLToken> {
    this.preCheck();
    this.server.checkDatacenter(datacenter);
    const { allowed, resetIndex } = aclCanBootstrap(this.store);
    if (!allowed) throw rpcError(`ACL bootstrap no longer allowed (reset index: ${resetIndex})`);
    const token = managementToken(this, this.newTokenID(), this.newTokenID(), 'Bootstrap Token (Global Management)');
    const out = await this.server.deps.log.apply({ type: 'acl-bootstrap', token, resetIndex: 0 });
    if (out) throw rpcError(out.error);
    this.server.deps.logger.info('ACL bootstrap completed');
    return readBackToken(this, token.accessorID);
  }

  async tokenRead(accessorID: string, opts: ReadOptions): Promise<Read<ACLToken | undefined>> {
    this.preCheck();
    this.server.checkDatacenter(opts.datacenter);
    const canWrite = this.requireRead(opts.token).aclWrite();
    const uuidError = memdbUUIDError(accessorID);
    if (uuidError) throw rpcError(`failed acl token lookup: ${uuidError}`);
    return this.server.read(opts, (ws) => {
      const r = aclTokenGetByAccessor(this.store, accessorID, ws);
      let token = r.token && !tokenExpired(r.token, this.server.deps.clock.nowMs()) ? r.token : undefined;
      if (token && !canWrite) token = { ...token, secretID: redactedSecret };
      return { index: r.index, value: token };
    });
  }

  async tokenSelf(opts: ReadOptions): Promise<Read<ACLToken | undefined>> {
    this.preCheck();
    const secret = opts.token || ANONYMOUS_TOKEN_SECRET;
    return this.server.read(opts, (ws) => {
      const r = aclTokenGetBySecret(this.store, secret, ws);
      const token = r.token && !tokenExpired(r.token, this.server.deps.clock.nowMs()) ? r.token : undefined;
      return { index: r.index, value: token };
    });
  }

  async tokenSet(datacenter: string, args: ACLTokenSetArgs, create: boolean, token: string): Promise<ACLToken> {
    this.preCheck();
    this.server.checkDatacenter(datacenter);
    this.requireWrite(token);
    return tokenSetInternal(this, args, create);
  }

  async tokenClone(datacenter: string, accessorID: string, description: string, token: string): Promise<ACLToken> {
    this.preCheck();
    this.server.checkDatacenter(datacenter);
    this.requireWrite(token);
    const uuidError = memdbUUIDError(accessorID);
    if (uuidError) throw rpcError(`failed acl token lookup: ${uuidError}`);
    const source = aclTokenGetByAccessor(this.store, accessorID).token;
    if (!source || tokenExpired(source, this.server.deps.clock.nowMs())) throw aclNotFound();
    if (source.authMethod !== '') throw rpcError('Cannot clone a token created from an auth method');
    if (source.rules !== '') throw rpcError('Cannot clone a legacy ACL with this endpoint');
    return tokenSetInternal(
      this,
      {
        accessorID: '',
        secretID: '',
        description: description !== '' ? description : source.description,
        policies: source.policies,
        roles: [],
        serviceIdentities: source.serviceIdentities,
        nodeIdentities: source.nodeIdentities,
        local: source.local,
        authMethod: '',
        expirationTime: source.expirationTime,
        expirationTtlMs: 0,
        rules: '',
      },
      false,
    );
  }

  async tokenDelete(datacenter: string, accessorID: string, token: string): Promise<string> {
    this.preCheck();
    this.server.checkDatacenter(datacenter);
    this.requireWrite(token);
    if (!isUUID(accessorID)) throw rpcError('Accessor ID is missing or an invalid UUID');
    if (accessorID === ANONYMOUS_TOKEN_ACCESSOR) throw rpcError('Delete operation not permitted on the anonymous token');
    const target = aclTokenGetByAccessor(this.store, accessorID).token;
    if (!target) return '';
    if (token === target.secretID) throw rpcError("Deletion of the request's authorization token is not permitted");
    await this.server.deps.log.apply({ type: 'acl-token-delete', accessorIDs: [accessorID] });
    return target.accessorID;
  }

  async tokenList(filter: ACLTokenListFilter, opts: ReadOptions): Promise<Read<ACLTokenStub[]>> {
    this.preCheck();
    this.server.checkDatacenter(opts.datacenter);
    this.requireRead(opts.token);
    if ([filter.policy, filter.role, filter.authMethod].filter((f) => f !== '').length > 1) {
      throw rpcError('can only filter by one of policy, role, or methodName at a time');
    }
    return this.server.read(opts, (ws) => {
      const r = aclTokenList(this.store, { policy: filter.policy, authMethod: filter.authMethod, local: filter.includeLocal, global: filter.includeGlobal }, ws);
      // No token links a role (roles are not supported).
      if (filter.role !== '') return { index: r.index, value: [] };
      const now = this.server.deps.clock.nowMs();
      return { index: r.index, value: r.tokens.filter((t) => !tokenExpired(t, now)).sort(bySecret).map(tokenStub) };
    });
  }

  async policyRead(id: string, opts: ReadOptions): Promise<Read<ACLPolicy | undefined>> {
    this.preCheck();
    this.server.checkDatacenter(opts.datacenter);
    this.requireRead(opts.token);
    const uuidError = memdbUUIDError(id);
    if (uuidError) throw rpcError(`failed acl policy lookup: ${uuidError}`);
    return this.server.read(opts, (ws) => {
      const r = aclPolicyGetByID(this.store, id, ws);
      return { index: r.index, value: r.policy };
    });
  }

  async policyReadByName(name: string, opts: ReadOptions): Promise<Read<ACLPolicy | undefined>> {
    this.preCheck();
    this.server.checkDatacenter(opts.datacenter);
    this.requireRead(opts.token);
    return this.server.read(opts, (ws) => {
      const r = aclPolicyGetByName(this.store, name, ws);
      return { index: r.index, value: r.policy };
    });
  }

  async policySet(datacenter: string, policy: ACLPolicySetArgs, token: string): Promise<ACLPolicy> {
    this.preCheck();
    this.server.checkDatacenter(datacenter);
    this.requireWrite(token);
    if (policy.name === '') throw rpcError('Invalid Policy: no Name is set');
    if (!isValidPolicyName(policy.name)) throw rpcError("Invalid Policy: invalid Name. Only alphanumeric characters, '-' and '_' are allowed");
    let idMatch: ACLPolicy | undefined;
    if (policy.id !== '') {
      if (!isUUID(policy.id)) throw rpcError('Policy ID invalid UUID');
      idMatch = aclPolicyGetByID(this.store, policy.id).policy;
    }
    const nameMatch = aclPolicyGetByName(this.store, policy.name).policy;
    let id = policy.id;
    if (id === '') {
      id = this.newPolicyID();
      if (nameMatch) throw rpcError(`Invalid Policy: A Policy with Name ${goQuote(policy.name)} already exists`);
    } else {
      if (!idMatch) throw rpcError(`cannot find policy ${id}`);
      if (idMatch.name !== policy.name && nameMatch) throw rpcError(`Invalid Policy: A policy with name ${goQuote(policy.name)} already exists`);
      if (id === aclGlobalManagementPolicyID) {
        if (policy.datacenters !== null) throw rpcError('Changing the Datacenters of the builtin global-management policy is not permitted');
        if (policy.rules !== idMatch.rules) throw rpcError('Changing the Rules for the builtin global-management policy is not permitted');
      }
    }
    checkRules(policy.rules, 'current', '');
    const write = { id, name: policy.name, description: policy.description, rules: policy.rules, datacenters: policy.datacenters ?? [], hash: '' };
    write.hash = policyHash(write);
    const out = await this.server.deps.log.apply({ type: 'acl-policy-set', policies: [write] });
    if (out) throw rpcError(out.error);
    const stored = aclPolicyGetByID(this.store, id).policy;
    if (!stored) throw rpcError(`cannot find policy ${id}`);
    return stored;
  }

  async policyDelete(datacenter: string, id: string, token: string): Promise<string> {
    this.preCheck();
    this.server.checkDatacenter(datacenter);
    this.requireWrite(token);
    const uuidError = memdbUUIDError(id);
    if (uuidError) throw rpcError(`failed acl policy lookup: ${uuidError}`);
    const policy = aclPolicyGetByID(this.store, id).policy;
    if (!policy) return '';
    if (policy.id === aclGlobalManagementPolicyID) throw rpcError('Delete operation not permitted on the builtin global-management policy');
    const out = await this.server.deps.log.apply({ type: 'acl-policy-delete', ids: [id] });
    if (out) throw rpcError(out.error);
    return policy.name;
  }

  async policyList(opts: ReadOptions): Promise<Read<ACLPolicyStub[]>> {
    this.preCheck();
    this.server.checkDatacenter(opts.datacenter);
    this.requireRead(opts.token);
    return this.server.read(opts, (ws) => {
      const r = aclPolicyList(this.store, ws);
      return { index: r.index, value: r.policies.map(policyStub) };
    });
  }

  async replicationStatus(datacenter: string): Promise<ACLReplicationStatus> {
    this.server.checkDatacenter(datacenter);
    return {
      enabled: false,
      running: false,
      sourceDatacenter: '',
      replicationType: '',
      replicatedIndex: 0,
      replicatedRoleIndex: 0,
      replicatedTokenIndex: 0,
      lastSuccess: goZeroTime,
      lastError: goZeroTime,
    };
  }

  async rulesTranslate(rules: string, token: string): Promise<ACLTranslation> {
    this.preCheck();
    this.requireRead(token);
    try {
      return { rules: translateLegacyRules(rules) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  legacyApply(datacenter: string, op: ACLLegacyOp, acl: ACLLegacyArgs, token: string): Promise<string> {
    return this.legacy.apply(datacenter, op, acl, token);
  }

  legacyGet(id: string, opts: ReadOptions): Promise<Read<ACLLegacyEntry[]>> {
    return this.legacy.get(id, opts);
  }

  legacyList(opts: ReadOptions): Promise<Read<ACLLegacyEntry[]>> {
    return this.legacy.list(opts);
  }

  /**
   * On gaining leadership (Consul's initializeACLs): the builtin global-management policy, the
   * configured master token, the anonymous token (acl-init.ts). Nothing with ACLs disabled.
   */
  initialize(): Promise<void> {
    return initializeAcls(this);
  }
}
