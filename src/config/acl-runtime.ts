/**
 * The `acl` block and its deprecated top-level forms (`acl_datacenter`, `acl_default_policy`,
 * `acl_master_token`, `acl_token`, `acl_agent_token`, ...), as Consul 1.8.7's builder.go reads
 * them: a setting inside `acl` wins over its legacy twin; `acl_datacenter` alone turns ACLs on;
 * `acl.enabled` decides when given. Pure.
 */
import { has, str, sub } from './raw-read.js';
import { ConfigError, type Raw } from './validate.js';

export interface AclRuntime {
  enabled: boolean;
  defaultPolicy: 'allow' | 'deny';
  downPolicy: string;
  enableKeyListPolicy: boolean;
  tokens: {
    /** acl.tokens.master: the first management token, created by the leader. */
    master: string;
    /** acl.tokens.agent: what the agent's own catalog writes (anti-entropy) use. */
    agent: string;
    /** acl.tokens.agent_master: a local token for /v1/agent/* when the servers cannot be reached. */
    agentMaster: string;
    /** acl.tokens.default: used by requests (HTTP, DNS) that carry no token. */
    default: string;
    replication: string;
  };
}

const downPolicies = new Set(['allow', 'deny', 'extend-cache', 'async-cache']);

export function buildAclRuntime(raw: Raw): AclRuntime {
  const acl = sub(raw, 'acl');
  const tokens = sub(acl, 'tokens');
  const pick = (inside: Raw, key: string, legacy: string): string => (has(inside, key) ? str(inside, key) : str(raw, legacy));
  let enabled = has(raw, 'acl_datacenter');
  if (has(acl, 'enabled')) enabled = acl['enabled'] === true;
  const defaultPolicy = pick(acl, 'default_policy', 'acl_default_policy') || 'allow';
  if (defaultPolicy !== 'allow' && defaultPolicy !== 'deny') {
    throw new ConfigError(`acl.default_policy must be "allow" or "deny", got "${defaultPolicy}"`);
  }
  const downPolicy = pick(acl, 'down_policy', 'acl_down_policy') || 'extend-cache';
  if (!downPolicies.has(downPolicy)) {
    throw new ConfigError(`acl.down_policy must be one of "allow", "deny", "extend-cache" or "async-cache", got "${downPolicy}"`);
  }
  return {
    enabled,
    defaultPolicy,
    downPolicy,
    enableKeyListPolicy: has(acl, 'enable_key_list_policy') ? acl['enable_key_list_policy'] === true : raw['acl_enable_key_list_policy'] === true,
    tokens: {
      master: pick(tokens, 'master', 'acl_master_token'),
      agent: pick(tokens, 'agent', 'acl_agent_token'),
      agentMaster: pick(tokens, 'agent_master', 'acl_agent_master_token'),
      default: pick(tokens, 'default', 'acl_token'),
      replication: pick(tokens, 'replication', 'acl_replication_token'),
    },
  };
}
