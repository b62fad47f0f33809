/**
 * The legacy ACL endpoints (Consul 1.8.7's agent/consul/acl_endpoint_legacy.go): `ACL.Apply`
 * (set or delete a token by its SecretID, with a Type and legacy-syntax Rules), `ACL.Get`,
 * `ACL.List`. DEPRECATED in Consul, kept for old clients and tools.
 *
 * Consul stores a legacy token without an AccessorID and its leader upgrades it moments later
 * (a fresh AccessorID; a management token gets the global-management policy). Here a new
 * legacy token is written already upgraded, so it is never seen half-made; an update keeps the
 * token's AccessorID, as Consul's state does.
 */
import { ANONYMOUS_TOKEN_SECRET } from '../acl/index.js';
import { MusterError } from '../lib/index.js';
import { aclGlobalManagementPolicyID, aclTokenGetBySecret, aclTokenList, type ACLLegacyType, type ACLTokenWrite } from '../state/index.js';
import { bySecret, checkRules, legacyEntry, rootSecrets, tokenExpired, tokenHash, usesNonLegacyFields, type ACLLegacyEntry, type AclContext } from './acl-validate.js';
import { rpcError } from './catalog-endpoint.js';
import type { Read, ReadOptions } from './endpoints.js';

/** Consul's structs.ACLOp of ACL.Apply. */
export type ACLLegacyOp = 'set' | 'delete';

/** Consul's structs.ACL as ACL.Apply receives it. */
export interface ACLLegacyArgs {
  /** The SecretID; '' with `set` to have one generated. */
  id: string;
  name: string;
  /** 'client' or 'management'; anything else is refused. */
  type: string;
  /** Legacy-syntax rules of a client token. */
  rules: string;
}

export class AclLegacy {
  constructor(private readonly ctx: AclContext) {}

  private enabledCheck(): void {
    if (!this.ctx.settings.enabled) throw rpcError('ACL support disabled');
  }

  /** ACL.Apply: the token's SecretID. */
  async apply(datacenter: string, op: ACLLegacyOp, acl: ACLLegacyArgs, token: string): Promise<string> {
    const server = this.ctx.server;
    server.checkDatacenter(datacenter);
    this.enabledCheck();
    this.ctx.requireWrite(token);
    let id = acl.id;
    if (op === 'set' && id === '') id = this.ctx.newTokenID();
    if (id === '') throw rpcError('Missing ACL ID');
    const store = server.deps.store;
    const existing = aclTokenGetBySecret(store, id).token;
    if (op === 'delete') {
      if (id === ANONYMOUS_TOKEN_SECRET) throw new MusterError('ERR_PERMISSION_DENIED', 'Permission denied: Cannot delete anonymous token');
      if (existing) await server.deps.log.apply({ type: 'acl-token-delete', accessorIDs: [existing.accessorID] });
      return id;
    }
    if (op !== 'set') throw rpcError('Invalid ACL Operation');
    if (acl.type !== 'client' && acl.type !== 'management') throw rpcError('Invalid ACL Type');
    if (existing && usesNonLegacyFields(existing)) throw rpcError('Cannot use legacy endpoint to modify a non-legacy token');
    if (rootSecrets.has(id)) throw new MusterError('ERR_PERMISSION_DENIED', 'Permission denied: Cannot modify root ACL');
    checkRules(acl.rules, 'legacy', 'ACL rule compilation failed: ');
    const type = acl.type as ACLLegacyType;
    const write: ACLTokenWrite = {
      accessorID: existing?.accessorID ?? this.ctx.newTokenID(),
      secretID: id,
      description: acl.name,
      // What Consul's upgrade gives a new legacy management token.
      policies: !existing && type === 'management' ? [{ id: aclGlobalManagementPolicyID, name: '' }] : [],
      serviceIdentities: [],
      nodeIdentities: [],
      type,
      rules: acl.rules,
      local: false,
      authMethod: '',
      expirationTime: '',
      // Legacy tokens have no CreateTime (Go's zero time).
      createTime: '',
      hash: '',
    };
    write.hash = tokenHash(write);
    const out = await server.deps.log.apply({ type: 'acl-token-set', tokens: [write] });
    if (out) throw rpcError(out.error);
    return id;
  }

  /** ACL.Get: no permission needed (the SecretID is the credential). */
  async get(id: string, opts: ReadOptions): Promise<Read<ACLLegacyEntry[]>> {
    const server = this.ctx.server;
    server.checkDatacenter(opts.datacenter);
    this.enabledCheck();
    return server.read(opts, (ws) => {
      const r = aclTokenGetBySecret(server.deps.store, id, ws);
      const entry = r.token && legacyEntry(r.token);
      return { index: r.index, value: entry ? [entry] : [] };
    });
  }

  /** ACL.List: global tokens with a legacy type, by SecretID; acl:write, as legacy ACLs had no read level. */
  async list(opts: ReadOptions): Promise<Read<ACLLegacyEntry[]>> {
    const server = this.ctx.server;
    server.checkDatacenter(opts.datacenter);
    this.enabledCheck();
    this.ctx.requireWrite(opts.token);
    return server.read(opts, (ws) => {
      const r = aclTokenList(server.deps.store, { local: false, global: true }, ws);
      const now = server.deps.clock.nowMs();
      const entries: ACLLegacyEntry[] = [];
      for (const t of r.tokens.filter((x) => !tokenExpired(x, now)).sort(bySecret)) {
        const e = legacyEntry(t);
        if (e) entries.push(e);
      }
      return { index: r.index, value: entries };
    });
  }
}
