/**
 * Consul 1.8.7's own acl test tables (acl_test.go TestACL and TestACLEnforce,
 * policy_authorizer_test.go, policy_test.go, authorizer_test.go TestACL_Enforce), dumped from
 * the Go tests as they ran (testdata/tools/acl-tables) and run here against Muster's code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MusterError } from '../lib/index.js';
import { PolicyDecisions, authorize, policyAuthorizer, rootAuthorizer, type Authorizer } from './authorizer.js';
import { mergePolicies, parseRules, takesPrecedenceOver, type AccessLevel, type PolicyRules } from './policy.js';
import { RuleTree, enforce } from './rule-tree.js';

type GoRule = Record<string, string>;
type GoPolicy = Record<string, string | GoRule[] | null | number>;
interface GoCheck {
  name: string;
  prefix: string;
  check: string;
}
interface Tables {
  acl: { name: string; defaultPolicy: 'allow' | 'deny' | 'manage'; policyStack: GoPolicy[]; checks: GoCheck[] }[];
  policy_authorizer: Record<string, { policy: GoPolicy; checks: GoCheck[] }>;
  any_allowed: Record<string, RadixCase>;
  all_allowed: Record<string, RadixCase>;
  enforce: { name: string; rule: string; required: 'read' | 'list' | 'write'; expected: string }[];
  acl_enforce: { method: string; resource: string; segment: string; access: string; ret: string; err: string }[];
  policy_source_parse: { Name: string; Syntax: 0 | 1; Rules: string; Expected: GoPolicy | null; Err: string }[];
  merge_policies: { name: string; input: GoPolicy[]; expected: GoPolicy }[];
  precedence: { name: string; a: string; b: string; expected: boolean }[];
}
interface RadixCase {
  insertions: { segment: string; value: { exact: { access: AccessLevel } | null; prefix: { access: AccessLevel } | null } }[] | null;
  readEnforcement: string;
  listEnforcement: string;
  writeEnforcement: string;
}

const tables = JSON.parse(readFileSync(new URL('./testdata/consul-1.8.7-acl-tables.json', import.meta.url), 'utf8')) as Tables;

/** Go's PolicyRules field, Muster's, and the Go and Muster names of the rule's label. */
const FIELDS: readonly (readonly [string, keyof PolicyRules, string, string])[] = [
  ['Agents', 'agents', 'Node', 'node'], ['AgentPrefixes', 'agentPrefixes', 'Node', 'node'],
  ['Keys', 'keys', 'Prefix', 'prefix'], ['KeyPrefixes', 'keyPrefixes', 'Prefix', 'prefix'],
  ['Nodes', 'nodes', 'Name', 'name'], ['NodePrefixes', 'nodePrefixes', 'Name', 'name'],
  ['Services', 'services', 'Name', 'name'], ['ServicePrefixes', 'servicePrefixes', 'Name', 'name'],
  ['Sessions', 'sessions', 'Node', 'node'], ['SessionPrefixes', 'sessionPrefixes', 'Node', 'node'],
  ['Events', 'events', 'Event', 'event'], ['EventPrefixes', 'eventPrefixes', 'Event', 'event'],
  ['PreparedQueries', 'preparedQueries', 'Prefix', 'prefix'], ['PreparedQueryPrefixes', 'preparedQueryPrefixes', 'Prefix', 'prefix'],
];

function fromGo(p: GoPolicy): PolicyRules {
  const out: Record<string, unknown> = { acl: p.ACL ?? '', keyring: p.Keyring ?? '', operator: p.Operator ?? '' };
  for (const [goField, field, goKey, key] of FIELDS) {
    out[field] = ((p[goField] as GoRule[] | null | undefined) ?? []).map((r) => {
      const rule: Record<string, string> = { [key]: r[goKey]!, policy: r.Policy! };
      if (field === 'services' || field === 'servicePrefixes') rule.intentions = r.Intentions ?? '';
      return rule;
    });
  }
  return out as unknown as PolicyRules;
}

/** Rules in a canonical order, for comparing merges (Go's come out in map order). */
function sorted(p: PolicyRules): PolicyRules {
  const out: Record<string, unknown> = { ...p };
  for (const [, field] of FIELDS) out[field] = [...(p[field] as readonly object[])].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return out as unknown as PolicyRules;
}

/** "checkAllowKeyRead" → ['keyRead', 'allow']. */
function parseCheck(check: string): [string, 'allow' | 'deny' | 'default'] {
  const m = /^check(Allow|Deny|Default)(\w+)$/.exec(check)!;
  return [goMethod(m[2]!), m[1]!.toLowerCase() as 'allow' | 'deny' | 'default'];
}
const goMethod = (name: string): string => (name.startsWith('ACL') ? `acl${name.slice(3)}` : name[0]!.toLowerCase() + name.slice(1));

const call = <T>(target: object, method: string, arg: string): T => (target as Record<string, (s: string) => T>)[method]!.call(target, arg);

describe('TestACL (chained policies over a default)', () => {
  for (const tc of tables.acl) {
    it(tc.name, () => {
      let authz: Authorizer = rootAuthorizer(tc.defaultPolicy)!;
      for (const policy of tc.policyStack ?? []) authz = policyAuthorizer([fromGo(policy)], authz);
      for (const c of tc.checks) {
        const [method, want] = parseCheck(c.check);
        expect(call<boolean>(authz, method, c.prefix), `${c.name}(${c.prefix})`).toBe(want === 'allow');
      }
    });
  }
});

describe('TestPolicyAuthorizer (decisions of one policy, Default included)', () => {
  for (const [name, tc] of Object.entries(tables.policy_authorizer)) {
    it(name, () => {
      const d = new PolicyDecisions(mergePolicies([fromGo(tc.policy)]));
      for (const c of tc.checks) {
        const [method, want] = parseCheck(c.check);
        expect(call<string>(d, method, c.prefix), `${c.name}(${c.prefix})`).toBe(want);
      }
    });
  }
});

describe('TestAnyAllowed / TestAllAllowed', () => {
  const tree = (tc: RadixCase): RuleTree =>
    new RuleTree((tc.insertions ?? []).flatMap(({ segment, value }) => [
      ...(value.exact ? [[segment, value.exact.access, false] as const] : []),
      ...(value.prefix ? [[segment, value.prefix.access, true] as const] : []),
    ]));
  for (const [kind, cases] of [['anyAllowed', tables.any_allowed], ['allAllowed', tables.all_allowed]] as const) {
    for (const [name, tc] of Object.entries(cases)) {
      it(`${kind} ${name}`, () => {
        const t = tree(tc);
        const got = (['read', 'list', 'write'] as const).map((l) => t[kind](l));
        expect(got).toEqual([tc.readEnforcement, tc.listEnforcement, tc.writeEnforcement].map((d) => d.toLowerCase()));
      });
    }
  }
});

describe('TestACLEnforce (access level against required access)', () => {
  it.each(tables.enforce.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const rule = c.rule === 'unknown' ? undefined : (c.rule as AccessLevel);
    expect(enforce(rule, c.required)).toBe(c.expected.toLowerCase());
  });
});

describe('TestACL_Enforce (by resource and access name)', () => {
  it.each(tables.acl_enforce.map((c) => [`${c.resource}/${c.segment}/${c.access}/${c.ret}`, c] as const))('%s', (_, c) => {
    const calls: [string, string][] = [];
    const mock = new Proxy({}, {
      get: (_t, method: string) => (segment?: string) => {
        calls.push([method, segment ?? '']);
        return c.ret === 'Allow';
      },
    }) as Authorizer;
    if (c.err !== '') {
      expect(() => authorize(mock, c.resource, c.segment, c.access)).toThrow(c.err);
      expect(calls).toEqual([]);
      return;
    }
    expect(authorize(mock, c.resource, c.segment, c.access)).toBe(c.ret === 'Allow');
    expect(calls).toEqual([[goMethod(c.method), c.segment]]);
  });
});

describe('TestPolicySourceParse', () => {
  it.each(tables.policy_source_parse.map((c) => [c.Name, c] as const))('%s', (_, c) => {
    const syntax = c.Syntax === 1 ? 'legacy' : 'current';
    if (c.Err !== '') {
      let err: unknown;
      try {
        parseRules(c.Rules, syntax);
      } catch (e) {
        err = e;
      }
      expect(MusterError.is(err) && err.code === 'ERR_BAD_REQUEST').toBe(true);
      expect((err as Error).message.startsWith(c.Err)).toBe(true);
      return;
    }
    expect(parseRules(c.Rules, syntax)).toEqual(fromGo(c.Expected!));
  });
});

describe('TestMergePolicies', () => {
  it.each(tables.merge_policies.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const inputs = c.input.map(fromGo);
    const before = JSON.stringify(inputs);
    expect(sorted(mergePolicies(inputs))).toEqual(sorted(fromGo(c.expected)));
    // Unlike Go's merger, Muster's leaves its inputs alone (they are cached, parsed policies).
    expect(JSON.stringify(inputs)).toBe(before);
  });
});

describe('TestPrecedence', () => {
  it.each(tables.precedence.map((c) => [c.name, c] as const))('%s', (_, c) => {
    expect(takesPrecedenceOver(c.a, c.b)).toBe(c.expected);
  });
});
