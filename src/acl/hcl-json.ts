/**
 * hashicorp/hcl v1.0.0's JSON reader (json/scanner, json/parser, json/parser/flatten.go): JSON
 * becomes the same syntax tree HCL does, with Go's leniency kept (a missing closing brace or
 * value at the end is fine, text after the document is ignored) and Go's one transformation:
 * `"key": {"a": {...}, "b": {...}}` is flattened into the items `key "a" {...}` and
 * `key "b" {...}`, which is what lets JSON rules decode like HCL blocks.
 *
 * Tokens keep no position (Go's HCLToken drops them), which is why Consul's translation of
 * JSON rules puts a blank line between every item.
 */
import {
  HCL_NESTING_MAX,
  HclError,
  HclPanic,
  NO_POS,
  makeItem,
  posString,
  tokenString,
  type File,
  type ListType,
  type LiteralType,
  type Node,
  type ObjectItem,
  type ObjectList,
  type ObjectType,
  type Token,
  type TokenType,
} from './hcl-ast.js';
import { EOF, RuneReader, SIMPLE_ESCAPES, digitVal, isDecimal, isDigit, isLetter, isWhitespace } from './hcl-scanner.js';

const ERR_EOF_TOKEN = new HclError('EOF token found');
type Result<T> = [T, undefined] | [undefined, HclError];

/** JSON parser.Parse. Throws HclError. */
export function parseJson(text: string): File {
  const p = new JsonParser(text);
  const [object, err] = p.object();
  if (p.sc.error) throw new HclError(`${posString(p.sc.error.pos)}: ${p.sc.error.msg}`);
  if (err) throw err;
  flattenObjects(object!.list);
  return { node: object!.list, comments: [] };
}

class JsonScanner extends RuneReader {
  constructor(src: string) {
    super(src, false);
  }

  scan(): Token {
    let ch = this.next();
    while (isWhitespace(ch)) ch = this.next();
    this.startToken();
    let type: TokenType = 'ILLEGAL';
    if (isLetter(ch)) {
      const lit = this.scanIdentifier();
      if (lit === 'true' || lit === 'false') type = 'BOOL';
      else if (lit === 'null') type = 'NULL';
      else this.err('illegal char');
    } else if (isDecimal(ch)) {
      type = this.scanNumber(ch);
    } else {
      type = this.scanOther(ch);
    }
    return this.finishToken(type);
  }

  private scanOther(ch: number): TokenType {
    const punct: Record<number, TokenType> = { 0x5b: 'LBRACK', 0x5d: 'RBRACK', 0x7b: 'LBRACE', 0x7d: 'RBRACE', 0x2c: 'COMMA', 0x3a: 'COLON' };
    if (ch === EOF) return 'EOF';
    if (punct[ch]) return punct[ch];
    if (ch === 0x22) {
      this.scanString();
      return 'STRING';
    }
    if (ch === 0x2e) {
      const next = this.peek();
      if (!isDecimal(next)) return 'PERIOD';
      this.scanExponent(this.scanMantissa(next));
      return 'FLOAT';
    }
    if (ch === 0x2d && isDecimal(this.peek())) return this.scanNumber(this.next());
    this.err(ch === 0x2d ? 'illegal char' : `illegal char: ${String.fromCodePoint(ch)}`);
    return 'ILLEGAL';
  }

  private scanNumber(ch: number): TokenType {
    const zero = ch === 0x30;
    const pos = this.srcPos;
    this.scanMantissa(ch);
    ch = this.next();
    if (ch === 0x65 || ch === 0x45) {
      this.scanExponent(ch);
      return 'FLOAT';
    }
    if (ch === 0x2e) {
      ch = this.scanFraction(ch);
      if (ch === 0x65 || ch === 0x45) this.scanExponent(this.next());
      return 'FLOAT';
    }
    if (ch !== EOF) this.unread();
    // Go compares whole positions: even "0" right at the end of the text fails this.
    const now = this.srcPos;
    if (zero && (pos.offset !== now.offset || pos.line !== now.line || pos.column !== now.column)) {
      this.err('numbers cannot start with 0');
    }
    return 'NUMBER';
  }

  private scanString(): void {
    let braces = 0;
    for (;;) {
      const ch = this.next();
      if (ch === 0x0a || ch === EOF) {
        this.err('literal not terminated');
        return;
      }
      if (ch === 0x22) break;
      if (braces === 0 && ch === 0x24 && this.peek() === 0x7b) {
        braces++;
        this.next();
      } else if (braces > 0 && ch === 0x7b) {
        braces++;
      }
      if (braces > 0 && ch === 0x7d) braces--;
      if (ch === 0x5c) this.scanEscape();
    }
  }

  private scanEscape(): void {
    const ch = this.next();
    if (SIMPLE_ESCAPES.has(ch)) return;
    if (ch >= 0x30 && ch <= 0x37) this.scanDigits(ch, 8, 3);
    else if (ch === 0x78) this.scanDigits(this.next(), 16, 2);
    else if (ch === 0x75) this.scanDigits(this.next(), 16, 4);
    else if (ch === 0x55) this.scanDigits(this.next(), 16, 8);
    else this.err('illegal char escape');
  }

  private scanDigits(ch: number, base: number, n: number): void {
    while (n > 0 && digitVal(ch) < base) {
      ch = this.next();
      n--;
    }
    if (n > 0) this.err('illegal char escape');
    this.unread(); // unconditional in Go: after reading past the end it panics
  }

  private scanIdentifier(): string {
    const offs = this.srcPos.offset - this.lastCharLen;
    let ch = this.next();
    while (isLetter(ch) || isDigit(ch) || ch === 0x2d) ch = this.next();
    if (ch !== EOF) this.unread();
    return this.src.slice(offs, this.srcPos.offset);
  }
}

/** token.HCLToken: the HCL token a JSON token becomes (without its position). */
function hclToken(t: Token): Token {
  switch (t.type) {
    case 'NULL':
      return { type: 'STRING', pos: NO_POS, text: '', json: false };
    case 'STRING':
      return { type: 'STRING', pos: NO_POS, text: t.text, json: true };
    case 'BOOL':
    case 'FLOAT':
    case 'NUMBER':
      return { type: t.type, pos: NO_POS, text: t.text, json: false };
    default:
      throw new HclPanic(`unimplemented HCLToken for type: ${t.type}`);
  }
}

class JsonParser {
  readonly sc: JsonScanner;
  private tok: Token = { type: 'ILLEGAL', pos: NO_POS, text: '', json: false };
  private n = 0;
  private depth = 0;

  constructor(src: string) {
    this.sc = new JsonScanner(src);
  }

  object(): Result<ObjectType> {
    const tok = this.scan();
    if (tok.type === 'LBRACE') return this.objectType();
    if (tok.type === 'EOF') return [undefined, ERR_EOF_TOKEN];
    return [undefined, new HclError(`Expected object, got unknown token: ${tokenString(tok)}`)];
  }

  private objectList(): [ObjectList, HclError | undefined] {
    const node: ObjectList = { kind: 'list-of-items', items: [] };
    for (;;) {
      const [item, err] = this.objectItem();
      if (err === ERR_EOF_TOKEN) break;
      if (err) return [node, err];
      node.items.push(item!);
      // Whatever follows an item other than a comma ends the object (Go never checks for `}`).
      if (this.scan().type !== 'COMMA') break;
    }
    return [node, undefined];
  }

  private objectItem(): Result<ObjectItem> {
    const keys: Token[] = [];
    for (;;) {
      const tok = this.scan();
      if (tok.type === 'EOF') return [undefined, ERR_EOF_TOKEN];
      if (tok.type === 'STRING') {
        keys.push(hclToken(tok));
        continue;
      }
      if (tok.type === 'COLON' && keys.length > 0) break;
      return [undefined, new HclError(tok.type === 'ILLEGAL' ? 'illegal' : `expected: STRING got: ${tok.type}`)];
    }
    const assign = this.tok.pos;
    const [val, err] = this.objectValue();
    if (err) return [undefined, err];
    return [makeItem(keys.map((token) => ({ token })), val!, assign), undefined];
  }

  private objectValue(): Result<Node> {
    const tok = this.scan();
    switch (tok.type) {
      case 'NUMBER':
      case 'FLOAT':
      case 'BOOL':
      case 'NULL':
      case 'STRING':
        return [this.literalType(), undefined];
      case 'LBRACE':
        return this.objectType();
      case 'LBRACK':
        return this.listType();
      case 'EOF':
        return [undefined, ERR_EOF_TOKEN];
      default:
        return [undefined, new HclError(`Expected object value, got unknown token: ${tokenString(tok)}`)];
    }
  }

  private objectType(): Result<ObjectType> {
    if (++this.depth > HCL_NESTING_MAX) throw new HclError('nesting too deep');
    const [list, err] = this.objectList();
    this.depth--;
    if (err && this.tok.type !== 'RBRACE') return [undefined, err];
    return [{ kind: 'object', lbrace: NO_POS, rbrace: NO_POS, list }, undefined];
  }

  private listType(): Result<ListType> {
    const l: ListType = { kind: 'list', lbrack: NO_POS, rbrack: NO_POS, list: [] };
    for (;;) {
      const tok = this.scan();
      switch (tok.type) {
        case 'NUMBER':
        case 'FLOAT':
        case 'STRING':
          l.list.push(this.literalType());
          break;
        case 'LBRACE': {
          const [node, err] = this.objectType();
          if (err) return [undefined, err];
          l.list.push(node!);
          break;
        }
        case 'COMMA':
        case 'BOOL': // skipped by Go (a TODO there)
        case 'LBRACK': // likewise: a nested list's elements join this one
          break;
        case 'RBRACK':
          return [l, undefined];
        default:
          return [undefined, new HclError(`unexpected token while parsing list: ${tok.type}`)];
      }
    }
  }

  private literalType(): LiteralType {
    return { kind: 'literal', token: hclToken(this.tok), leadComment: undefined, lineComment: undefined };
  }

  private scan(): Token {
    if (this.n !== 0) {
      this.n = 0;
      return this.tok;
    }
    this.tok = this.sc.scan();
    return this.tok;
  }
}

/**
 * flattenObjects: in every object list, an item whose value is an object of objects (or a list
 * of objects) becomes one item per inner object, with the inner key appended to its keys.
 */
export function flattenObjects(list: ObjectList): void {
  const items: ObjectItem[] = [];
  const frontier = [...list.items];
  while (frontier.length > 0) {
    const item = frontier.pop()!;
    const v = item.val;
    if (v.kind === 'object' && v.list.items.length > 0 && v.list.items.every((s) => s.val.kind === 'object')) {
      for (const sub of v.list.items) frontier.push(derived(item, [...item.keys, ...sub.keys], sub.val));
    } else if (v.kind === 'list' && v.list.length > 0 && v.list.every((e) => e.kind === 'object')) {
      for (const elem of v.list) frontier.push(derived(item, item.keys, elem));
    } else {
      items.push(item);
    }
  }
  list.items = items.reverse();
  // ast.Walk then descends into the (new) items' values.
  for (const item of list.items) flattenNode(item.val);
}

function flattenNode(n: Node): void {
  if (n.kind === 'object') flattenObjects(n.list);
  else if (n.kind === 'list') for (const e of n.list) flattenNode(e);
}

function derived(item: ObjectItem, keys: ObjectItem['keys'], val: Node): ObjectItem {
  return { ...makeItem(keys, val, item.assign), leadComment: item.leadComment, lineComment: item.lineComment };
}
