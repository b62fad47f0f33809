/**
 * The HCL1 syntax tree as hashicorp/hcl v1.0.0 builds it (hcl/ast/ast.go, hcl/token), kept with
 * its positions and comments because Consul's TranslateLegacyRules rewrites this tree and prints
 * it back (hcl-printer.ts), and because hcl.Decode reports errors at these positions.
 *
 * Differences from Go, none observable in output: offsets count UTF-16 code units instead of
 * bytes (the printer only compares them), and error values are plain `HclError`s.
 */

/** A source position. Line and column are 1-based (columns count code points, as Go counts runes). */
export interface Pos {
  offset: number;
  line: number;
  column: number;
}

/** How deep objects and lists may nest (a deliberate limit: Go's growable stacks recurse on). */
export const HCL_NESTING_MAX = 256;

export const NO_POS: Pos = Object.freeze({ offset: 0, line: 0, column: 0 });

/** token.Pos.IsValid */
export const posValid = (p: Pos): boolean => p.line > 0;
/** token.Pos.Before: p is before u. */
export const posBefore = (p: Pos, u: Pos): boolean => u.offset > p.offset || u.line > p.line;
/** token.Pos.After: p is after u. */
export const posAfter = (p: Pos, u: Pos): boolean => u.offset < p.offset || u.line < p.line;
/** token.Pos.String: `line:column`, or `-` for no position. */
export const posString = (p: Pos): string => (posValid(p) ? `${p.line}:${p.column}` : '-');

/** hcl/token.Type names; the JSON scanner adds COLON and NULL. */
export type TokenType =
  | 'ILLEGAL' | 'EOF' | 'COMMENT'
  | 'IDENT' | 'NUMBER' | 'FLOAT' | 'BOOL' | 'STRING' | 'HEREDOC'
  | 'LBRACK' | 'LBRACE' | 'COMMA' | 'PERIOD' | 'RBRACK' | 'RBRACE'
  | 'ASSIGN' | 'ADD' | 'SUB' | 'COLON' | 'NULL';

export interface Token {
  type: TokenType;
  pos: Pos;
  /** The source text (a string keeps its quotes). Mutable: TranslateLegacyRules renames keys. */
  text: string;
  /** A string from a JSON document: its value is unquoted as Go (not HCL) unquotes. */
  json: boolean;
}

export interface Comment {
  start: Pos;
  text: string;
}

export interface CommentGroup {
  list: Comment[];
}

export interface ObjectKey {
  token: Token;
}

export interface ObjectItem {
  kind: 'item';
  keys: ObjectKey[];
  /** Position of `=` (or `:` in JSON); NO_POS for a block. */
  assign: Pos;
  val: Node;
  leadComment: CommentGroup | undefined;
  lineComment: CommentGroup | undefined;
}

export interface ObjectList {
  kind: 'list-of-items';
  items: ObjectItem[];
}

export interface ObjectType {
  kind: 'object';
  lbrace: Pos;
  rbrace: Pos;
  list: ObjectList;
}

export interface ListType {
  kind: 'list';
  lbrack: Pos;
  rbrack: Pos;
  list: Node[];
}

export interface LiteralType {
  kind: 'literal';
  token: Token;
  leadComment: CommentGroup | undefined;
  lineComment: CommentGroup | undefined;
}

export type Node = ObjectItem | ObjectList | ObjectType | ListType | LiteralType;

export interface File {
  node: ObjectList;
  comments: CommentGroup[];
}

/** A token as `%+v` prints it in "Unknown token" errors (token.Token is a Stringer). */
export const tokenString = (t: Token): string => `${posString(t.pos)} ${t.type} ${t.text}`;

/** An error as hcl reports it; `message` is the exact text Consul puts after its own prefix. */
export class HclError extends Error {
  override readonly name = 'HclError';
}

/** parser.PosError: "At line:col: detail". */
export const posError = (pos: Pos, detail: string): HclError => new HclError(`At ${posString(pos)}: ${detail}`);

/**
 * Thrown where hashicorp/hcl panics (an index out of range, an unquote that cannot fail in
 * practice); Consul would crash the request, Muster reports it as a parse error.
 */
export class HclPanic extends Error {
  override readonly name = 'HclPanic';
}

export function makeItem(keys: ObjectKey[], val: Node, assign: Pos = NO_POS): ObjectItem {
  return { kind: 'item', keys, assign, val, leadComment: undefined, lineComment: undefined };
}

/** ObjectItem.Pos and friends: where a node starts. */
export function nodePos(n: Node): Pos {
  switch (n.kind) {
    case 'item':
      return n.keys.length === 0 ? NO_POS : n.keys[0]!.token.pos;
    case 'list-of-items': {
      const first = n.items[0];
      // Go indexes Items[0] unconditionally and panics on an empty list.
      if (first === undefined) throw new HclPanic('runtime error: index out of range [0] with length 0');
      return nodePos(first);
    }
    case 'object':
      return n.lbrace;
    case 'list':
      return n.lbrack;
    case 'literal':
      return n.token.pos;
  }
}

/** The Go type name hcl prints in its errors (`%T`). */
export function goTypeName(n: Node): string {
  switch (n.kind) {
    case 'item':
      return '*ast.ObjectItem';
    case 'list-of-items':
      return '*ast.ObjectList';
    case 'object':
      return '*ast.ObjectType';
    case 'list':
      return '*ast.ListType';
    case 'literal':
      return '*ast.LiteralType';
  }
}

/** Bytes in the UTF-8 encoding of `s`: Go's len(), which the printer aligns columns with. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
