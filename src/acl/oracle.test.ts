/**
 * Differential tests: what Consul 1.8.7's own acl package (with hcl 1.0.0) answered for a
 * seeded corpus of rules texts and checks (testdata/README.md, tools/regen.sh).
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MusterError } from '../lib/index.js';
import { PolicyDecisions, policyAuthorizer, rootAuthorizer } from './authorizer.js';
import { emptyPolicyRules, mergePolicies, parseRules, translateLegacyRules, type PolicyRules, type SyntaxVersion } from './policy.js';

interface Answer {
  error?: string;
  panic?: string;
}
interface ParseCase extends Answer {
  syntax: SyntaxVersion;
  rules: string;
  policy?: Partial<PolicyRules>;
}
interface TranslateCase extends Answer {
  rules: string;
  output?: string;
}
interface AuthzCase extends Answer {
  parent: '' | 'allow' | 'deny' | 'manage';
  policies: { syntax: SyntaxVersion; rules: string }[];
  decisions?: string;
}
const oracle = JSON.parse(readFileSync(new URL('./testdata/consul-1.8.7-oracle.json', import.meta.url), 'utf8')) as {
  parse: ParseCase[];
  translate: TranslateCase[];
  authz: { checks: ([string] | [string, string])[]; cases: AuthzCase[] };
};

/** The thrown error's message, or the result. */
function outcome<T>(fn: () => T): { ok: T } | { error: string } {
  try {
    return { ok: fn() };
  } catch (e) {
    if (!MusterError.is(e)) throw e;
    expect(e.code).toBe('ERR_BAD_REQUEST');
    return { error: e.message };
  }
}

/** Where Go panics, Muster fails the request with the panic's text. */
const expectedError = (prefix: string, c: Answer): { error: string } => ({ error: c.error ?? `${prefix}: ${c.panic}` });

describe('Consul 1.8.7 oracle', () => {
  it(`parseRules agrees with NewPolicyFromSource (${oracle.parse.length} texts)`, () => {
    const mismatches = oracle.parse.flatMap((c) => {
      const want = c.policy ? { ok: { ...emptyPolicyRules(), ...c.policy } } : expectedError('Failed to parse ACL rules', c);
      const got = outcome(() => parseRules(c.rules, c.syntax));
      return isDeepStrictEqual(got, want) ? [] : [{ syntax: c.syntax, rules: c.rules, got, want }];
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it(`translateLegacyRules agrees with TranslateLegacyRules (${oracle.translate.length} texts)`, () => {
    const mismatches = oracle.translate.flatMap((c) => {
      const want = c.output !== undefined ? { ok: c.output } : expectedError('Failed to parse rules', c);
      const got = outcome(() => translateLegacyRules(c.rules));
      return isDeepStrictEqual(got, want) ? [] : [{ rules: c.rules, got, want }];
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it(`authorizers agree with NewPolicyAuthorizer[WithDefaults] (${oracle.authz.cases.length} policy sets)`, () => {
    const { checks, cases } = oracle.authz;
    const mismatches = cases.flatMap((c) => {
      const got = outcome(() => {
        const rules = c.policies.map((p) => parseRules(p.rules, p.syntax));
        if (c.parent === '') {
          const d = new PolicyDecisions(mergePolicies(rules)) as unknown as Record<string, (s?: string) => string>;
          return checks.map(([m, s]) => ({ allow: 'A', deny: 'D', default: '-' })[d[m]!.call(d, s)]).join('');
        }
        const a = policyAuthorizer(rules, rootAuthorizer(c.parent)!) as unknown as Record<string, (s?: string) => boolean>;
        return checks.map(([m, s]) => (a[m]!.call(a, s) ? 'A' : 'D')).join('');
      });
      const want = c.decisions !== undefined ? { ok: c.decisions } : { error: c.error };
      if (isDeepStrictEqual(got, want)) return [];
      const diff = 'ok' in got && 'ok' in want ? checks.filter((_, i) => got.ok[i] !== want.ok![i]).slice(0, 5) : [];
      return [{ parent: c.parent, policies: c.policies, diff, got, want }];
    });
    expect(mismatches.slice(0, 3)).toEqual([]);
  });
});

