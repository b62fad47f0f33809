/**
 * What a new leader makes sure of (Consul 1.8.7's Server.initializeACLs, agent/consul/leader.go):
 * the builtin global-management policy with the current rules, the master token of the
 * configuration (through the bootstrap while it has not run, so the bootstrap is then spent),
 * and the anonymous token. Each is written only when missing, so running it again changes
 * nothing.
 */
import { ANONYMOUS_TOKEN_ACCESSOR, ANONYMOUS_TOKEN_SECRET, GLOBAL_MANAGEMENT_RULES } from '../acl/index.js';
import { MusterError, isUUID } from '../lib/index.js';
import { aclCanBootstrap, aclGlobalManagementPolicyID, aclPolicyGetByID, aclTokenGetBySecret } from '../state/index.js';
import { builtinToken, managementToken } from './acl-token-write.js';
import { policyHash, type AclContext } from './acl-validate.js';

const failed = (what: string, error: string): MusterError => new MusterError('ERR_INTERNAL', `${what}: ${error}`);

export async function initializeAcls(ctx: AclContext): Promise<void> {
  if (!ctx.settings.enabled) return;
  const { store, log, logger } = ctx.server.deps;
  logger.info('initializing acls');
  const gm = aclPolicyGetByID(store, aclGlobalManagementPolicyID).policy;
  if (!gm || gm.rules !== GLOBAL_MANAGEMENT_RULES) {
    const policy = {
      id: aclGlobalManagementPolicyID,
      name: gm?.name ?? 'global-management',
      description: gm?.description ?? 'Builtin Policy that grants unlimited access',
      rules: GLOBAL_MANAGEMENT_RULES,
      datacenters: [],
      hash: '',
    };
    policy.hash = policyHash(policy);
    const out = await log.apply({ type: 'acl-policy-set', policies: [policy] });
    if (out) throw failed('failed to create global-management policy', out.error);
    logger.info("Created ACL 'global-management' policy");
  }
  await initializeMasterToken(ctx);
  if (!aclTokenGetBySecret(store, ANONYMOUS_TOKEN_SECRET).token) {
    const anonymous = builtinToken(ctx, { accessorID: ANONYMOUS_TOKEN_ACCESSOR, secretID: ANONYMOUS_TOKEN_SECRET, description: 'Anonymous Token', policies: [], type: '' });
    const out = await log.apply({ type: 'acl-token-set', tokens: [anonymous] });
    if (out) throw failed('failed to create anonymous token', out.error);
    logger.info('Created ACL anonymous token from configuration');
  }
}

async function initializeMasterToken(ctx: AclContext): Promise<void> {
  const master = ctx.settings.masterToken;
  if (master === '') return;
  const { store, log, logger } = ctx.server.deps;
  if (!isUUID(master)) logger.warn('Configuring a non-UUID master token is deprecated');
  if (aclTokenGetBySecret(store, master).token) return;
  const token = managementToken(ctx, ctx.newTokenID(), master, 'Master Token');
  if (aclCanBootstrap(store).allowed) {
    const out = await log.apply({ type: 'acl-bootstrap', token, resetIndex: 0 });
    if (!out) {
      logger.info('Bootstrapped ACL master token from configuration');
      return;
    }
    // Another bootstrap got there first: the token is written as any other.
    if (!out.error.startsWith('ACL bootstrap no longer allowed') && !out.error.startsWith('Invalid bootstrap reset index')) {
      throw failed('failed to bootstrap master token', out.error);
    }
  }
  const out = await log.apply({ type: 'acl-token-set', tokens: [token] });
  if (out) throw failed('failed to create master token', out.error);
  logger.info('Created ACL master token from configuration');
}
