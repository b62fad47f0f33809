/**
 * What a token may do (Consul 1.8.7 acl/authorizer.go, policy_authorizer.go,
 * chained_authorizer.go, static_authorizer.go).
 *
 * Consul's authorizers answer Allow, Deny or Default ("no rule speaks of it"); a
 * ChainedAuthorizer asks each in turn and takes the first answer that is not Default, ending in
 * a static authorizer (the `acl.default_policy`) that always answers. Here `PolicyDecisions` is
 * the policy authorizer with its three-valued answers, and `policyAuthorizer(policies, parent)`
 * is the chain [policy, parent]: Default goes to `parent`, an `Authorizer`, whose answers are
 * final booleans. Chains of any length are parents of parents.
 */
import { goQuote, MusterError } from '../lib/index.js';
import { accessLevel, mergePolicies, type AccessLevel, type PolicyRules, type ServiceRule } from './policy.js';
import { enforce, RuleTree, type Decision } from './rule-tree.js';

export type { Decision } from './rule-tree.js';

/** acl.Authorizer (OSS): true when allowed. */
export interface Authorizer {
  /** Listing ACLs. */
  aclRead(): boolean;
  /** Changing ACLs. */
  aclWrite(): boolean;
  /** The agent endpoints of the agent on `node`. */
  agentRead(node: string): boolean;
  agentWrite(node: string): boolean;
  /** Reading and firing the user event `name`. */
  eventRead(name: string): boolean;
  eventWrite(name: string): boolean;
  /** Whether a Connect request that no intention matches is allowed. */
  intentionDefaultAllow(): boolean;
  /** Intentions whose destination is `name` ("*": any of them / all of them). */
  intentionRead(name: string): boolean;
  intentionWrite(name: string): boolean;
  /** Listing the keys under `prefix` (only enforced with `acl.enable_key_list_policy`). */
  keyList(prefix: string): boolean;
  keyRead(key: string): boolean;
  keyWrite(key: string): boolean;
  /** Writing (deleting) every key under `prefix`: no rule below it may refuse a write. */
  keyWritePrefix(prefix: string): boolean;
  /** The gossip encryption keyring. */
  keyringRead(): boolean;
  keyringWrite(): boolean;
  /** Discovering the node `name`. */
  nodeRead(name: string): boolean;
  /** Discovering every node (not in Consul 1.8.7; its later NodeReadAll). */
  nodeReadAll(): boolean;
  /** Registering the node `name`. */
  nodeWrite(name: string): boolean;
  operatorRead(): boolean;
  operatorWrite(): boolean;
  /** Reading (not executing) and changing the prepared query `name`. */
  preparedQueryRead(name: string): boolean;
  preparedQueryWrite(name: string): boolean;
  serviceRead(name: string): boolean;
  /** Discovering every service (not in Consul 1.8.7; its later ServiceReadAll). */
  serviceReadAll(): boolean;
  serviceWrite(name: string): boolean;
  /** Sessions of the node `node`. */
  sessionRead(node: string): boolean;
  sessionWrite(node: string): boolean;
  /** Saving and restoring snapshots (needs acl write). */
  snapshot(): boolean;
}

// ---------------------------------------------------------------------------------------------
// Static authorizers

function staticAuthorizer(allowManage: boolean, defaultAllow: boolean): Authorizer {
  const manage = (): boolean => allowManage;
  const other = (): boolean => defaultAllow;
  return Object.freeze({
    aclRead: manage, aclWrite: manage, snapshot: manage,
    agentRead: other, agentWrite: other, eventRead: other, eventWrite: other,
    intentionDefaultAllow: other, intentionRead: other, intentionWrite: other,
    keyList: other, keyRead: other, keyWrite: other, keyWritePrefix: other,
    keyringRead: other, keyringWrite: other, nodeRead: other, nodeReadAll: other, nodeWrite: other,
    operatorRead: other, operatorWrite: other, preparedQueryRead: other, preparedQueryWrite: other,
    serviceRead: other, serviceReadAll: other, serviceWrite: other, sessionRead: other, sessionWrite: other,
  });
}

/** Everything but ACL management and snapshots (`acl.default_policy = "allow"`). */
export const allowAll: Authorizer = staticAuthorizer(false, true);
/** Nothing (`acl.default_policy = "deny"`). */
export const denyAll: Authorizer = staticAuthorizer(false, false);
/** Everything: the master token, and a legacy token of type "management". */
export const manageAll: Authorizer = staticAuthorizer(true, true);

/**
 * acl.RootAuthorizer: the static authorizer named "allow", "deny" or "manage" (a legacy token's
 * parent; Consul also refuses these names as token secrets).
 */
export function rootAuthorizer(id: string): Authorizer | undefined {
  return id === 'allow' ? allowAll : id === 'deny' ? denyAll : id === 'manage' ? manageAll : undefined;
}

// ---------------------------------------------------------------------------------------------
// The policy authorizer

function level(policy: string): AccessLevel {
  const l = accessLevel(policy);
  if (l === undefined) throw new MusterError('ERR_BAD_REQUEST', `${goQuote(policy)} is not a valid access level`);
  return l;
}

const optionalLevel = (policy: string): AccessLevel | undefined => (policy === '' ? undefined : level(policy));

/** loadRules for one resource: its exact and prefix rules, by `name`, at the level `policy` gives. */
function tree<R extends { policy: string }>(
  exact: readonly R[],
  prefix: readonly R[],
  name: (r: R) => string,
  policy = (r: R): string => r.policy,
): RuleTree {
  const rules: [string, AccessLevel, boolean][] = [];
  for (const r of exact) rules.push([name(r), level(policy(r)), false]);
  for (const r of prefix) rules.push([name(r), level(policy(r)), true]);
  return new RuleTree(rules);
}

/** A service rule's intentions policy: as given, or read for services one may read or write. */
const intentionsPolicy = (s: ServiceRule): string =>
  s.intentions !== '' ? s.intentions : s.policy === 'read' || s.policy === 'write' ? 'read' : 'deny';

/** Consul's policyAuthorizer over one merged policy: Allow, Deny, or Default when no rule applies. */
export class PolicyDecisions {
  private readonly aclRule: AccessLevel | undefined;
  private readonly keyringRule: AccessLevel | undefined;
  private readonly operatorRule: AccessLevel | undefined;
  private readonly agentRules: RuleTree;
  private readonly intentionRules: RuleTree;
  private readonly keyRules: RuleTree;
  private readonly nodeRules: RuleTree;
  private readonly serviceRules: RuleTree;
  private readonly sessionRules: RuleTree;
  private readonly eventRules: RuleTree;
  private readonly preparedQueryRules: RuleTree;

  /** Throws ERR_BAD_REQUEST for a policy string that is no access level (parseRules never gives one). */
  constructor(p: PolicyRules) {
    this.agentRules = tree(p.agents, p.agentPrefixes, (r) => r.node);
    this.keyRules = tree(p.keys, p.keyPrefixes, (r) => r.prefix);
    this.nodeRules = tree(p.nodes, p.nodePrefixes, (r) => r.name);
    this.serviceRules = tree(p.services, p.servicePrefixes, (r) => r.name);
    this.intentionRules = tree(p.services, p.servicePrefixes, (r) => r.name, intentionsPolicy);
    this.sessionRules = tree(p.sessions, p.sessionPrefixes, (r) => r.node);
    this.eventRules = tree(p.events, p.eventPrefixes, (r) => r.event);
    this.preparedQueryRules = tree(p.preparedQueries, p.preparedQueryPrefixes, (r) => r.prefix);
    this.aclRule = optionalLevel(p.acl);
    this.keyringRule = optionalLevel(p.keyring);
    this.operatorRule = optionalLevel(p.operator);
  }

  aclRead(): Decision { return enforce(this.aclRule, 'read'); }
  aclWrite(): Decision { return enforce(this.aclRule, 'write'); }
  agentRead(node: string): Decision { return enforce(this.agentRules.lookup(node), 'read'); }
  agentWrite(node: string): Decision { return enforce(this.agentRules.lookup(node), 'write'); }
  eventRead(name: string): Decision { return enforce(this.eventRules.lookup(name), 'read'); }
  eventWrite(name: string): Decision { return enforce(this.eventRules.lookup(name), 'write'); }
  /** Never decided by a policy: always the parent's (the default policy's). */
  intentionDefaultAllow(): Decision { return 'default'; }
  intentionRead(name: string): Decision {
    if (name === '*') return this.intentionRules.anyAllowed('read');
    return enforce(this.intentionRules.lookup(name), 'read');
  }
  intentionWrite(name: string): Decision {
    if (name === '*') return this.intentionRules.allAllowed('write');
    return enforce(this.intentionRules.lookup(name), 'write');
  }
  keyRead(key: string): Decision { return enforce(this.keyRules.lookup(key), 'read'); }
  keyList(prefix: string): Decision { return enforce(this.keyRules.lookup(prefix), 'list'); }
  keyWrite(key: string): Decision { return enforce(this.keyRules.lookup(key), 'write'); }
  keyWritePrefix(prefix: string): Decision { return this.keyRules.keyWritePrefix(prefix); }
  keyringRead(): Decision { return enforce(this.keyringRule, 'read'); }
  keyringWrite(): Decision { return enforce(this.keyringRule, 'write'); }
  nodeRead(name: string): Decision { return enforce(this.nodeRules.lookup(name), 'read'); }
  nodeReadAll(): Decision { return this.nodeRules.allAllowed('read'); }
  nodeWrite(name: string): Decision { return enforce(this.nodeRules.lookup(name), 'write'); }
  operatorRead(): Decision { return enforce(this.operatorRule, 'read'); }
  operatorWrite(): Decision { return enforce(this.operatorRule, 'write'); }
  preparedQueryRead(name: string): Decision { return enforce(this.preparedQueryRules.lookup(name), 'read'); }
  preparedQueryWrite(name: string): Decision { return enforce(this.preparedQueryRules.lookup(name), 'write'); }
  serviceRead(name: string): Decision { return enforce(this.serviceRules.lookup(name), 'read'); }
  serviceReadAll(): Decision { return this.serviceRules.allAllowed('read'); }
  serviceWrite(name: string): Decision { return enforce(this.serviceRules.lookup(name), 'write'); }
  sessionRead(node: string): Decision { return enforce(this.sessionRules.lookup(node), 'read'); }
  sessionWrite(node: string): Decision { return enforce(this.sessionRules.lookup(node), 'write'); }
  snapshot(): Decision { return enforce(this.aclRule, 'write'); }
}

/** A decision, or undefined for Default (which the caller hands to the parent). */
const decided = (d: Decision): boolean | undefined => (d === 'default' ? undefined : d === 'allow');

/** ChainedAuthorizer [policy, parent]. */
class ChainedAuthorizer implements Authorizer {
  constructor(
    private readonly d: PolicyDecisions,
    private readonly parent: Authorizer,
  ) {}

  aclRead(): boolean { return decided(this.d.aclRead()) ?? this.parent.aclRead(); }
  aclWrite(): boolean { return decided(this.d.aclWrite()) ?? this.parent.aclWrite(); }
  agentRead(node: string): boolean { return decided(this.d.agentRead(node)) ?? this.parent.agentRead(node); }
  agentWrite(node: string): boolean { return decided(this.d.agentWrite(node)) ?? this.parent.agentWrite(node); }
  eventRead(name: string): boolean { return decided(this.d.eventRead(name)) ?? this.parent.eventRead(name); }
  eventWrite(name: string): boolean { return decided(this.d.eventWrite(name)) ?? this.parent.eventWrite(name); }
  intentionDefaultAllow(): boolean { return decided(this.d.intentionDefaultAllow()) ?? this.parent.intentionDefaultAllow(); }
  intentionRead(name: string): boolean { return decided(this.d.intentionRead(name)) ?? this.parent.intentionRead(name); }
  intentionWrite(name: string): boolean { return decided(this.d.intentionWrite(name)) ?? this.parent.intentionWrite(name); }
  keyList(prefix: string): boolean { return decided(this.d.keyList(prefix)) ?? this.parent.keyList(prefix); }
  keyRead(key: string): boolean { return decided(this.d.keyRead(key)) ?? this.parent.keyRead(key); }
  keyWrite(key: string): boolean { return decided(this.d.keyWrite(key)) ?? this.parent.keyWrite(key); }
  keyWritePrefix(prefix: string): boolean { return decided(this.d.keyWritePrefix(prefix)) ?? this.parent.keyWritePrefix(prefix); }
  keyringRead(): boolean { return decided(this.d.keyringRead()) ?? this.parent.keyringRead(); }
  keyringWrite(): boolean { return decided(this.d.keyringWrite()) ?? this.parent.keyringWrite(); }
  nodeRead(name: string): boolean { return decided(this.d.nodeRead(name)) ?? this.parent.nodeRead(name); }
  nodeReadAll(): boolean { return decided(this.d.nodeReadAll()) ?? this.parent.nodeReadAll(); }
  nodeWrite(name: string): boolean { return decided(this.d.nodeWrite(name)) ?? this.parent.nodeWrite(name); }
  operatorRead(): boolean { return decided(this.d.operatorRead()) ?? this.parent.operatorRead(); }
  operatorWrite(): boolean { return decided(this.d.operatorWrite()) ?? this.parent.operatorWrite(); }
  preparedQueryRead(name: string): boolean { return decided(this.d.preparedQueryRead(name)) ?? this.parent.preparedQueryRead(name); }
  preparedQueryWrite(name: string): boolean { return decided(this.d.preparedQueryWrite(name)) ?? this.parent.preparedQueryWrite(name); }
  serviceRead(name: string): boolean { return decided(this.d.serviceRead(name)) ?? this.parent.serviceRead(name); }
  serviceReadAll(): boolean { return decided(this.d.serviceReadAll()) ?? this.parent.serviceReadAll(); }
  serviceWrite(name: string): boolean { return decided(this.d.serviceWrite(name)) ?? this.parent.serviceWrite(name); }
  sessionRead(node: string): boolean { return decided(this.d.sessionRead(node)) ?? this.parent.sessionRead(node); }
  sessionWrite(node: string): boolean { return decided(this.d.sessionWrite(node)) ?? this.parent.sessionWrite(node); }
  snapshot(): boolean { return decided(this.d.snapshot()) ?? this.parent.snapshot(); }
}

/**
 * NewPolicyAuthorizerWithDefaults: the policies merged into one (deny beats write beats list
 * beats read, acl.MergePolicies), whose Default answers are `parent`'s. The rule lookups are
 * built here, once; keep the result for as long as the token and its policies are unchanged.
 */
export function policyAuthorizer(policies: readonly PolicyRules[], parent: Authorizer): Authorizer {
  return new ChainedAuthorizer(new PolicyDecisions(mergePolicies(policies)), parent);
}

// ---------------------------------------------------------------------------------------------
// By resource name (acl.Enforce, behind /v1/internal/acl/authorize)

type Check = (a: Authorizer, segment: string) => boolean;
const ENFORCERS: ReadonlyMap<string, ReadonlyMap<string, Check>> = new Map(
  Object.entries({
    acl: { read: (a) => a.aclRead(), write: (a) => a.aclWrite() },
    agent: { read: (a, s) => a.agentRead(s), write: (a, s) => a.agentWrite(s) },
    event: { read: (a, s) => a.eventRead(s), write: (a, s) => a.eventWrite(s) },
    intention: { read: (a, s) => a.intentionRead(s), write: (a, s) => a.intentionWrite(s) },
    key: {
      read: (a, s) => a.keyRead(s),
      list: (a, s) => a.keyList(s),
      write: (a, s) => a.keyWrite(s),
      'write-prefix': (a, s) => a.keyWritePrefix(s),
    },
    keyring: { read: (a) => a.keyringRead(), write: (a) => a.keyringWrite() },
    node: { read: (a, s) => a.nodeRead(s), write: (a, s) => a.nodeWrite(s) },
    operator: { read: (a) => a.operatorRead(), write: (a) => a.operatorWrite() },
    query: { read: (a, s) => a.preparedQueryRead(s), write: (a, s) => a.preparedQueryWrite(s) },
    service: { read: (a, s) => a.serviceRead(s), write: (a, s) => a.serviceWrite(s) },
    session: { read: (a, s) => a.sessionRead(s), write: (a, s) => a.sessionWrite(s) },
  } satisfies Record<string, Record<string, Check>>).map(([resource, byAccess]) => [resource, new Map(Object.entries(byAccess))]),
);

/**
 * acl.Enforce: the check named by a resource ("key") and an access level ("write-prefix", any
 * case) on `segment`. Throws ERR_BAD_REQUEST with Consul's message for an unknown pair.
 */
export function authorize(authz: Authorizer, resource: string, segment: string, access: string): boolean {
  const byAccess = ENFORCERS.get(resource);
  if (!byAccess) throw new MusterError('ERR_BAD_REQUEST', `Invalid ACL resource requested: ${goQuote(resource)}`);
  const check = byAccess.get(access.toLowerCase());
  if (!check) throw new MusterError('ERR_BAD_REQUEST', `Invalid access level for ${resource} resource: ${access}`);
  return check(authz, segment);
}
