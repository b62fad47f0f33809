/**
 * From a request's token to what it may do (Consul's ACLResolver, as a server in the primary
 * datacenter runs it): the token is looked up by SecretID in this server's state, its policies
 * (and the synthetic policies of its service and node identities) are compiled into one
 * Authorizer over the default policy's. No token means the anonymous token; a token that does
 * not exist, or has expired, is "ACL not found".
 *
 * Compiled authorizers are cached per SecretID and dropped whenever the token or policy table
 * changes (the persistent tables are compared by identity, so a write, a restore or a bootstrap
 * all invalidate; nothing is served from a stale grant). Parsed policies are cached by ID and
 * ModifyIndex. With ACLs disabled every request is allowed and nothing is looked up.
 */
import {
  allowAll,
  ANONYMOUS_TOKEN_SECRET,
  denyAll,
  manageAll,
  parseRules,
  policyAuthorizer,
  type Authorizer,
  type PolicyRules,
} from '../acl/index.js';
import { MusterError } from '../lib/index.js';
import type { ACLToken, Store, StoreState } from '../state/index.js';

/** The agent's `acl` block, as the servers act on it. */
export interface AclSettings {
  enabled: boolean;
  /** What a request may do that no rule of its token speaks of. */
  defaultPolicy: 'allow' | 'deny';
  /** The management token created from configuration on gaining leadership ('' for none). */
  masterToken: string;
  /** `acl.enable_key_list_policy`: recursive KV reads need `list` on the prefix. */
  enableKeyListPolicy: boolean;
  /** Bounds of a token's ExpirationTTL (Consul's acl token_min/max_expiration_ttl: 1m and 24h). */
  tokenMinExpirationTtlMs: number;
  tokenMaxExpirationTtlMs: number;
}

export const aclDisabled: AclSettings = {
  enabled: false,
  defaultPolicy: 'allow',
  masterToken: '',
  enableKeyListPolicy: false,
  tokenMinExpirationTtlMs: 60_000,
  tokenMaxExpirationTtlMs: 24 * 3_600_000,
};

export const permissionDenied = (): MusterError => new MusterError('ERR_PERMISSION_DENIED', 'Permission denied');
export const aclNotFound = (): MusterError => new MusterError('ERR_PERMISSION_DENIED', 'ACL not found');

/** Consul's ACLServiceIdentity.SyntheticPolicy rules. */
export function serviceIdentityRules(name: string): string {
  return `service "${name}" {\n\tpolicy = "write"\n}\nservice "${name}-sidecar-proxy" {\n\tpolicy = "write"\n}\nservice_prefix "" {\n\tpolicy = "read"\n}\nnode_prefix "" {\n\tpolicy = "read"\n}`;
}

/** Consul's ACLNodeIdentity.SyntheticPolicy rules. */
export function nodeIdentityRules(name: string): string {
  return `node "${name}" {\n\tpolicy = "write"\n}\nservice_prefix "" {\n\tpolicy = "read"\n}`;
}

/**
 * What a token grants, as data: the rules texts of its policies (and of its service and node
 * identities) that apply in this datacenter. A server builds it from its state; a client agent
 * gets it from a server (`ACL.ResolveIdentity`) and compiles it itself, as Consul's clients
 * resolve tokens through the servers' ACL RPCs.
 */
export interface AclIdentity {
  /** RFC 3339 expiration time, '' for none. */
  expirationTime: string;
  /** A legacy management token: everything is allowed. */
  management: boolean;
  /** Each with a cache key that changes whenever its text may (ID and ModifyIndex). */
  rules: Array<{ key: string; text: string; syntax: 'current' | 'legacy' }>;
}

/** The identity of `token` in `state` as seen from `datacenter`. */
export function aclIdentityOf(state: StoreState, token: ACLToken, datacenter: string): AclIdentity {
  const id: AclIdentity = { expirationTime: token.expirationTime, management: token.type === 'management', rules: [] };
  if (id.management) return id;
  // DEPRECATED in Consul (legacy tokens): a client token's own rules are in the legacy syntax.
  if (token.type === 'client') id.rules.push({ key: `legacy:${token.accessorID}:${token.modifyIndex}`, text: token.rules, syntax: 'legacy' });
  for (const link of token.policies) {
    const p = state.aclPolicies.get(link.id);
    if (p && (p.datacenters.length === 0 || p.datacenters.includes(datacenter))) id.rules.push({ key: `${p.id}:${p.modifyIndex}`, text: p.rules, syntax: 'current' });
  }
  for (const si of token.serviceIdentities) {
    if (si.datacenters.length === 0 || si.datacenters.includes(datacenter)) {
      id.rules.push({ key: `service:${si.serviceName}`, text: serviceIdentityRules(si.serviceName), syntax: 'current' });
    }
  }
  for (const ni of token.nodeIdentities) {
    if (ni.datacenter === datacenter) id.rules.push({ key: `node:${ni.nodeName}`, text: nodeIdentityRules(ni.nodeName), syntax: 'current' });
  }
  return id;
}

/**
 * Compiles identities into Authorizers over the default policy's, keeping parsed rules by key
 * (a policy's rules are parsed once per ModifyIndex however many tokens link it).
 */
export class AclCompiler {
  private readonly parsed = new Map<string, PolicyRules>();

  constructor(private readonly defaultPolicy: 'allow' | 'deny') {}

  compile(identity: AclIdentity): Authorizer {
    if (identity.management) return manageAll;
    const parent = this.defaultPolicy === 'allow' ? allowAll : denyAll;
    return policyAuthorizer(
      identity.rules.map((r) => this.parse(r.key, r.text, r.syntax)),
      parent,
    );
  }

  private parse(key: string, text: string, syntax: 'current' | 'legacy'): PolicyRules {
    let rules = this.parsed.get(key);
    if (rules) return rules;
    try {
      rules = parseRules(text, syntax);
    } catch {
      // Stored rules were checked when written; rules that no longer parse grant nothing.
      rules = parseRules('', 'current');
    }
    if (this.parsed.size >= 4096) this.parsed.clear();
    this.parsed.set(key, rules);
    return rules;
  }
}

/** Consul's ACLToken.IsExpired: an expiration time before `nowMs` (wall clock). */
export function tokenExpired(t: { expirationTime: string }, nowMs: number): boolean {
  return t.expirationTime !== '' && Date.parse(t.expirationTime) < nowMs;
}

interface Resolved {
  authz: Authorizer;
  token: ACLToken;
}

export class AclResolver {
  private cachedTokens: StoreState['aclTokens'] | undefined;
  private cachedPolicies: StoreState['aclPolicies'] | undefined;
  private readonly bySecret = new Map<string, Resolved>();
  private readonly compiler: AclCompiler;

  constructor(
    private readonly store: Store,
    readonly settings: AclSettings,
    private readonly datacenter: string,
    /** Wall clock in ms (token expiration times are wall-clock times). */
    private readonly nowMs: () => number,
  ) {
    this.compiler = new AclCompiler(settings.defaultPolicy);
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /**
   * What `secret` may do ('' or undefined: the anonymous token). Throws "ACL not found" for a
   * token that does not exist or has expired.
   */
  authorize(secret: string | undefined): Authorizer {
    if (!this.settings.enabled) return manageAll;
    return this.resolve(secret).authz;
  }

  /** The token `secret` names (the anonymous token for none), as `token/self` shows it. */
  token(secret: string | undefined): ACLToken | undefined {
    if (!this.settings.enabled) return undefined;
    return this.resolve(secret).token;
  }

  /** What `secret` grants, for a client agent to compile ("ACL not found" for an unknown or expired token). */
  identity(secret: string | undefined): AclIdentity {
    const token = this.resolve(secret).token;
    return aclIdentityOf(this.store.state, token, this.datacenter);
  }

  private resolve(secret: string | undefined): Resolved {
    const state = this.store.state;
    if (state.aclTokens !== this.cachedTokens || state.aclPolicies !== this.cachedPolicies) {
      this.bySecret.clear();
      this.cachedTokens = state.aclTokens;
      this.cachedPolicies = state.aclPolicies;
    }
    const s = secret === undefined || secret === '' ? ANONYMOUS_TOKEN_SECRET : secret;
    let r = this.bySecret.get(s);
    if (!r) {
      const accessor = state.aclTokensBySecret.get(s);
      const token = accessor === undefined ? undefined : state.aclTokens.get(accessor);
      if (!token) throw aclNotFound();
      r = { authz: this.compiler.compile(aclIdentityOf(state, token, this.datacenter)), token };
      if (this.bySecret.size >= 4096) this.bySecret.clear();
      this.bySecret.set(s, r);
    }
    if (tokenExpired(r.token, this.nowMs())) throw aclNotFound();
    return r;
  }
}
