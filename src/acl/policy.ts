/**
 * ACL rules (Consul 1.8.7 acl/policy.go, policy_oss.go, policy_merger.go): parsing the rules text
 * of a policy into PolicyRules, validating it with Consul's messages, merging several policies
 * into one, and translating legacy rules into the current syntax.
 *
 * Rules keep the policy strings exactly as written ("READ" stays "READ"): Consul validates them
 * case-insensitively but compares them case-sensitively when it merges policies and derives a
 * service's intentions, and Muster does the same.
 */
import { goQuote, goUnquote, MusterError } from '../lib/index.js';
import { HclError, HclPanic, type File, type Node, type ObjectItem } from './hcl-ast.js';
import { parseDocument } from './hcl-parser.js';
import { printFile } from './hcl-printer.js';
import { decodeRoot, type DecodedRule, type DecodedStruct, type RuleShape, type StructSpec } from './rules-decode.js';

export type SyntaxVersion = 'current' | 'legacy';

/** The access levels, as AccessLevelFromString reads them (case-insensitively). */
export type AccessLevel = 'deny' | 'read' | 'list' | 'write';

export interface AgentRule { node: string; policy: string }
export interface KeyRule { prefix: string; policy: string }
export interface NodeRule { name: string; policy: string }
export interface ServiceRule {
  name: string;
  policy: string;
  /** The policy on intentions with this service as destination; '' derives it from `policy`. */
  intentions: string;
}
export interface SessionRule { node: string; policy: string }
export interface EventRule { event: string; policy: string }
export interface PreparedQueryRule { prefix: string; policy: string }

/** acl.PolicyRules: the exact (`key`) and prefix (`key_prefix`) rules of each resource. */
export interface PolicyRules {
  acl: string;
  agents: readonly AgentRule[];
  agentPrefixes: readonly AgentRule[];
  keys: readonly KeyRule[];
  keyPrefixes: readonly KeyRule[];
  nodes: readonly NodeRule[];
  nodePrefixes: readonly NodeRule[];
  services: readonly ServiceRule[];
  servicePrefixes: readonly ServiceRule[];
  sessions: readonly SessionRule[];
  sessionPrefixes: readonly SessionRule[];
  events: readonly EventRule[];
  eventPrefixes: readonly EventRule[];
  preparedQueries: readonly PreparedQueryRule[];
  preparedQueryPrefixes: readonly PreparedQueryRule[];
  keyring: string;
  operator: string;
}

type ListField = Exclude<keyof PolicyRules, 'acl' | 'keyring' | 'operator'>;
type AnyRule = AgentRule | KeyRule | NodeRule | ServiceRule | SessionRule | EventRule | PreparedQueryRule;

export function emptyPolicyRules(): PolicyRules {
  return {
    acl: '', agents: [], agentPrefixes: [], keys: [], keyPrefixes: [], nodes: [], nodePrefixes: [],
    services: [], servicePrefixes: [], sessions: [], sessionPrefixes: [], events: [], eventPrefixes: [],
    preparedQueries: [], preparedQueryPrefixes: [], keyring: '', operator: '',
  };
}

/** Consul's structs.ACLPolicyGlobalManagementID, the builtin policy. */
export const GLOBAL_MANAGEMENT_POLICY_ID = '00000000-0000-0000-0000-000000000001';
export const GLOBAL_MANAGEMENT_POLICY_NAME = 'global-management';
/** Consul 1.8.7's structs.ACLPolicyGlobalManagement (OSS), byte for byte. */
export const GLOBAL_MANAGEMENT_RULES = `
acl = "write"
agent_prefix "" {
\tpolicy = "write"
}
event_prefix "" {
\tpolicy = "write"
}
key_prefix "" {
\tpolicy = "write"
}
keyring = "write"
node_prefix "" {
\tpolicy = "write"
}
operator = "write"
query_prefix "" {
\tpolicy = "write"
}
service_prefix "" {
\tpolicy = "write"
\tintentions = "write"
}
session_prefix "" {
\tpolicy = "write"
}`;
/** structs.ACLTokenAnonymousID and the anonymous token's SecretID. */
export const ANONYMOUS_TOKEN_ACCESSOR = '00000000-0000-0000-0000-000000000002';
export const ANONYMOUS_TOKEN_SECRET = 'anonymous';

// ---------------------------------------------------------------------------------------------
// The rule structs, by resource

interface Resource {
  /** The HCL name in the current syntax (`key`, `key_prefix`, ...). */
  hcl: string;
  field: ListField;
  shape: RuleShape;
  /** The TS property holding the label. */
  keyProp: 'node' | 'prefix' | 'name' | 'event';
  allowList: boolean;
}

const AGENT: RuleShape = { goType: 'AgentRule', keyField: 'Node', intentions: false, enterprise: false };
const KEY: RuleShape = { goType: 'KeyRule', keyField: 'Prefix', intentions: false, enterprise: true };
const NODE: RuleShape = { goType: 'NodeRule', keyField: 'Name', intentions: false, enterprise: true };
const SERVICE: RuleShape = { goType: 'ServiceRule', keyField: 'Name', intentions: true, enterprise: true };
const SESSION: RuleShape = { goType: 'SessionRule', keyField: 'Node', intentions: false, enterprise: false };
const EVENT: RuleShape = { goType: 'EventRule', keyField: 'Event', intentions: false, enterprise: false };
const QUERY: RuleShape = { goType: 'PreparedQueryRule', keyField: 'Prefix', intentions: false, enterprise: false };

const res = (hcl: string, field: ListField, shape: RuleShape, keyProp: Resource['keyProp'], allowList = false): Resource =>
  ({ hcl, field, shape, keyProp, allowList });

/** PolicyRules' list fields in Go declaration order: the order of decoding and of validation. */
const CURRENT: readonly Resource[] = [
  res('agent', 'agents', AGENT, 'node'),
  res('agent_prefix', 'agentPrefixes', AGENT, 'node'),
  res('key', 'keys', KEY, 'prefix', true),
  res('key_prefix', 'keyPrefixes', KEY, 'prefix', true),
  res('node', 'nodes', NODE, 'name'),
  res('node_prefix', 'nodePrefixes', NODE, 'name'),
  res('service', 'services', SERVICE, 'name'),
  res('service_prefix', 'servicePrefixes', SERVICE, 'name'),
  res('session', 'sessions', SESSION, 'node'),
  res('session_prefix', 'sessionPrefixes', SESSION, 'node'),
  res('event', 'events', EVENT, 'event'),
  res('event_prefix', 'eventPrefixes', EVENT, 'event'),
  res('query', 'preparedQueries', QUERY, 'prefix'),
  res('query_prefix', 'preparedQueryPrefixes', QUERY, 'prefix'),
];

/** parseLegacy's LegacyPolicy: each named rule is a prefix rule. */
const LEGACY: readonly Resource[] = [
  res('agent', 'agentPrefixes', AGENT, 'node'),
  res('key', 'keyPrefixes', KEY, 'prefix', true),
  res('node', 'nodePrefixes', NODE, 'name'),
  res('service', 'servicePrefixes', SERVICE, 'name'),
  res('session', 'sessionPrefixes', SESSION, 'node'),
  res('event', 'eventPrefixes', EVENT, 'event'),
  res('query', 'preparedQueryPrefixes', QUERY, 'prefix'),
];

const ruleFields = (list: readonly Resource[]): StructSpec => list.map((r) => ({ hcl: r.hcl, kind: 'rules', shape: r.shape }) as const);
/** Policy: ID and Revision, then the squashed PolicyRules (acl first, keyring and operator last). */
const CURRENT_SPEC: StructSpec = [
  { hcl: 'id', kind: 'string' },
  { hcl: 'revision', kind: 'uint64' },
  { hcl: 'acl', kind: 'string' },
  ...ruleFields(CURRENT),
  { hcl: 'keyring', kind: 'string' },
  { hcl: 'operator', kind: 'string' },
];
const LEGACY_SPEC: StructSpec = [...ruleFields(LEGACY), { hcl: 'keyring', kind: 'string' }, { hcl: 'operator', kind: 'string' }];

// ---------------------------------------------------------------------------------------------
// Parsing

const badRequest = (text: string): MusterError => new MusterError('ERR_BAD_REQUEST', text);

/** AccessLevelFromString; undefined for an invalid level. */
export function accessLevel(level: string): AccessLevel | undefined {
  const l = level.toLowerCase();
  return l === 'deny' || l === 'read' || l === 'list' || l === 'write' ? l : undefined;
}

/** isPolicyValid: a known level, and `list` only where allowed (keys). */
function isPolicyValid(policy: string, allowList: boolean): boolean {
  const level = accessLevel(policy);
  return level !== undefined && (allowList || level !== 'list');
}

/**
 * strconv.Quote, as `%#v` prints a string: lib's goQuote, except that non-ASCII runes Go does
 * not count as printable (spaces other than ' ', controls, format characters) are escaped.
 */
function goQuoteV(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80 || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch)) out += goQuote(ch).slice(1, -1);
    else out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  }
  return `"${out}"`;
}

/** Go's `%#v` of a rule, as Consul's validation errors print it. */
function goRuleString(shape: RuleShape, rule: DecodedRule): string {
  let s = `&acl.${shape.goType}{${shape.keyField}:${goQuoteV(rule.key)}, Policy:${goQuoteV(rule.policy)}`;
  if (shape.intentions) s += `, Intentions:${goQuoteV(rule.intentions)}`;
  if (shape.enterprise) s += ', EnterpriseRule:acl.EnterpriseRule{}';
  return `${s}}`;
}

/** Parses text with hcl.Decode's semantics; errors as Consul wraps them. */
function decode(text: string, spec: StructSpec): DecodedStruct {
  try {
    return decodeRoot(parseDocument(text).node, spec);
  } catch (e) {
    if (e instanceof HclError || e instanceof HclPanic) throw badRequest(`Failed to parse ACL rules: ${e.message}`);
    throw e;
  }
}

/**
 * acl.NewPolicyFromSource: the rules of a policy (HCL or JSON) in the current or the legacy
 * syntax. An empty text is an empty policy. Throws MusterError ERR_BAD_REQUEST with Consul's
 * message ("Failed to parse ACL rules: ...", "Invalid key policy: ...").
 */
export function parseRules(text: string, syntax: SyntaxVersion = 'current'): PolicyRules {
  if (text === '') return emptyPolicyRules();
  const legacy = syntax === 'legacy';
  const decoded = decode(text, legacy ? LEGACY_SPEC : CURRENT_SPEC);
  const out: Record<string, unknown> = { ...emptyPolicyRules() };
  const scalar = (hcl: string): string => (decoded.get(hcl) as string | undefined) ?? '';
  // Validation in PolicyRules.Validate's order (parseLegacy checks the same way).
  const acl = scalar('acl');
  if (!legacy && acl !== '' && !isPolicyValid(acl, false)) throw badRequest(`Invalid acl policy: ${goQuoteV(acl)}`);
  out.acl = legacy ? '' : acl;
  for (const r of legacy ? LEGACY : CURRENT) {
    const decodedRules = (decoded.get(r.hcl) as DecodedRule[] | undefined) ?? [];
    for (const rule of decodedRules) {
      if (!isPolicyValid(rule.policy, r.allowList)) throw badRequest(`Invalid ${r.hcl} policy: ${goRuleString(r.shape, rule)}`);
      if (r.shape.intentions && rule.intentions !== '' && !isPolicyValid(rule.intentions, false)) {
        throw badRequest(`Invalid ${r.hcl} intentions policy: ${goRuleString(r.shape, rule)}`);
      }
    }
    out[r.field] = decodedRules.map((d) => toRule(r, d));
  }
  for (const name of ['keyring', 'operator'] as const) {
    const v = scalar(name);
    if (v !== '' && !isPolicyValid(v, false)) throw badRequest(`Invalid ${name} policy: ${goQuoteV(v)}`);
    out[name] = v;
  }
  return out as unknown as PolicyRules;
}

function toRule(r: Resource, d: DecodedRule): AnyRule {
  const rule: Record<string, string> = { [r.keyProp]: d.key, policy: d.policy };
  if (r.shape.intentions) rule.intentions = d.intentions;
  return rule as unknown as AnyRule;
}

// ---------------------------------------------------------------------------------------------
// Merging (PolicyMerger)

/**
 * takesPrecedenceOver: when policies disagree on one rule, deny beats write beats list beats
 * read beats anything else (compared as written: "WRITE" is "anything else").
 */
export function takesPrecedenceOver(a: string, b: string): boolean {
  for (const level of ['deny', 'write', 'list', 'read']) {
    if (a === level) return true;
    if (b === level) return false;
  }
  return false;
}

/**
 * acl.MergePolicies: one rule per resource and name across all the policies, the one that
 * takes precedence winning; for services the policy and the intentions are merged separately.
 */
export function mergePolicies(policies: readonly PolicyRules[]): PolicyRules {
  const merged: Record<string, unknown> = {};
  for (const name of ['acl', 'keyring', 'operator'] as const) {
    let level = '';
    for (const p of policies) if (takesPrecedenceOver(p[name], level)) level = p[name];
    merged[name] = level;
  }
  for (const r of CURRENT) {
    const byName = new Map<string, AnyRule>();
    for (const p of policies) for (const rule of p[r.field] as readonly AnyRule[]) mergeRule(byName, r, rule);
    merged[r.field] = [...byName.values()];
  }
  return merged as unknown as PolicyRules;
}

/** Merges one rule in; rules are copied, never changed in place (inputs are cached, parsed policies). */
function mergeRule(byName: Map<string, AnyRule>, r: Resource, rule: AnyRule): void {
  const name = (rule as unknown as Record<string, string>)[r.keyProp]!;
  const existing = byName.get(name);
  if (!existing) {
    byName.set(name, { ...rule });
    return;
  }
  if (!r.shape.intentions) {
    if (takesPrecedenceOver(rule.policy, existing.policy)) byName.set(name, { ...rule });
    return;
  }
  const svc = existing as ServiceRule;
  if (takesPrecedenceOver(rule.policy, svc.policy)) svc.policy = rule.policy;
  const intentions = (rule as ServiceRule).intentions;
  if (takesPrecedenceOver(intentions, svc.intentions)) svc.intentions = intentions;
}

// ---------------------------------------------------------------------------------------------
// Translation

/** The legacy resource names and the prefix rules they become. */
const TRANSLATIONS: ReadonlyMap<string, string> = new Map([
  ['policy', 'policy'],
  ['agent', 'agent_prefix'],
  ['key', 'key_prefix'],
  ['node', 'node_prefix'],
  ['query', 'query_prefix'],
  ['service', 'service_prefix'],
  ['session', 'session_prefix'],
  ['event', 'event_prefix'],
]);

/**
 * TranslateLegacyRules' ast.Walk: every item's first key, at any depth, if it names a legacy
 * resource (quoted or not), is replaced by the prefix rule's name; `"policy"` loses its quotes.
 * JSON items flattened from one object share their first key, so it is renamed once.
 */
function renameLegacyKeys(items: readonly ObjectItem[]): void {
  for (const item of items) {
    const key = item.keys[0];
    if (key) {
      let txt: string | undefined = key.token.text;
      if (key.token.type === 'STRING') {
        const v = goUnquote(txt);
        txt = v.ok ? v.value : undefined;
      }
      const renamed = txt === undefined ? undefined : TRANSLATIONS.get(txt);
      if (renamed !== undefined) key.token.text = renamed;
    }
    renameInValue(item.val);
  }
}

function renameInValue(n: Node): void {
  if (n.kind === 'object') renameLegacyKeys(n.list.items);
  else if (n.kind === 'list') n.list.forEach(renameInValue);
}

/**
 * acl.TranslateLegacyRules (/v1/acl/rules/translate): renames every legacy rule to its prefix
 * rule (at any depth, as Consul walks the whole tree) and prints the result with hcl's printer.
 * JSON input comes out as HCL. Throws ERR_BAD_REQUEST "Failed to parse rules: ...", or
 * "Failed to output new rules: ..." for nesting Go's printer would take minutes over.
 */
export function translateLegacyRules(text: string): string {
  let file: File;
  try {
    file = parseDocument(text);
  } catch (e) {
    if (e instanceof HclError || e instanceof HclPanic) throw badRequest(`Failed to parse rules: ${e.message}`);
    throw e;
  }
  renameLegacyKeys(file.node.items);
  try {
    return printFile(file);
  } catch (e) {
    if (e instanceof HclPanic) throw badRequest(`Failed to output new rules: ${e.message}`);
    throw e;
  }
}
