import { describe, expect, it } from 'vitest';
import { MusterError } from '../lib/index.js';
import { emptyPolicyRules, GLOBAL_MANAGEMENT_RULES, mergePolicies, parseRules, translateLegacyRules, type PolicyRules } from './policy.js';

const rules = (partial: Partial<PolicyRules>): PolicyRules => ({ ...emptyPolicyRules(), ...partial });

function errorOf(fn: () => unknown): MusterError {
  try {
    fn();
  } catch (e) {
    if (MusterError.is(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('parseRules()', () => {
  it('an empty text is an empty policy, in both syntaxes', () => {
    expect(parseRules('')).toEqual(emptyPolicyRules());
    expect(parseRules('', 'legacy')).toEqual(emptyPolicyRules());
    expect(parseRules('  \n# nothing\n')).toEqual(emptyPolicyRules());
  });

  it('reads every resource of the current syntax, exact and prefix', () => {
    const text = `
      acl = "read"
      agent "a1" { policy = "read" }
      agent_prefix "a" { policy = "write" }
      event "e1" { policy = "deny" }
      event_prefix "" { policy = "read" }
      key "k/1" { policy = "list" }
      key_prefix "k/" { policy = "write" }
      keyring = "write"
      node "n1" { policy = "write" }
      node_prefix "" { policy = "read" }
      operator = "deny"
      query "q1" { policy = "write" }
      query_prefix "q" { policy = "read" }
      service "web" { policy = "write" intentions = "deny" }
      service_prefix "" { policy = "read" }
      session "n1" { policy = "write" }
      session_prefix "" { policy = "deny" }`;
    expect(parseRules(text)).toEqual({
      acl: 'read',
      agents: [{ node: 'a1', policy: 'read' }],
      agentPrefixes: [{ node: 'a', policy: 'write' }],
      events: [{ event: 'e1', policy: 'deny' }],
      eventPrefixes: [{ event: '', policy: 'read' }],
      keys: [{ prefix: 'k/1', policy: 'list' }],
      keyPrefixes: [{ prefix: 'k/', policy: 'write' }],
      keyring: 'write',
      nodes: [{ name: 'n1', policy: 'write' }],
      nodePrefixes: [{ name: '', policy: 'read' }],
      operator: 'deny',
      preparedQueries: [{ prefix: 'q1', policy: 'write' }],
      preparedQueryPrefixes: [{ prefix: 'q', policy: 'read' }],
      services: [{ name: 'web', policy: 'write', intentions: 'deny' }],
      servicePrefixes: [{ name: '', policy: 'read', intentions: '' }],
      sessions: [{ node: 'n1', policy: 'write' }],
      sessionPrefixes: [{ node: '', policy: 'deny' }],
    });
  });

  it('JSON rules are read like HCL: objects of objects, and lists of them', () => {
    const hcl = 'key "a" { policy = "read" }\nkey "b" { policy = "write" }\nservice "" { policy = "read" }\nkeyring = "read"';
    const json = '{"key": {"a": {"policy": "read"}, "b": {"policy": "write"}}, "service": [{"": {"policy": "read"}}], "keyring": "read"}';
    expect(parseRules(json)).toEqual(parseRules(hcl));
    expect(parseRules(hcl)).toEqual(rules({
      keys: [{ prefix: 'a', policy: 'read' }, { prefix: 'b', policy: 'write' }],
      services: [{ name: '', policy: 'read', intentions: '' }],
      keyring: 'read',
    }));
  });

  it('reads the other HCL shapes hcl.Decode accepts', () => {
    const want = rules({ keys: [{ prefix: 'a', policy: 'read' }] });
    expect(parseRules('key = { a = { policy = "read" } }')).toEqual(want);
    expect(parseRules('KEY "a" { Policy = "read" }')).toEqual(want);
    expect(parseRules('"key" "a" { "policy" = "read" }')).toEqual(want);
    // Repeated blocks append, in order; a repeated value keeps the last one.
    expect(parseRules('key "a" { policy = "read" policy = "write" } key "a" { policy = "deny" }').keys).toEqual([
      { prefix: 'a', policy: 'write' },
      { prefix: 'a', policy: 'deny' },
    ]);
  });

  it('legacy rules: every named rule is a prefix rule, and only the legacy resources count', () => {
    const text = 'key "foo/" { policy = "write" }\nservice "" { policy = "read" intentions = "deny" }\nkey_prefix "x" { policy = "deny" }\nacl = "write"\noperator = "read"';
    expect(parseRules(text, 'legacy')).toEqual(rules({
      keyPrefixes: [{ prefix: 'foo/', policy: 'write' }],
      servicePrefixes: [{ name: '', policy: 'read', intentions: 'deny' }],
      operator: 'read',
    }));
  });

  it('ignores what OSS Consul ignores (unknown keys, sentinel policies)', () => {
    const text = 'key "a" {\n  policy = "write"\n  sentinel {\n    code = "main = rule { true }"\n    enforcementlevel = "hard-mandatory"\n  }\n}\nnamespace "x" {}\nid = "ignored"';
    expect(parseRules(text)).toEqual(rules({ keys: [{ prefix: 'a', policy: 'write' }] }));
  });

  it('keeps policy strings as written (validated case-insensitively)', () => {
    expect(parseRules('key "a" { policy = "READ" }').keys).toEqual([{ prefix: 'a', policy: 'READ' }]);
    // A number is read as its text, and then is no policy.
    expect(errorOf(() => parseRules('key "a" { policy = 1 }')).message).toBe(
      'Invalid key policy: &acl.KeyRule{Prefix:"a", Policy:"1", EnterpriseRule:acl.EnterpriseRule{}}',
    );
  });

  it('rejects bad values with Consul\'s messages (ERR_BAD_REQUEST)', () => {
    const cases: [string, string][] = [
      ['acl = "list"', 'Invalid acl policy: "list"'],
      ['agent "foo" { policy = "nope" }', 'Invalid agent policy: &acl.AgentRule{Node:"foo", Policy:"nope"}'],
      ['node_prefix "" { policy = "list" }', 'Invalid node_prefix policy: &acl.NodeRule{Name:"", Policy:"list", EnterpriseRule:acl.EnterpriseRule{}}'],
      ['service "foo" { policy = "write" intentions = "foo" }', 'Invalid service intentions policy: &acl.ServiceRule{Name:"foo", Policy:"write", Intentions:"foo", EnterpriseRule:acl.EnterpriseRule{}}'],
      ['session "n" {}', 'Invalid session policy: &acl.SessionRule{Node:"n", Policy:""}'],
      ['query_prefix "q" { policy = "x" }', 'Invalid query_prefix policy: &acl.PreparedQueryRule{Prefix:"q", Policy:"x"}'],
      ['event "e" { policy = "x" }', 'Invalid event policy: &acl.EventRule{Event:"e", Policy:"x"}'],
      ['keyring = "nope"', 'Invalid keyring policy: "nope"'],
      ['operator = "list"', 'Invalid operator policy: "list"'],
    ];
    for (const [text, message] of cases) {
      const e = errorOf(() => parseRules(text));
      expect(e.code).toBe('ERR_BAD_REQUEST');
      expect(e.message).toBe(message);
    }
  });

  it('reports syntax errors as hcl does', () => {
    expect(errorOf(() => parseRules('key "a" { policy = "read" ')).message).toBe('Failed to parse ACL rules: At 1:28: object expected closing RBRACE got: EOF');
    expect(errorOf(() => parseRules('acl = write')).message).toBe('Failed to parse ACL rules: At 1:7: Unknown token: 1:7 IDENT write');
    expect(errorOf(() => parseRules('key "a" { policy = true }')).message).toBe(
      'Failed to parse ACL rules: At 1:20: root.key[0].Policy: unknown type for string *ast.LiteralType',
    );
    expect(errorOf(() => parseRules('revision = 1')).message).toBe('Failed to parse ACL rules: At 1:12: root.revision: unknown kind to decode into: uint64');
    expect(errorOf(() => parseRules('{"key": {"a": {"policy": 01}}}')).message).toBe('Failed to parse ACL rules: 1:27: numbers cannot start with 0');
  });

  it('refuses nesting deeper than HCL_NESTING_MAX (deliberate difference: Go recurses on)', () => {
    expect(errorOf(() => parseRules(`a = ${'['.repeat(300)}`)).message).toBe('Failed to parse ACL rules: At 1:261: nesting too deep');
    expect(errorOf(() => parseRules(`{"a": ${'{"b": '.repeat(300)}`)).message).toBe('Failed to parse ACL rules: nesting too deep');
  });

  it('parses the builtin global-management policy', () => {
    const all = [{ policy: 'write' }];
    expect(parseRules(GLOBAL_MANAGEMENT_RULES)).toEqual(rules({
      acl: 'write',
      keyring: 'write',
      operator: 'write',
      agentPrefixes: all.map((r) => ({ node: '', ...r })),
      eventPrefixes: all.map((r) => ({ event: '', ...r })),
      keyPrefixes: all.map((r) => ({ prefix: '', ...r })),
      nodePrefixes: all.map((r) => ({ name: '', ...r })),
      preparedQueryPrefixes: all.map((r) => ({ prefix: '', ...r })),
      servicePrefixes: [{ name: '', policy: 'write', intentions: 'write' }],
      sessionPrefixes: all.map((r) => ({ node: '', ...r })),
    }));
  });
});

describe('mergePolicies()', () => {
  it('keeps one rule per name: deny beats write beats list beats read', () => {
    const a = parseRules('key "k" { policy = "read" }\nkey "l" { policy = "write" }\nacl = "read"');
    const b = parseRules('key "k" { policy = "list" }\nkey "l" { policy = "deny" }\nkey_prefix "k" { policy = "read" }\nacl = "write"');
    expect(mergePolicies([a, b])).toEqual(rules({
      acl: 'write',
      keys: [{ prefix: 'k', policy: 'list' }, { prefix: 'l', policy: 'deny' }],
      keyPrefixes: [{ prefix: 'k', policy: 'read' }],
    }));
  });

  it('merges a service\'s policy and intentions separately', () => {
    const a = parseRules('service "web" { policy = "write" }');
    const b = parseRules('service "web" { policy = "read" intentions = "deny" }');
    expect(mergePolicies([a, b]).services).toEqual([{ name: 'web', policy: 'write', intentions: 'deny' }]);
    expect(a.services).toEqual([{ name: 'web', policy: 'write', intentions: '' }]);
  });

  it('compares as written: "WRITE" takes precedence over nothing, so `acl = "WRITE"` grants nothing', () => {
    expect(mergePolicies([parseRules('acl = "WRITE"')]).acl).toBe('');
  });
});

describe('translateLegacyRules() (acl/policy_test.go, api/acl_test.go, command/acl/rules)', () => {
  it('TestRulesTranslate: renames each legacy rule, keeping comments', () => {
    const block = (name: string): string => `# block comment\n${name} "" {\n  # policy comment\n  policy = "write"\n}\n\n`;
    const legacy = ['agent', 'key', 'node', 'event', 'service', 'session', 'query'];
    const tail = '# comment\nkeyring = "write"\n\n# comment\noperator = "write"\n';
    const input = `\n# top level comment\n\n${legacy.map(block).join('')}${tail}`;
    const expected = `# top level comment\n\n${legacy.map((n) => block(`${n}_prefix`)).join('')}${tail}`.replace(/\n$/, '');
    expect(translateLegacyRules(input)).toBe(expected);
  });

  it('TestRulesTranslate_GH5493: JSON rules come out as HCL, and only the resource key is renamed', () => {
    const input = `
{
\t"key": {
\t\t"": { "policy": "read" },
\t\t"key": { "policy": "read" },
\t\t"policy": { "policy": "read" },
\t\t"privatething1/": { "policy": "deny" },
\t\t"anapplication/private/": { "policy": "deny" },
\t\t"privatething2/": { "policy": "deny" }
\t},
\t"session": { "": { "policy": "write" } },
\t"node": { "": { "policy": "read" } },
\t"agent": { "": { "policy": "read" } },
\t"service": { "": { "policy": "read" } },
\t"event": { "": { "policy": "read" } },
\t"query": { "": { "policy": "read" } }
}`;
    const block = (res: string, name: string, policy: string): string => `${res} "${name}" {\n  policy = "${policy}"\n}`;
    const expected = [
      block('key_prefix', '', 'read'),
      block('key_prefix', 'key', 'read'),
      block('key_prefix', 'policy', 'read'),
      block('key_prefix', 'privatething1/', 'deny'),
      block('key_prefix', 'anapplication/private/', 'deny'),
      block('key_prefix', 'privatething2/', 'deny'),
      block('session_prefix', '', 'write'),
      block('node_prefix', '', 'read'),
      block('agent_prefix', '', 'read'),
      block('service_prefix', '', 'read'),
      block('event_prefix', '', 'read'),
      block('query_prefix', '', 'read'),
    ].join('\n\n');
    expect(translateLegacyRules(input)).toBe(expected);
  });

  it('TestAPI_RulesTranslate_Raw: re-indents, keeps the leading comment', () => {
    const names = ['agent', 'node', 'service', 'key', 'session', 'event', 'query'];
    const input = `#start of policy\n${names.map((n) => `${n} "" {\n   policy = "read"\n}`).join('\n\n')}`;
    const expected = `#start of policy\n${names.map((n) => `${n}_prefix "" {\n  policy = "read"\n}`).join('\n\n')}`;
    expect(translateLegacyRules(input)).toBe(expected);
  });

  it('TestAPI_RulesTranslate_FromToken and the CLI test: a one-line block is expanded', () => {
    expect(translateLegacyRules('key "" { policy = "deny" }')).toBe('key_prefix "" {\n  policy = "deny"\n}');
    expect(translateLegacyRules('service "" { policy = "write" }')).toBe('service_prefix "" {\n  policy = "write"\n}');
  });

  it('prints JSON items as hcl does: a blank line between each, other keys left quoted', () => {
    expect(translateLegacyRules('{"keyring": "write", "key": {"a": {"policy": "read", "intentions": "x"}}}')).toBe(
      '"keyring" = "write"\n\nkey_prefix "a" {\n  policy = "read"\n\n  "intentions" = "x"\n}',
    );
  });

  it('stops where Go\'s printer would work exponentially long (deliberate difference)', () => {
    const nest = (depth: number): string => `x = 1\ny = {\n${depth > 0 ? nest(depth - 1) : 'z = 1'}\n}`;
    expect(translateLegacyRules(nest(3))).toBe('x = 1\n\ny = {\n  x = 1\n\n  y = {\n    x = 1\n\n    y = {\n      x = 1\n\n      y = {\n        z = 1\n      }\n    }\n  }\n}');
    expect(errorOf(() => translateLegacyRules(nest(30))).message).toBe('Failed to output new rules: rules too deeply nested to print');
  });

  it('fails with "Failed to parse rules: ..." on text hcl cannot parse', () => {
    const e = errorOf(() => translateLegacyRules('key "a" {'));
    expect(e.code).toBe('ERR_BAD_REQUEST');
    expect(e.message).toBe('Failed to parse rules: At 1:11: object expected closing RBRACE got: EOF');
  });
});
