import { describe, expect, it } from 'vitest';
import { MusterError } from '../lib/index.js';
import { PolicyDecisions, allowAll, authorize, denyAll, manageAll, policyAuthorizer, rootAuthorizer, type Authorizer } from './authorizer.js';
import { emptyPolicyRules, GLOBAL_MANAGEMENT_RULES, mergePolicies, parseRules } from './policy.js';

/** Every check, as [method, argument]. */
const CHECKS: [keyof Authorizer, string?][] = [
  ['aclRead'], ['aclWrite'], ['agentRead', 'foo'], ['agentWrite', 'foo'], ['eventRead', 'foo'], ['eventWrite', 'foo'],
  ['intentionDefaultAllow'], ['intentionRead', 'foo'], ['intentionWrite', 'foo'], ['keyRead', 'foo'], ['keyList', 'foo'],
  ['keyringRead'], ['keyringWrite'], ['keyWrite', 'foo'], ['keyWritePrefix', 'foo'], ['nodeRead', 'foo'], ['nodeReadAll'],
  ['nodeWrite', 'foo'], ['operatorRead'], ['operatorWrite'], ['preparedQueryRead', 'foo'], ['preparedQueryWrite', 'foo'],
  ['serviceRead', 'foo'], ['serviceReadAll'], ['serviceWrite', 'foo'], ['sessionRead', 'foo'], ['sessionWrite', 'foo'], ['snapshot'],
];
const MANAGEMENT = new Set<keyof Authorizer>(['aclRead', 'aclWrite', 'snapshot']);

const ask = (a: Authorizer, method: keyof Authorizer, arg = ''): boolean => (a[method] as (s: string) => boolean).call(a, arg);
const authz = (text: string, parent: Authorizer = denyAll): Authorizer => policyAuthorizer([parseRules(text)], parent);

describe('static authorizers (static_authorizer_test.go)', () => {
  it('allowAll allows everything but ACL management and snapshots', () => {
    for (const [m, arg] of CHECKS) expect(ask(allowAll, m, arg), m).toBe(!MANAGEMENT.has(m));
  });
  it('denyAll denies everything', () => {
    for (const [m, arg] of CHECKS) expect(ask(denyAll, m, arg), m).toBe(false);
  });
  it('manageAll allows everything', () => {
    for (const [m, arg] of CHECKS) expect(ask(manageAll, m, arg), m).toBe(true);
  });
  it('rootAuthorizer names them (TestRootAuthorizer)', () => {
    expect(rootAuthorizer('allow')).toBe(allowAll);
    expect(rootAuthorizer('deny')).toBe(denyAll);
    expect(rootAuthorizer('manage')).toBe(manageAll);
    expect(rootAuthorizer('foo')).toBeUndefined();
  });
});

describe('chains (chained_authorizer_test.go)', () => {
  it('a policy with no rules defers every check to its parent', () => {
    for (const parent of [allowAll, denyAll, manageAll]) {
      const a = policyAuthorizer([emptyPolicyRules()], parent);
      for (const [m, arg] of CHECKS) expect(ask(a, m, arg), m).toBe(ask(parent, m, arg));
    }
  });

  it('the first decision in the chain wins: a deny is not overridden by an allowing parent', () => {
    const a = authz('key_prefix "" { policy = "deny" }', manageAll);
    expect(a.keyRead('x')).toBe(false);
    expect(a.nodeRead('x')).toBe(true);
  });

  it('an inner policy decides before the outer one, which decides before the default', () => {
    const outer = authz('key_prefix "" { policy = "read" }\nnode_prefix "" { policy = "read" }', denyAll);
    const inner = policyAuthorizer([parseRules('key_prefix "" { policy = "write" }')], outer);
    expect([inner.keyWrite('a'), inner.nodeRead('a'), inner.nodeWrite('a'), inner.serviceRead('a')]).toEqual([true, true, false, false]);
  });

  it('intentionDefaultAllow is never decided by a policy', () => {
    const a = new PolicyDecisions(parseRules(GLOBAL_MANAGEMENT_RULES));
    expect(a.intentionDefaultAllow()).toBe('default');
    expect(authz(GLOBAL_MANAGEMENT_RULES, denyAll).intentionDefaultAllow()).toBe(false);
    expect(authz(GLOBAL_MANAGEMENT_RULES, allowAll).intentionDefaultAllow()).toBe(true);
  });
});

describe('policyAuthorizer()', () => {
  it('the global-management policy over deny grants what manageAll grants (but the intention default)', () => {
    const a = authz(GLOBAL_MANAGEMENT_RULES);
    for (const [m, arg] of CHECKS) if (m !== 'intentionDefaultAllow') expect(ask(a, m, arg), m).toBe(true);
  });

  it('exact rules win over prefix rules; the longest prefix wins over shorter ones', () => {
    const a = authz('key_prefix "" { policy = "read" }\nkey_prefix "foo/" { policy = "write" }\nkey_prefix "foo/bar/" { policy = "deny" }\nkey "foo/bar/baz" { policy = "write" }');
    expect(['x', 'foo/x', 'foo/bar/x', 'foo/bar/baz', 'foo/bar/bazz'].map((k) => a.keyWrite(k))).toEqual([false, true, false, true, false]);
    expect(['x', 'foo/bar/x'].map((k) => a.keyRead(k))).toEqual([true, false]);
  });

  it('list allows list and read, read allows read only', () => {
    const a = authz('key_prefix "l/" { policy = "list" }\nkey_prefix "r/" { policy = "read" }');
    expect([a.keyList('l/'), a.keyRead('l/a'), a.keyWrite('l/a')]).toEqual([true, true, false]);
    expect([a.keyList('r/'), a.keyRead('r/a'), a.keyWrite('r/a')]).toEqual([false, true, false]);
  });

  it('keyWritePrefix needs write on the prefix and no rule under it that grants less', () => {
    const a = authz('key_prefix "app/" { policy = "write" }\nkey "app/config/secret" { policy = "read" }\nkey_prefix "other/" { policy = "write" }', allowAll);
    expect(a.keyWritePrefix('app/')).toBe(false);
    expect(a.keyWritePrefix('app/config/')).toBe(false);
    expect(a.keyWritePrefix('app/data/')).toBe(true);
    expect(a.keyWritePrefix('other/')).toBe(true);
    // No prefix rule applies: the default decides, unless a rule below refuses.
    expect(a.keyWritePrefix('zzz/')).toBe(true);
    expect(a.keyWritePrefix('ap')).toBe(false);
  });

  it('a service\'s intentions default to read for read and write services, deny otherwise', () => {
    const a = new PolicyDecisions(parseRules('service "w" { policy = "write" }\nservice "r" { policy = "read" }\nservice "d" { policy = "deny" }\nservice "i" { policy = "read" intentions = "write" }\nservice "u" { policy = "WRITE" }'));
    expect(['w', 'r', 'd', 'i', 'u'].map((s) => [a.intentionRead(s), a.intentionWrite(s)])).toEqual([
      ['allow', 'deny'], ['allow', 'deny'], ['deny', 'deny'], ['allow', 'allow'], ['deny', 'deny'],
    ]);
  });

  it('intention checks on "*": read if any rule allows, write if no rule refuses', () => {
    const a = new PolicyDecisions(parseRules('service_prefix "" { policy = "write" intentions = "write" }\nservice "db" { policy = "write" intentions = "read" }'));
    expect([a.intentionRead('*'), a.intentionWrite('*')]).toEqual(['allow', 'deny']);
    expect(new PolicyDecisions(emptyPolicyRules()).intentionRead('*')).toBe('default');
  });

  it('nodeReadAll / serviceReadAll: a catch-all prefix rule granting read, with nothing under it refusing', () => {
    const d = (text: string): PolicyDecisions => new PolicyDecisions(parseRules(text));
    expect(d('node_prefix "" { policy = "read" }').nodeReadAll()).toBe('allow');
    expect(d('node_prefix "" { policy = "read" }\nnode "secret" { policy = "deny" }').nodeReadAll()).toBe('deny');
    expect(d('node "a" { policy = "write" }').nodeReadAll()).toBe('default');
    expect(d('service_prefix "" { policy = "write" }').serviceReadAll()).toBe('allow');
  });

  it('policies are merged before they decide (deny beats write across policies)', () => {
    const a = policyAuthorizer([parseRules('key "k" { policy = "write" }'), parseRules('key "k" { policy = "deny" }')], allowAll);
    expect(a.keyRead('k')).toBe(false);
    expect(mergePolicies([parseRules('key "k" { policy = "write" }')]).keys).toEqual([{ prefix: 'k', policy: 'write' }]);
  });

  it('refuses rules whose policy is no access level', () => {
    const bad = { ...emptyPolicyRules(), keys: [{ prefix: 'k', policy: 'nope' }] };
    expect(() => policyAuthorizer([bad], denyAll)).toThrow('"nope" is not a valid access level');
  });

  it('answers from hundreds of rules', () => {
    const text = Array.from({ length: 500 }, (_, i) => `key_prefix "app/${i}/" { policy = "${i % 3 === 0 ? 'deny' : 'write'}" }`).join('\n');
    const a = authz(text);
    // app/0/ .. app/499/ have a rule (deny for multiples of 3); app/500/ and up fall to the default.
    const want = (n: number): boolean => n < 500 && n % 3 !== 0;
    const wrong = Array.from({ length: 20_000 }, (_, i) => i % 600).filter((n) => a.keyWrite(`app/${n}/leaf`) !== want(n));
    expect(wrong).toEqual([]);
  });
});

describe('authorize() (acl.Enforce)', () => {
  it('maps resource and access names to checks, any case of access', () => {
    const a = authz('key_prefix "" { policy = "list" }\noperator = "read"');
    expect(authorize(a, 'key', 'x', 'LIST')).toBe(true);
    expect(authorize(a, 'key', 'x', 'write-prefix')).toBe(false);
    expect(authorize(a, 'operator', '', 'read')).toBe(true);
  });

  it('refuses unknown resources and access levels with Consul\'s messages', () => {
    const e1 = (() => { try { authorize(allowAll, 'nope', '', 'read'); } catch (e) { return e; } })();
    expect(MusterError.is(e1) && e1.code === 'ERR_BAD_REQUEST' && e1.message).toBe('Invalid ACL resource requested: "nope"');
    expect(() => authorize(allowAll, 'acl', '', 'List')).toThrow('Invalid access level for acl resource: List');
  });
});
