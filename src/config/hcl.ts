/**
 * HCL1, as Consul 1.8.7 reads a config file: hashicorp/hcl v1.0.0 parses the text and decodes
 * it into a map[string]interface{}, then Consul's lib.PatchSliceOfMaps unwraps the one-element
 * lists HCL makes of every block. `parseHcl` returns the plain JS value Consul ends up with, so
 * the config layer treats JSON and HCL files alike. Pure: no I/O, no clock, no randomness.
 *
 * Semantics (each checked against the Consul 1.8.7 binary where it says "Consul"):
 * - `ports { http = 1 }` and `ports = { http = 1 }` are the same. HCL1 decodes both to a list
 *   of one map; Consul unwraps it, so a single block is a plain object here.
 * - A key repeated at one level (HCL1's decoder, "decoding into the existing value"):
 *   - blocks / object values accumulate into an array in order (Consul: two `ports {}` blocks
 *     give "'ports' expected a map, got 'slice'", so the array is what the schema layer sees);
 *   - list values concatenate (Consul: `retry_join = ["a"]` twice joins both);
 *   - a scalar replaces the earlier one but keeps the FIRST one's type, as HCL1 decodes into the
 *     existing Go value: `dc = "a"` then `dc = 5` gives "5" (Consul), a number then a string
 *     parses the string as an integer (an error if it is not one);
 *   - mixing kinds (object then scalar, list then scalar...) is an error, as in HCL1.
 * - Labels nest: `service "web" { port = 80 }` is `{ service: { web: { port: 80 } } }`. Several
 *   labelled blocks of one key give an array of such objects, one per block (`a "x" {} a "y" {}`
 *   is `{ a: [{ x: {} }, { y: {} }] }`, which is why Consul rejects two `tagged_addresses "lan"`
 *   and `"wan"` blocks). A key used both with and without labels is an error, as in HCL1.
 * - `:` is not an assignment in HCL1 (Consul: `datacenter: "dc1"` is "illegal char"). A document
 *   whose first non-blank character is `{` is JSON, as HCL1's lexMode decides; there `"k": v`
 *   works, keys must be quoted and `null` is "" (Consul: `"datacenter": null` in a .hcl file
 *   fails with "datacenter cannot be empty"). HCL1's JSON flattening quirks are not reproduced.
 * - Integers are int64 in Go: beyond ±2^63 is an error (as in Consul); beyond 2^53 a JS number
 *   loses precision. `010` is octal (8), `0x1f` hex, as Go's strconv.ParseInt with base 0.
 * - Stricter than HCL1 on purpose: `key =` at the end of the file is an error (HCL1 drops the
 *   key silently), and so is text after a JSON document's closing `}` (HCL1 ignores it).
 * - A `__proto__` key is an ordinary own property (Consul accepts it as a node_meta key).
 * - Nesting deeper than 64 (objects, lists and labels together) is an error, so hostile input
 *   cannot overflow the stack.
 */
import { HclLexer, HclSyntaxError, type HclPosition, type Token, type TokenType } from './hcl-lexer.js';

export { HclSyntaxError, type HclPosition } from './hcl-lexer.js';

/** How deep objects, lists and block labels may nest. */
export const HCL_NESTING_MAX = 64;

interface ObjectNode {
  kind: 'object';
  items: Item[];
  pos: HclPosition;
}
interface ListNode {
  kind: 'list';
  elems: Node[];
  pos: HclPosition;
}
interface LiteralNode {
  kind: 'literal';
  tok: Token;
  pos: HclPosition;
}
type Node = ObjectNode | ListNode | LiteralNode;
interface Item {
  keys: Token[];
  val: Node;
}

const LITERALS: ReadonlySet<TokenType> = new Set(['string', 'heredoc', 'number', 'float', 'bool', 'null']);

function describe(tok: Token): string {
  switch (tok.type) {
    case 'eof':
      return 'end of file';
    case 'ident':
      return `identifier ${tok.text}`;
    case 'string':
      return `string ${tok.text.length > 40 ? `${tok.text.slice(0, 37)}..."` : tok.text}`;
    case 'heredoc':
      return 'heredoc';
    case 'number':
    case 'float':
      return `number ${tok.text}`;
    case 'bool':
    case 'null':
      return tok.text;
    default:
      return `'${tok.text}'`;
  }
}

class Parser {
  private readonly lexer: HclLexer;
  private ahead: Token | undefined;

  constructor(text: string, readonly json: boolean) {
    this.lexer = new HclLexer(text, json);
  }

  private peek(): Token {
    this.ahead ??= this.lexer.next();
    return this.ahead;
  }

  private take(): Token {
    const tok = this.peek();
    this.ahead = undefined;
    return tok;
  }

  private fail(tok: Token, detail: string): never {
    throw new HclSyntaxError(tok.pos, detail);
  }

  private checkDepth(tok: Token, depth: number): void {
    if (depth > HCL_NESTING_MAX) this.fail(tok, `nesting deeper than ${HCL_NESTING_MAX} levels (objects, lists and block labels)`);
  }

  /** The whole document: items until end of file (HCL), or one `{...}` object (JSON). */
  document(): Item[] {
    if (this.json) {
      const open = this.take();
      const items = this.jsonMembers(open, 0);
      const rest = this.peek();
      if (rest.type !== 'eof') this.fail(rest, `expected end of file after the JSON document's closing '}', found ${describe(rest)}`);
      return items;
    }
    return this.objectList(undefined, 0);
  }

  /** Items, each optionally followed by one comma, until '}' (in an object) or end of file. */
  private objectList(open: Token | undefined, depth: number): Item[] {
    const items: Item[] = [];
    for (;;) {
      const tok = this.peek();
      if (open !== undefined && tok.type === '}') return items;
      if (tok.type === 'eof') {
        if (open === undefined) return items;
        this.fail(tok, `expected '}' to close the object opened at ${open.pos.line}:${open.pos.column}, found end of file`);
      }
      items.push(this.objectItem(depth));
      if (this.peek().type === ',') this.take();
    }
  }

  /** `key = value`, `key { ... }` or `key "label" ... { ... }`. */
  private objectItem(depth: number): Item {
    const keys: Token[] = [];
    while (this.peek().type === 'ident' || this.peek().type === 'string') keys.push(this.take());
    const tok = this.take();
    const first = keys[0];
    if (first === undefined) {
      if (tok.type === '=' || tok.type === '{') this.fail(tok, `expected a key before '${tok.text}'`);
      this.fail(tok, `expected a key (identifier or quoted string), found ${describe(tok)}`);
    }
    const names = keys.map((k) => JSON.stringify(k.value)).join(' ');
    if (tok.type === '=') {
      if (keys.length > 1) this.fail(tok, `expected '{' after ${names}: a block with labels cannot be assigned with '='`);
      const value = this.peek();
      if (value.type === 'eof') this.fail(value, `expected a value after '=' for key ${names}, found end of file`);
      return { keys, val: this.value(depth + 1) };
    }
    if (tok.type === '{') {
      this.checkDepth(tok, depth + keys.length);
      return { keys, val: this.objectBody(tok, depth + keys.length) };
    }
    const what = keys.length > 1 ? `labels ${names}` : `key ${names}`;
    return this.fail(tok, `expected '=' or '{' after ${what}, found ${describe(tok)}`);
  }

  /** After '{': the items and the closing '}'. */
  private objectBody(open: Token, depth: number): ObjectNode {
    const items = this.objectList(open, depth);
    this.take();
    return { kind: 'object', items, pos: open.pos };
  }

  /** A value after '=' or in a list, at nesting `depth`. */
  private value(depth: number): Node {
    const tok = this.take();
    if (LITERALS.has(tok.type)) return { kind: 'literal', tok, pos: tok.pos };
    if (tok.type === '{') {
      this.checkDepth(tok, depth);
      return this.json ? { kind: 'object', items: this.jsonMembers(tok, depth), pos: tok.pos } : this.objectBody(tok, depth);
    }
    if (tok.type === '[') {
      this.checkDepth(tok, depth);
      return this.list(tok, depth);
    }
    const hint = tok.type === 'ident' && !this.json ? ' (strings must be quoted)' : '';
    return this.fail(tok, `expected a value (string, number, bool, heredoc, list or object), found ${describe(tok)}${hint}`);
  }

  /**
   * After '[': values separated by commas, as HCL1 reads them: a trailing comma and stray commas
   * are allowed; two values need a comma between them (HCL1 lets a nested list skip it).
   */
  private list(open: Token, depth: number): ListNode {
    const elems: Node[] = [];
    let needComma = false;
    for (;;) {
      const tok = this.peek();
      if (tok.type === ']') {
        this.take();
        return { kind: 'list', elems, pos: open.pos };
      }
      if (tok.type === ',') {
        this.take();
        needComma = false;
        continue;
      }
      if (tok.type === 'eof') this.fail(tok, `expected ']' to close the list opened at ${open.pos.line}:${open.pos.column}, found end of file`);
      if (needComma) this.fail(tok, `expected ',' or ']' in the list opened at ${open.pos.line}:${open.pos.column}, found ${describe(tok)}`);
      const elem = this.value(depth + 1);
      elems.push(elem);
      needComma = elem.kind !== 'list';
    }
  }

  /** JSON object members after '{' (consumed by the caller): `"key": value`, commas between. */
  private jsonMembers(open: Token, depth: number): Item[] {
    if (open.type !== '{') this.fail(open, `expected '{' to start the JSON document, found ${describe(open)}`);
    const items: Item[] = [];
    for (;;) {
      const key = this.take();
      if (key.type === '}') return items;
      if (key.type !== 'string') this.fail(key, `expected a quoted key or '}' in the JSON object opened at ${open.pos.line}:${open.pos.column}, found ${describe(key)}`);
      const colon = this.take();
      if (colon.type !== ':') this.fail(colon, `expected ':' after key ${key.text} in JSON, found ${describe(colon)}`);
      items.push({ keys: [key], val: this.value(depth + 1) });
      const sep = this.take();
      if (sep.type === '}') return items;
      if (sep.type !== ',') this.fail(sep, `expected ',' or '}' after the value of ${key.text} in JSON, found ${describe(sep)}`);
    }
  }
}

/** Parses an HCL1 (or JSON-in-HCL) config document into Consul's plain value. */
export function parseHcl(text: string): Record<string, unknown> {
  const src = text.replace(/\r\n/g, '\n');
  const json = /^\s*\{/u.test(src);
  const items = new Parser(src, json).document();
  return toPlain({ k: 'map', v: decodeItems(items) }) as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Decoding: HCL1's decoder into map[string]interface{}, with Go's types kept until the end.

type Decoded =
  | { k: 'str'; v: string }
  | { k: 'int'; v: number }
  | { k: 'float'; v: number }
  | { k: 'bool'; v: boolean }
  | { k: 'map'; v: Map<string, Decoded> }
  /** HCL1's []map[string]interface{}: the blocks of one key. */
  | { k: 'blocks'; v: Decoded[] }
  /** HCL1's []interface{}: a list value. */
  | { k: 'list'; v: Decoded[] };

function decodeItems(items: Item[]): Map<string, Decoded> {
  const out = new Map<string, Decoded>();
  const labelled = new Set<string>();
  for (const item of items) {
    const key = item.keys[0]!.value;
    if (labelled.has(key)) continue;
    if (item.keys.length > 1) {
      labelled.add(key);
      out.set(key, decodeLabelled(key, items));
      continue;
    }
    const old = out.get(key);
    out.set(key, old === undefined ? decodeValue(item.val) : mergeInto(old, item.val, key));
  }
  return out;
}

/** All items of `key` (which has labels somewhere): one map per item, nested by its labels. */
function decodeLabelled(key: string, items: Item[]): Decoded {
  const group = items.filter((it) => it.keys[0]!.value === key);
  const withLabels = group.find((it) => it.keys.length > 1)!.keys[1]!.pos;
  const blocks = group.map((it): Decoded => {
    if (it.keys.length === 1) {
      throw new HclSyntaxError(it.keys[0]!.pos, `key ${JSON.stringify(key)} is used both without labels and with labels (at ${withLabels.line}:${withLabels.column})`);
    }
    return { k: 'map', v: decodeItems([{ keys: it.keys.slice(1), val: it.val }]) };
  });
  return { k: 'blocks', v: blocks };
}

/** A value in an object: an object becomes a block list of one (HCL1's []map). */
function decodeValue(node: Node): Decoded {
  if (node.kind === 'object') return { k: 'blocks', v: [{ k: 'map', v: decodeItems(node.items) }] };
  return decodeElement(node);
}

/** A value in a list: an object stays a map. */
function decodeElement(node: Node): Decoded {
  if (node.kind === 'object') return { k: 'map', v: decodeItems(node.items) };
  if (node.kind === 'list') return { k: 'list', v: node.elems.map(decodeElement) };
  const tok = node.tok;
  switch (tok.type) {
    case 'bool':
      return { k: 'bool', v: tok.text === 'true' };
    case 'number':
      return { k: 'int', v: parseGoInt(tok.text, tok) };
    case 'float':
      return { k: 'float', v: parseGoFloat(tok.text, tok) };
    case 'null':
      return { k: 'str', v: '' };
    default:
      return { k: 'str', v: tok.value };
  }
}

const KIND_NAMES: Record<Decoded['k'], string> = {
  str: 'a string', int: 'an integer', float: 'a float', bool: 'a bool', map: 'an object', blocks: 'an object', list: 'a list',
};

function nodeKind(node: Node): string {
  if (node.kind !== 'literal') return node.kind === 'object' ? 'an object' : 'a list';
  const t = node.tok.type;
  return t === 'number' ? 'an integer' : t === 'float' ? 'a float' : t === 'bool' ? 'a bool' : 'a string';
}

/** A repeated key: decode `node` into the earlier value, as HCL1 does. */
function mergeInto(old: Decoded, node: Node, key: string): Decoded {
  const mismatch = (): never => {
    throw new HclSyntaxError(node.pos, `key ${JSON.stringify(key)} is repeated with ${nodeKind(node)} after ${KIND_NAMES[old.k]}; a repeated key must keep its type`);
  };
  if (old.k === 'blocks' || old.k === 'list') {
    if (node.kind === 'object') return { k: old.k, v: [...old.v, decodeElement(node)] };
    if (node.kind !== 'list') return mismatch();
    if (old.k === 'blocks' && node.elems.some((e) => e.kind !== 'object')) return mismatch();
    return { k: old.k, v: [...old.v, ...node.elems.map(decodeElement)] };
  }
  if (node.kind !== 'literal' || old.k === 'map') return mismatch();
  const tok = node.tok;
  const t = tok.type;
  if (old.k === 'str' && (t === 'string' || t === 'heredoc' || t === 'null')) return decodeElement(node);
  if (old.k === 'str' && t === 'number') return { k: 'str', v: tok.text };
  if (old.k === 'int' && t === 'number') return decodeElement(node);
  if (old.k === 'int' && t === 'string') {
    if (!/^[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(tok.value)) {
      throw new HclSyntaxError(tok.pos, `key ${JSON.stringify(key)} is repeated with ${tok.text}, which is not an integer, after an integer`);
    }
    return { k: 'int', v: parseGoInt(tok.value.replace(/^\+/, ''), tok) };
  }
  if (old.k === 'float' && (t === 'float' || (t === 'number' && !/[xX]/.test(tok.text)))) {
    return { k: 'float', v: parseGoFloat(tok.text, tok) };
  }
  if (old.k === 'bool' && t === 'bool') return decodeElement(node);
  return mismatch();
}

/** strconv.ParseInt(text, 0, 64): decimal, 0x hex, leading-0 octal; int64 range. */
function parseGoInt(text: string, tok: Token): number {
  const neg = text.startsWith('-');
  const body = neg ? text.slice(1) : text;
  if (/^0[0-9]+$/.test(body) && /[89]/.test(body)) throw new HclSyntaxError(tok.pos, `invalid octal number ${text} (a leading 0 means octal)`);
  const big = BigInt(/^0[0-7]+$/.test(body) ? `0o${body.slice(1)}` : body);
  const value = neg ? -big : big;
  if (value > 9223372036854775807n || value < -9223372036854775808n) {
    throw new HclSyntaxError(tok.pos, `integer ${text} is out of range (64-bit)`);
  }
  return Number(value);
}

function parseGoFloat(text: string, tok: Token): number {
  const v = Number(text);
  if (!Number.isFinite(v)) throw new HclSyntaxError(tok.pos, `number ${text} is out of range (64-bit float)`);
  return v;
}

/** To plain JS: one block is its object (Consul's PatchSliceOfMaps), own properties only. */
function toPlain(d: Decoded): unknown {
  switch (d.k) {
    case 'map': {
      const obj: Record<string, unknown> = {};
      for (const [k, v] of d.v) Object.defineProperty(obj, k, { value: toPlain(v), enumerable: true, writable: true, configurable: true });
      return obj;
    }
    case 'blocks':
      return d.v.length === 1 ? toPlain(d.v[0]!) : d.v.map(toPlain);
    case 'list':
      return d.v.map(toPlain);
    default:
      return d.v;
  }
}
