/**
 * The agent's side of ACLs (Consul's agent/acl.go): what the agent's own endpoints ask, and the
 * agent master token (`acl.tokens.agent_master`), which works even when no server can be
 * reached: `agent:write` on this node and `node:read` everywhere, nothing else. Every other
 * token is resolved by the servers (in process on a server agent, over RPC on a client).
 */
import { denyAll, manageAll, parseRules, policyAuthorizer, type Authorizer } from '../acl/index.js';
import type { RuntimeConfig } from '../config/index.js';
import type { AgentAuth } from '../http/index.js';
import { MusterError, type Clock } from '../lib/index.js';
import { AclCompiler, tokenExpired, type AclIdentity } from '../server/index.js';

export class AgentAcl implements AgentAuth {
  private agentMaster: Authorizer | undefined;

  constructor(
    private readonly config: () => RuntimeConfig,
    private readonly resolve: (token: string) => Authorizer | Promise<Authorizer>,
  ) {}

  nodeName(): string {
    return this.config().nodeName;
  }

  authorize(token: string): Authorizer | Promise<Authorizer> {
    const c = this.config();
    if (!c.acl.enabled) return manageAll;
    if (c.acl.tokens.agentMaster !== '' && token === c.acl.tokens.agentMaster) {
      this.agentMaster ??= policyAuthorizer([parseRules(`agent "${c.nodeName}" {\n\tpolicy = "write"\n}\nnode_prefix "" {\n\tpolicy = "read"\n}`)], denyAll);
      return this.agentMaster;
    }
    return this.resolve(token);
  }
}

/** Consul's acl.token_ttl default: how long a client agent trusts a token it resolved. */
export const aclTokenTtlMs = 30_000;

/**
 * A client agent's token resolution (Consul's client-side ACLResolver): the servers say what a
 * token grants (`ACL.ResolveIdentity`), the agent compiles it and keeps it for acl.token_ttl.
 * When the servers cannot be asked, a token resolved before keeps its last grant (Consul's
 * default down_policy, extend-cache); a token never seen fails with the transport's error.
 */
export class RemoteAcl {
  private readonly cache = new Map<string, { authz: Authorizer; fetchedMs: number; identity: AclIdentity }>();
  private readonly compiler: AclCompiler;

  constructor(
    private readonly fetch: (secret: string) => Promise<AclIdentity>,
    private readonly clock: Clock,
    defaultPolicy: 'allow' | 'deny',
    private readonly ttlMs = aclTokenTtlMs,
  ) {
    this.compiler = new AclCompiler(defaultPolicy);
  }

  async authorize(secret: string): Promise<Authorizer> {
    const hit = this.cache.get(secret);
    const now = this.clock.monotonicMs();
    if (hit && now - hit.fetchedMs < this.ttlMs && !tokenExpired(hit.identity, this.clock.nowMs())) return hit.authz;
    let identity: AclIdentity;
    try {
      identity = await this.fetch(secret);
    } catch (err) {
      // "ACL not found" is an answer, not an outage: the token is gone.
      if (MusterError.is(err) && err.code === 'ERR_PERMISSION_DENIED') {
        this.cache.delete(secret);
        throw err;
      }
      if (hit && !tokenExpired(hit.identity, this.clock.nowMs())) return hit.authz;
      throw err;
    }
    const entry = { authz: this.compiler.compile(identity), fetchedMs: now, identity };
    if (this.cache.size >= 4096) this.cache.clear();
    this.cache.set(secret, entry);
    return entry.authz;
  }
}
