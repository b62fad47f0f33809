/**
 * Property tests: the precomputed rule lookups (rule-tree.ts, and the merge in front of them)
 * against a naive, linear reading of Consul's rules, over random rule sets and names.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PolicyDecisions, denyAll, policyAuthorizer } from './authorizer.js';
import { emptyPolicyRules, mergePolicies, parseRules, takesPrecedenceOver, translateLegacyRules, type AccessLevel, type PolicyRules } from './policy.js';
import { RuleTree, enforce, type Decision } from './rule-tree.js';

type Rule = readonly [name: string, level: AccessLevel, isPrefix: boolean];

// Few characters, so that names are often prefixes of each other; one astral character, so
// that surrogate pairs get split across tree edges.
const name = fc.array(fc.constantFrom('a', 'b', '/', 'é', '😀'), { maxLength: 5 }).map((cs) => cs.join(''));
const level = fc.constantFrom<AccessLevel>('deny', 'read', 'list', 'write');
const rule: fc.Arbitrary<Rule> = fc.tuple(name, level, fc.boolean());
const rules = fc.array(rule, { maxLength: 30 });
/** Names to ask about: the rules' own names, their extensions and truncations, and others. */
const queries = (rs: readonly Rule[]): fc.Arbitrary<string[]> =>
  fc.array(
    fc.oneof(name, ...(rs.length > 0 ? [fc.constantFrom(...rs.map((r) => r[0])).chain((n) => fc.tuple(fc.nat(n.length), name).map(([cut, tail]) => n.slice(0, cut) + tail))] : [])),
    { minLength: 1, maxLength: 20 },
  );

/** The last rule of each name and kind, as inserting into Consul's radix tree keeps it. */
function leaves(rs: readonly Rule[]): Map<string, { exact?: AccessLevel; prefix?: AccessLevel }> {
  const m = new Map<string, { exact?: AccessLevel; prefix?: AccessLevel }>();
  for (const [n, l, isPrefix] of rs) {
    const leaf = m.get(n) ?? {};
    if (isPrefix) leaf.prefix = l;
    else leaf.exact = l;
    m.set(n, leaf);
  }
  return m;
}

/** getPolicy, linearly: the exact rule, else the longest prefix rule that matches. */
function naiveLookup(rs: readonly Rule[], q: string): AccessLevel | undefined {
  const ls = leaves(rs);
  if (ls.get(q)?.exact !== undefined) return ls.get(q)!.exact;
  let best: [string, AccessLevel] | undefined;
  for (const [n, leaf] of ls) if (leaf.prefix !== undefined && q.startsWith(n) && (!best || n.length > best[0].length)) best = [n, leaf.prefix];
  return best?.[1];
}

/** KeyWritePrefix, linearly, as its comment in policy_authorizer.go states the conditions. */
function naiveKeyWritePrefix(rs: readonly Rule[], prefix: string): Decision {
  const ls = leaves(rs);
  let base: [string, AccessLevel] | undefined;
  for (const [n, leaf] of ls) if (leaf.prefix !== undefined && prefix.startsWith(n) && (!base || n.length > base[0].length)) base = [n, leaf.prefix];
  if (base && base[1] !== 'write') return 'deny';
  for (const [n, leaf] of ls) {
    if (!n.startsWith(prefix)) continue;
    if ((leaf.prefix !== undefined && leaf.prefix !== 'write') || (leaf.exact !== undefined && leaf.exact !== 'write')) return 'deny';
  }
  return base ? 'allow' : 'default';
}

/** anyAllowed / allAllowed over all the leaves, with the catch-all "" prefix rule first. */
function naiveAnyAll(rs: readonly Rule[], required: 'read' | 'list' | 'write'): [Decision, Decision] {
  const ls = [...leaves(rs).entries()];
  const root = leaves(rs).get('');
  const rootPrefix = root ? enforce(root.prefix, required) : 'default';
  const anyLeaf = ls.some(([, l]) => {
    const p = enforce(l.prefix, required);
    return p === 'allow' || (l.exact !== undefined && enforce(l.exact, required) === 'allow');
  });
  const any: Decision = rootPrefix === 'allow' || anyLeaf ? 'allow' : rootPrefix;
  const anyDenies = ls.some(([, l]) => {
    const p = enforce(l.prefix, required);
    if (p === 'deny') return true;
    return l.exact !== undefined && enforce(l.exact, required) === 'deny';
  });
  const all: Decision = rootPrefix === 'deny' || anyDenies ? 'deny' : rootPrefix;
  return [any, all];
}

describe('RuleTree against a linear reading of the rules', () => {
  it('lookup (getPolicy) and keyWritePrefix', () => {
    fc.assert(
      fc.property(rules.chain((rs) => fc.tuple(fc.constant(rs), queries(rs))), ([rs, qs]) => {
        const tree = new RuleTree(rs);
        for (const q of qs) {
          expect(tree.lookup(q)).toBe(naiveLookup(rs, q));
          expect(tree.keyWritePrefix(q)).toBe(naiveKeyWritePrefix(rs, q));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('anyAllowed and allAllowed', () => {
    fc.assert(
      fc.property(rules, (rs) => {
        const tree = new RuleTree(rs);
        for (const required of ['read', 'list', 'write'] as const) {
          expect([tree.anyAllowed(required), tree.allAllowed(required)]).toEqual(naiveAnyAll(rs, required));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('several policies: merged, then looked up', () => {
  const keyPolicy = fc.array(rule, { maxLength: 12 }).map((rs): PolicyRules => ({
    ...emptyPolicyRules(),
    keys: rs.filter((r) => !r[2]).map(([prefix, policy]) => ({ prefix, policy })),
    keyPrefixes: rs.filter((r) => r[2]).map(([prefix, policy]) => ({ prefix, policy })),
  }));

  it('keyRead/keyList/keyWrite follow the strongest rule of each name (deny > write > list > read)', () => {
    fc.assert(
      fc.property(fc.array(keyPolicy, { minLength: 1, maxLength: 3 }).chain((ps) => fc.tuple(fc.constant(ps), queries(ps.flatMap((p) => p.keys.map((k) => [k.prefix, 'read', false] as const))))), ([ps, qs]) => {
        // The naive merge: for each name and kind, the rule that takes precedence.
        const merged = new Map<string, AccessLevel>();
        for (const p of ps) {
          for (const [list, isPrefix] of [[p.keys, false], [p.keyPrefixes, true]] as const) {
            for (const r of list) {
              const k = `${isPrefix}:${r.prefix}`;
              const cur = merged.get(k);
              if (cur === undefined || takesPrecedenceOver(r.policy, cur)) merged.set(k, r.policy as AccessLevel);
            }
          }
        }
        const rs: Rule[] = [...merged].map(([k, l]) => [k.slice(k.indexOf(':') + 1), l, k.startsWith('true')]);
        const d = new PolicyDecisions(mergePolicies(ps));
        const a = policyAuthorizer(ps, denyAll);
        for (const q of qs) {
          const l = naiveLookup(rs, q);
          expect(d.keyRead(q)).toBe(enforce(l, 'read'));
          expect(d.keyList(q)).toBe(enforce(l, 'list'));
          expect(a.keyWrite(q)).toBe(enforce(l, 'write') === 'allow');
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('texts', () => {
  const legacyRule = fc.tuple(fc.constantFrom('agent', 'event', 'key', 'node', 'query', 'service', 'session'), name, fc.constantFrom('read', 'write', 'deny'));

  it('HCL and JSON rules parse alike, and translating legacy rules keeps their meaning', () => {
    fc.assert(
      fc.property(fc.array(legacyRule, { maxLength: 10 }), fc.constantFrom('read', 'write', 'deny', ''), (rs, keyring) => {
        const hcl = rs.map(([res, n, p]) => `${res} ${JSON.stringify(n)} {\n  policy = ${JSON.stringify(p)}\n}`).join('\n') + (keyring ? `\nkeyring = "${keyring}"` : '');
        const json: Record<string, unknown> = keyring ? { keyring } : {};
        const grouped = new Map<string, [string, string][]>();
        for (const [res, n, p] of rs) grouped.set(res, [...(grouped.get(res) ?? []), [n, p]]);
        // A JSON object holds a name once; a list of objects keeps every rule, in order.
        for (const [res, list] of grouped) json[res] = list.map(([n, p]) => ({ [n]: { policy: p } }));
        const legacy = parseRules(hcl, 'legacy');
        expect(parseRules(JSON.stringify(json), 'legacy')).toEqual(legacy);
        expect(parseRules(translateLegacyRules(hcl), 'current')).toEqual(legacy);
        expect(parseRules(translateLegacyRules(JSON.stringify(json)), 'current')).toEqual(legacy);
      }),
      { numRuns: 500 },
    );
  });
});
