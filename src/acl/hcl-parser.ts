/**
 * hashicorp/hcl v1.0.0's parser (hcl/parser/parser.go) and its entry point (parse.go, lex.go):
 * a document whose first non-space character is `{` is JSON (hcl-json.ts), anything else HCL.
 * Ported statement for statement, with Go's odd corners kept, because both Consul ACL entry
 * points show its results: comments are attached as lead/line comments exactly as Go attaches
 * them (the printer depends on it), an item whose value is missing at the end of the text is
 * dropped silently, and errors carry Go's texts and positions.
 *
 * One deliberate difference: nesting deeper than HCL_NESTING_MAX is an error, so hostile
 * input cannot overflow the stack (Go's growable stacks just recurse).
 */
import {
  HCL_NESTING_MAX,
  HclError,
  NO_POS,
  makeItem,
  nodePos,
  posError,
  tokenString,
  type Comment,
  type CommentGroup,
  type File,
  type ListType,
  type LiteralType,
  type Node,
  type ObjectItem,
  type ObjectKey,
  type ObjectList,
  type ObjectType,
  type Token,
} from './hcl-ast.js';
import { parseJson } from './hcl-json.js';
import { HclScanner } from './hcl-scanner.js';

/** parser.errEofToken: "no more items", which callers turn into the end of a list. */
const ERR_EOF_TOKEN = new HclError('EOF token found');

type Result<T> = [T, undefined] | [undefined, HclError];

/** unicode.IsSpace, which lex.go uses to find the first character. */
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;

/** hcl.ParseString: HCL or JSON, decided by the first non-space character. Throws HclError (or HclPanic). */
export function parseDocument(text: string): File {
  for (const ch of text) {
    if (GO_SPACE.test(ch)) continue;
    if (ch === '{') return parseJson(text);
    break;
  }
  return parseHcl(text);
}

/** parser.Parse: an HCL document, with "\r\n" read as "\n" as Go normalizes it first. */
export function parseHcl(text: string): File {
  const p = new Parser(text.replace(/\r\n/g, '\n'));
  const [node, err] = p.objectList(false);
  const scanError = p.sc.error;
  if (scanError) throw posError(scanError.pos, scanError.msg);
  if (err) throw err;
  return { node, comments: p.comments };
}

class Parser {
  readonly sc: HclScanner;
  private tok: Token = { type: 'ILLEGAL', pos: NO_POS, text: '', json: false };
  readonly comments: CommentGroup[] = [];
  private leadComment: CommentGroup | undefined;
  private lineComment: CommentGroup | undefined;
  private n = 0;
  private depth = 0;

  constructor(src: string) {
    this.sc = new HclScanner(src);
  }

  objectList(obj: boolean): [ObjectList, HclError | undefined] {
    const node: ObjectList = { kind: 'list-of-items', items: [] };
    for (;;) {
      if (obj) {
        const tok = this.scan();
        this.unscan();
        if (tok.type === 'RBRACE') break;
      }
      const [item, err] = this.objectItem();
      if (err === ERR_EOF_TOKEN) break;
      if (err) return [node, err];
      node.items.push(item!);
      // Items may be separated by commas (a list of maps written inline).
      if (this.scan().type !== 'COMMA') this.unscan();
    }
    return [node, undefined];
  }

  private objectItem(): Result<ObjectItem> {
    const [keys, keyErr] = this.objectKey();
    let err = keyErr;
    if (keys.length > 0 && err === ERR_EOF_TOKEN) err = undefined;
    if (keys.length > 0 && err && this.tok.type === 'RBRACE') {
      // Keys without a value inside an object: go on to the "expected start of object" error.
      err = undefined;
      this.tok = { ...this.tok, type: 'EOF' };
    }
    if (err) return [undefined, err];
    const leadComment = this.leadComment;
    this.leadComment = undefined;
    let val: Node;
    let assign = NO_POS;
    if (this.tok.type === 'ASSIGN') {
      assign = this.tok.pos;
      const [v, e] = this.object();
      if (e) return [undefined, e];
      val = v!;
    } else if (this.tok.type === 'LBRACE') {
      const [v, e] = this.objectType();
      if (e) return [undefined, e];
      val = v!;
    } else {
      const names = keys.map((k) => k.token.text).join(' ');
      return [undefined, posError(this.tok.pos, `key '${names}' expected start of object ('{') or assignment ('=')`)];
    }
    const o: ObjectItem = makeItem(keys, val, assign);
    o.leadComment = leadComment;
    // key=#comment
    // val
    if (this.lineComment) {
      o.lineComment = this.lineComment;
      this.lineComment = undefined;
    }
    // Look ahead for a comment on the value's line.
    this.scan();
    if (keys.length > 0 && nodePos(o.val).line === keys[0]!.token.pos.line && this.lineComment) {
      o.lineComment = this.lineComment;
      this.lineComment = undefined;
    }
    this.unscan();
    return [o, undefined];
  }

  private objectKey(): [ObjectKey[], HclError | undefined] {
    const keys: ObjectKey[] = [];
    for (;;) {
      const tok = this.scan();
      switch (tok.type) {
        case 'EOF':
          return [keys, ERR_EOF_TOKEN];
        case 'ASSIGN':
          // `foo bar = {}` is not allowed: labels only before a block.
          if (keys.length > 1) return [[], posError(tok.pos, `nested object expected: LBRACE got: ${tok.type}`)];
          if (keys.length === 0) return [[], posError(tok.pos, 'no object keys found!')];
          return [keys, undefined];
        case 'LBRACE':
          return [keys, keys.length === 0 ? posError(tok.pos, `expected: IDENT | STRING got: ${tok.type}`) : undefined];
        case 'IDENT':
        case 'STRING':
          keys.push({ token: tok });
          break;
        case 'ILLEGAL':
          return [keys, posError(tok.pos, 'illegal character')];
        default:
          return [keys, posError(tok.pos, `expected: IDENT | STRING | ASSIGN | LBRACE got: ${tok.type}`)];
      }
    }
  }

  /** A value after `=`: a literal, an object or a list. */
  private object(): Result<Node> {
    const tok = this.scan();
    switch (tok.type) {
      case 'NUMBER':
      case 'FLOAT':
      case 'BOOL':
      case 'STRING':
      case 'HEREDOC':
        return [this.literalType(), undefined];
      case 'LBRACE':
        return this.objectType();
      case 'LBRACK':
        return this.listType();
      case 'EOF':
        return [undefined, ERR_EOF_TOKEN];
      default:
        return [undefined, posError(tok.pos, `Unknown token: ${tokenString(tok)}`)];
    }
  }

  private objectType(): Result<ObjectType> {
    const lbrace = this.tok.pos;
    // Thrown, not returned: the error is not wrapped once per enclosing list.
    if (++this.depth > HCL_NESTING_MAX) throw posError(lbrace, 'nesting too deep');
    const [list, err] = this.objectList(true);
    this.depth--;
    // An error that stopped at a `}` is dropped: the object simply ends there.
    if (err && this.tok.type !== 'RBRACE') return [undefined, err];
    const tok = this.scan();
    if (tok.type !== 'RBRACE') return [undefined, posError(tok.pos, `object expected closing RBRACE got: ${tok.type}`)];
    return [{ kind: 'object', lbrace, rbrace: this.tok.pos, list }, undefined];
  }

  private listType(): Result<ListType> {
    const l: ListType = { kind: 'list', lbrack: this.tok.pos, rbrack: NO_POS, list: [] };
    if (++this.depth > HCL_NESTING_MAX) throw posError(l.lbrack, 'nesting too deep');
    try {
      return this.listItems(l);
    } finally {
      this.depth--;
    }
  }

  private listItems(l: ListType): Result<ListType> {
    let needComma = false;
    for (;;) {
      const tok = this.scan();
      if (needComma && tok.type !== 'COMMA' && tok.type !== 'RBRACK') {
        return [undefined, posError(tok.pos, `error parsing list, expected comma or list end, got: ${tok.type}`)];
      }
      switch (tok.type) {
        case 'BOOL':
        case 'NUMBER':
        case 'FLOAT':
        case 'STRING':
        case 'HEREDOC': {
          const node = this.literalType();
          node.leadComment = this.leadComment;
          this.leadComment = undefined;
          l.list.push(node);
          needComma = true;
          break;
        }
        case 'COMMA': {
          // Look ahead for a line comment on the element just ended.
          this.scan();
          const last = l.list[l.list.length - 1];
          if (this.lineComment && last?.kind === 'literal') {
            last.lineComment = this.lineComment;
            this.lineComment = undefined;
          }
          this.unscan();
          needComma = false;
          break;
        }
        case 'LBRACE': {
          const [node, err] = this.objectType();
          if (err) return [undefined, posError(tok.pos, `error while trying to parse object within list: ${err.message}`)];
          l.list.push(node!);
          needComma = true;
          break;
        }
        case 'LBRACK': {
          // Go does not require a comma after a nested list.
          const [node, err] = this.listType();
          if (err) return [undefined, posError(tok.pos, `error while trying to parse list within list: ${err.message}`)];
          l.list.push(node!);
          break;
        }
        case 'RBRACK':
          l.rbrack = this.tok.pos;
          return [l, undefined];
        default:
          return [undefined, posError(tok.pos, `unexpected token while parsing list: ${tok.type}`)];
      }
    }
  }

  private literalType(): LiteralType {
    return { kind: 'literal', token: this.tok, leadComment: undefined, lineComment: undefined };
  }

  /** The next token, collecting comment groups and remembering lead and line comments. */
  private scan(): Token {
    if (this.n !== 0) {
      this.n = 0;
      return this.tok;
    }
    const prev = this.tok;
    this.tok = this.sc.scan();
    if (this.tok.type !== 'COMMENT') return this.tok;
    let comment: CommentGroup | undefined;
    let endline: number;
    if (this.tok.pos.line === prev.pos.line) {
      // A comment on the previous token's line: not a lead comment, maybe a line comment.
      [comment, endline] = this.consumeCommentGroup(0);
      if (this.tok.pos.line !== endline) this.lineComment = comment;
    }
    endline = -1;
    while (this.tok.type === 'COMMENT') [comment, endline] = this.consumeCommentGroup(1);
    // A group ending on the line before the next token leads it.
    if (endline + 1 === this.tok.pos.line && this.tok.type !== 'RBRACE' && this.tok.type !== 'RBRACK') {
      this.leadComment = comment;
    }
    return this.tok;
  }

  private unscan(): void {
    this.n = 1;
  }

  private consumeComment(): [Comment, number] {
    let endline = this.tok.pos.line;
    const text = this.tok.text;
    if (text.length > 1 && text[1] === '*') for (const ch of text) if (ch === '\n') endline++;
    const comment: Comment = { start: this.tok.pos, text };
    this.tok = this.sc.scan();
    return [comment, endline];
  }

  private consumeCommentGroup(n: number): [CommentGroup, number] {
    const list: Comment[] = [];
    let endline = this.tok.pos.line;
    while (this.tok.type === 'COMMENT' && this.tok.pos.line <= endline + n) {
      let comment: Comment;
      [comment, endline] = this.consumeComment();
      list.push(comment);
    }
    const group: CommentGroup = { list };
    this.comments.push(group);
    return [group, endline];
  }
}
