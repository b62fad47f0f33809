/**
 * hcl.Decode (hashicorp/hcl v1.0.0 decoder.go) specialised to the structs Consul decodes ACL
 * rules into (acl/policy.go Policy and parseLegacy's LegacyPolicy). Go's decoder is generic
 * reflection; these are the paths it takes for exactly these field types, with its quirks:
 *
 * - keys match field names case-insensitively (`KEY "a" { Policy = "read" }` works);
 * - a number decodes into a string field as its text (`policy = 1` is the policy "1");
 * - a repeated scalar keeps the last value, repeated blocks append;
 * - `key "a" "b" {}` (two labels) nests one level, three labels ignore the extra ones;
 * - unknown keys are ignored (so are Consul Enterprise fields like `sentinel` in OSS);
 * - `revision = 1` fails, as Policy.Revision is a uint64 the decoder has no case for.
 *
 * Errors are hcl's texts and positions ("At 1:12: root.revision: ...").
 */
import {
  NO_POS,
  goTypeName,
  nodePos,
  posError,
  type Node,
  type ObjectItem,
  type ObjectList,
} from './hcl-ast.js';
import { equalFold, tokenValue } from './hcl-values.js';

/** A rule struct: its Go name and fields, for decoding and for Go's `%#v` in errors. */
export interface RuleShape {
  goType: string;
  /** The Go field that takes the block's label (`hcl:",key"`). */
  keyField: string;
  /** Whether the struct has the Intentions field (ServiceRule). */
  intentions: boolean;
  /** Whether the struct embeds the (empty, in OSS) EnterpriseRule. */
  enterprise: boolean;
}

/** What one rule block decodes to: its label and its string fields (Go's zero value: ''). */
export interface DecodedRule {
  key: string;
  policy: string;
  intentions: string;
}

export type FieldSpec =
  | { hcl: string; kind: 'string' }
  | { hcl: string; kind: 'uint64' }
  | { hcl: string; kind: 'rules'; shape: RuleShape };

/** A struct's fields in Go declaration order (which is the order errors are found in). */
export type StructSpec = readonly FieldSpec[];

export type DecodedStruct = Map<string, string | DecodedRule[]>;

/** decodeStruct for the top-level struct: fields by their `hcl` name. */
export function decodeRoot(root: ObjectList, spec: StructSpec): DecodedStruct {
  const out: DecodedStruct = new Map();
  for (const field of spec) {
    const { prefixMatches, matches } = filter(root, field.hcl);
    if (prefixMatches.length === 0 && matches.length === 0) continue;
    const name = `root.${field.hcl}`;
    // Labelled items first (`acl "x" {}`), then plain ones (`acl = ...`), as Go does.
    const nodes: Node[] = [];
    if (prefixMatches.length > 0) nodes.push({ kind: 'list-of-items', items: prefixMatches });
    for (const m of matches) nodes.push(m.val.kind === 'object' ? { kind: 'list-of-items', items: m.val.list.items } : m.val);
    if (field.kind === 'uint64') throw posError(nodePos(nodes[0]!), `${name}: unknown kind to decode into: uint64`);
    if (field.kind === 'string') {
      for (const n of nodes) out.set(field.hcl, decodeString(name, n));
      continue;
    }
    const rules = (out.get(field.hcl) as DecodedRule[] | undefined) ?? [];
    for (const n of nodes) decodeRuleSlice(name, n, field.shape, rules);
    out.set(field.hcl, rules);
  }
  return out;
}

/** ObjectList.Filter split the way decodeStruct uses it: with labels left, and without. */
function filter(list: ObjectList, key: string): { prefixMatches: ObjectItem[]; matches: ObjectItem[] } {
  const prefixMatches: ObjectItem[] = [];
  const matches: ObjectItem[] = [];
  for (const item of list.items) {
    const first = item.keys[0];
    if (first === undefined || !equalFold(tokenValue(first.token), key)) continue;
    const rest: ObjectItem = { ...item, keys: item.keys.slice(1) };
    (rest.keys.length > 0 ? prefixMatches : matches).push(rest);
  }
  return { prefixMatches, matches };
}

/** decodeString: a string or heredoc's value, or a number's text. */
function decodeString(name: string, node: Node): string {
  if (node.kind === 'literal') {
    const t = node.token;
    if (t.type === 'NUMBER') return t.text;
    if (t.type === 'STRING' || t.type === 'HEREDOC') return tokenValue(t);
  }
  throw posError(nodePos(node), `${name}: unknown type for string ${goTypeName(node)}`);
}

/** decodeSlice into []*XxxRule: each element decoded as a rule, appended. */
function decodeRuleSlice(name: string, node: Node, shape: RuleShape, out: DecodedRule[]): void {
  let items: Node[];
  if (node.kind === 'list-of-items') items = node.items;
  else if (node.kind === 'object') items = [node];
  else if (node.kind === 'list') items = node.list;
  else throw posError(nodePos(node), `unknown slice type: ${goTypeName(node)}`);
  items.forEach((item, i) => out.push(decodeRule(`${name}[${i}]`, expandObject(item), shape)));
}

/** expandObject: an item with two labels becomes the first label holding an object of the second. */
function expandObject(node: Node): Node {
  if (node.kind !== 'item' || node.keys.length !== 2) return node;
  const inner: ObjectItem = { ...node, keys: node.keys.slice(1) };
  const list: ObjectList = { kind: 'list-of-items', items: [inner] };
  return {
    kind: 'item',
    keys: [node.keys[0]!],
    assign: NO_POS,
    val: { kind: 'object', lbrace: NO_POS, rbrace: NO_POS, list },
    leadComment: undefined,
    lineComment: undefined,
  };
}

/** decodeStruct for one rule: the label, then Policy (and Intentions). */
function decodeRule(name: string, node: Node, shape: RuleShape): DecodedRule {
  let item: ObjectItem | undefined;
  let body: Node = node;
  if (body.kind === 'item') {
    item = body;
    body = body.val;
  }
  if (body.kind === 'object') body = body.list;
  if (body.kind === 'literal' && item) body = { kind: 'list-of-items', items: [item] };
  if (body.kind !== 'list-of-items') {
    throw posError(nodePos(body), `${name}: not an object type for struct (${goTypeName(body)})`);
  }
  if (!item) throw posError(nodePos(body), `${name}: ${shape.keyField} asked for 'key', impossible`);
  const rule: DecodedRule = { key: tokenValue(item.keys[0]!.token), policy: '', intentions: '' };
  rule.policy = decodeStringField(name, body, 'Policy') ?? '';
  if (shape.intentions) rule.intentions = decodeStringField(name, body, 'Intentions') ?? '';
  return rule;
}

function decodeStringField(parent: string, list: ObjectList, field: string): string | undefined {
  const { prefixMatches, matches } = filter(list, field);
  const name = `${parent}.${field}`;
  let value: string | undefined;
  if (prefixMatches.length > 0) value = decodeString(name, { kind: 'list-of-items', items: prefixMatches });
  for (const m of matches) {
    value = decodeString(name, m.val.kind === 'object' ? { kind: 'list-of-items', items: m.val.list.items } : m.val);
  }
  return value;
}
