/**
 * hashicorp/hcl v1.0.0's HCL scanner (hcl/scanner/scanner.go), rune for rune: token texts,
 * positions (including the column that keeps growing while reading past the end) and error
 * texts are Go's, because Consul shows them ("Failed to parse ACL rules: At 1:8: ...").
 * `RuneReader` is the reading half both scanners share (json/scanner/scanner.go is the same).
 */
import { HclPanic, utf8Length, type Pos, type Token, type TokenType } from './hcl-ast.js';

/** Go's `eof` rune: 0, which a NUL character also reads as. */
export const EOF = 0;
const RUNE_ERROR = 0xfffd;
const UNINDENT_MARK = 0xe123;

export const isDecimal = (ch: number): boolean => ch >= 0x30 && ch <= 0x39;
export const isHexadecimal = (ch: number): boolean => isDecimal(ch) || (ch >= 0x61 && ch <= 0x66) || (ch >= 0x41 && ch <= 0x46);
export const isLetter = (ch: number): boolean =>
  (ch >= 0x61 && ch <= 0x7a) || (ch >= 0x41 && ch <= 0x5a) || ch === 0x5f || (ch >= 0x80 && /^\p{L}$/u.test(String.fromCodePoint(ch)));
export const isDigit = (ch: number): boolean => isDecimal(ch) || (ch >= 0x80 && /^\p{Nd}$/u.test(String.fromCodePoint(ch)));
export const isWhitespace = (ch: number): boolean => ch === 0x20 || ch === 0x09 || ch === 0x0a || ch === 0x0d;

export function digitVal(ch: number): number {
  if (isDecimal(ch)) return ch - 0x30;
  if (ch >= 0x61 && ch <= 0x66) return ch - 0x61 + 10;
  if (ch >= 0x41 && ch <= 0x46) return ch - 0x41 + 10;
  return 16;
}

/** The bytes.Buffer and position bookkeeping of both scanners. */
export class RuneReader {
  protected srcPos: Pos = { offset: 0, line: 1, column: 0 };
  private prevPos: Pos = { offset: 0, line: 1, column: 0 };
  protected lastCharLen = 0;
  private lastLineLen = 0;
  /** Whether the last buffer operation was a successful read (what UnreadRune requires). */
  private canUnread = false;
  protected tokStart = 0;
  protected tokPos: Pos = { offset: 0, line: 0, column: 0 };
  /** The last error reported: the parsers return it in preference to their own. */
  error: { pos: Pos; msg: string } | undefined;

  constructor(
    protected readonly src: string,
    /** The HCL scanner's extra checks (NUL, the printer's private marker U+E123). */
    private readonly hclChecks: boolean,
  ) {}

  protected next(): number {
    const off = this.srcPos.offset;
    if (off >= this.src.length) {
      this.srcPos = { ...this.srcPos, column: this.srcPos.column + 1 };
      this.lastCharLen = 0;
      this.canUnread = false;
      return EOF;
    }
    const ch = this.src.codePointAt(off)!;
    const size = ch > 0xffff ? 2 : 1;
    this.prevPos = this.srcPos;
    this.canUnread = true;
    this.lastCharLen = size;
    this.srcPos = { offset: off + size, line: this.srcPos.line, column: this.srcPos.column + 1 };
    if (ch === 0x0a) {
      this.lastLineLen = this.srcPos.column;
      this.srcPos = { offset: off + size, line: this.srcPos.line + 1, column: 0 };
    }
    if (this.hclChecks && ch === 0) {
      this.err('unexpected null character (0x00)');
      return EOF;
    }
    if (this.hclChecks && ch === UNINDENT_MARK) {
      this.err('unicode code point U+E123 reserved for internal use');
      return RUNE_ERROR;
    }
    return ch;
  }

  protected unread(): void {
    // bytes.Buffer.UnreadRune fails unless the last operation read a rune; Go panics then.
    if (!this.canUnread) throw new HclPanic('bytes.Buffer: UnreadRune: previous operation was not a successful ReadRune');
    this.canUnread = false;
    this.srcPos = this.prevPos;
  }

  protected peek(): number {
    this.canUnread = false;
    const off = this.srcPos.offset;
    return off >= this.src.length ? EOF : this.src.codePointAt(off)!;
  }

  /** Marks where a token starts (after its first rune was read). */
  protected startToken(): void {
    this.tokStart = this.srcPos.offset - this.lastCharLen;
    const offset = this.srcPos.offset - this.lastCharLen;
    this.tokPos = this.srcPos.column > 0
      ? { offset, line: this.srcPos.line, column: this.srcPos.column }
      : { offset, line: this.srcPos.line - 1, column: this.lastLineLen };
  }

  protected finishToken(type: TokenType): Token {
    const text = this.src.slice(this.tokStart, this.srcPos.offset);
    this.tokStart = this.srcPos.offset;
    return { type, pos: this.tokPos, text, json: false };
  }

  protected err(msg: string): void {
    const offset = this.srcPos.offset - this.lastCharLen;
    let pos: Pos;
    if (this.srcPos.column > 0) pos = { offset, line: this.srcPos.line, column: this.srcPos.column };
    else if (this.lastLineLen > 0) pos = { offset, line: this.srcPos.line - 1, column: this.lastLineLen };
    else pos = { offset, line: 1, column: 1 };
    this.error = { pos, msg };
  }

  /** scanMantissa: digits from `ch`; returns the first rune after them. */
  protected scanMantissa(ch: number): number {
    let scanned = false;
    while (isDecimal(ch)) {
      ch = this.next();
      scanned = true;
    }
    if (scanned && ch !== EOF) this.unread();
    return ch;
  }

  protected scanFraction(ch: number): number {
    if (ch === 0x2e) ch = this.scanMantissa(this.peek());
    return ch;
  }

  protected scanExponent(ch: number): number {
    if (ch === 0x65 || ch === 0x45) {
      ch = this.next();
      if (ch === 0x2d || ch === 0x2b) ch = this.next();
      ch = this.scanMantissa(ch);
    }
    return ch;
  }
}

/** The one-character escapes after a backslash. */
export const SIMPLE_ESCAPES: ReadonlySet<number> = new Set([...'abfnrtv\\"'].map((c) => c.charCodeAt(0)));

export class HclScanner extends RuneReader {
  constructor(src: string) {
    super(src, true);
  }

  scan(): Token {
    let ch = this.next();
    while (isWhitespace(ch)) ch = this.next();
    this.startToken();
    let type: TokenType = 'ILLEGAL';
    if (isLetter(ch)) {
      const lit = this.scanIdentifier();
      type = lit === 'true' || lit === 'false' ? 'BOOL' : 'IDENT';
    } else if (isDecimal(ch)) {
      type = this.scanNumber(ch);
    } else {
      type = this.scanOther(ch);
    }
    return this.finishToken(type);
  }

  private scanOther(ch: number): TokenType {
    switch (ch) {
      case EOF:
        return 'EOF';
      case 0x22: // "
        this.scanString();
        return 'STRING';
      case 0x23: // #
      case 0x2f: // /
        this.scanComment(ch);
        return 'COMMENT';
      case 0x2e: { // .
        const next = this.peek();
        if (!isDecimal(next)) return 'PERIOD';
        this.scanExponent(this.scanMantissa(next));
        return 'FLOAT';
      }
      case 0x3c: // <
        this.scanHeredoc();
        return 'HEREDOC';
      case 0x5b: return 'LBRACK';
      case 0x5d: return 'RBRACK';
      case 0x7b: return 'LBRACE';
      case 0x7d: return 'RBRACE';
      case 0x2c: return 'COMMA';
      case 0x3d: return 'ASSIGN';
      case 0x2b: return 'ADD';
      case 0x2d: // -
        if (isDecimal(this.peek())) return this.scanNumber(this.next());
        return 'SUB';
      default:
        this.err('illegal char');
        return 'ILLEGAL';
    }
  }

  private scanComment(ch: number): void {
    if (ch === 0x23 || (ch === 0x2f && this.peek() !== 0x2a)) {
      if (ch === 0x2f && this.peek() !== 0x2f) {
        this.err("expected '/' for comment");
        return;
      }
      ch = this.next();
      while (ch !== 0x0a && ch !== EOF) ch = this.next();
      if (ch !== EOF) this.unread();
      return;
    }
    // A /* block */ comment.
    this.next();
    ch = this.next();
    for (;;) {
      if (ch === EOF) {
        this.err('comment not terminated');
        break;
      }
      const ch0 = ch;
      ch = this.next();
      if (ch0 === 0x2a && ch === 0x2f) break;
    }
  }

  private scanNumber(ch: number): TokenType {
    if (ch === 0x30) return this.scanZeroNumber();
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
    return 'NUMBER';
  }

  /** A number starting with 0: hexadecimal, octal or a float. */
  private scanZeroNumber(): TokenType {
    let ch = this.next();
    if (ch === 0x78 || ch === 0x58) {
      ch = this.next();
      let found = false;
      while (isHexadecimal(ch)) {
        ch = this.next();
        found = true;
      }
      if (!found) this.err('illegal hexadecimal number');
      if (ch !== EOF) this.unread();
      return 'NUMBER';
    }
    let illegalOctal = false;
    while (isDecimal(ch)) {
      ch = this.next();
      if (ch === 0x38 || ch === 0x39) illegalOctal = true;
    }
    if (ch === 0x65 || ch === 0x45) {
      this.scanExponent(ch);
      return 'FLOAT';
    }
    if (ch === 0x2e) {
      ch = this.scanFraction(ch);
      if (ch === 0x65 || ch === 0x45) this.scanExponent(this.next());
      return 'FLOAT';
    }
    if (illegalOctal) this.err('illegal octal number');
    if (ch !== EOF) this.unread();
    return 'NUMBER';
  }

  private scanHeredoc(): void {
    if (this.next() !== 0x3c) {
      this.err("heredoc expected second '<', didn't see it");
      return;
    }
    const offs = this.srcPos.offset;
    let ch = this.next();
    if (ch === 0x2d) ch = this.next();
    while (isLetter(ch) || isDigit(ch)) ch = this.next();
    if (ch === EOF) {
      this.err('heredoc not terminated');
      return;
    }
    if (ch === 0x0d && this.peek() === 0x0a) ch = this.next();
    if (ch !== 0x0a) {
      this.err('invalid characters in heredoc anchor');
      return;
    }
    const ident = this.src.slice(offs, this.srcPos.offset - this.lastCharLen);
    if (ident === '' || ident === '-') {
      this.err('zero-length heredoc anchor');
      return;
    }
    const anchor = ident.startsWith('-') ? ident.slice(1) : ident;
    let lineStart = this.srcPos.offset;
    for (;;) {
      ch = this.next();
      if (ch === 0x0a) {
        const line = this.src.slice(lineStart, this.srcPos.offset - this.lastCharLen);
        // Go compares byte lengths first: a `<<-EOF` heredoc cannot end on an unindented `EOF`.
        if (utf8Length(line) >= utf8Length(ident) && isHeredocEnd(line, anchor)) break;
        lineStart = this.srcPos.offset;
      }
      if (ch === EOF) {
        this.err('heredoc not terminated');
        return;
      }
    }
  }

  private scanString(): void {
    let braces = 0;
    for (;;) {
      const ch = this.next();
      if ((ch === 0x0a && braces === 0) || ch === EOF) {
        this.err('literal not terminated');
        return;
      }
      if (ch === 0x22 && braces === 0) break;
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
    const start = n;
    while (n > 0 && digitVal(ch) < base) {
      ch = this.next();
      if (ch === EOF) break;
      n--;
    }
    if (n > 0) this.err('illegal char escape');
    if (n !== start && ch !== EOF) this.unread();
  }

  private scanIdentifier(): string {
    const offs = this.srcPos.offset - this.lastCharLen;
    let ch = this.next();
    while (isLetter(ch) || isDigit(ch) || ch === 0x2d || ch === 0x2e) ch = this.next();
    if (ch !== EOF) this.unread();
    return this.src.slice(offs, this.srcPos.offset);
  }
}

/** The heredoc end regexp `^[[:space:]]*ANCHOR\r*\z`, without building a regexp from input. */
function isHeredocEnd(line: string, anchor: string): boolean {
  let i = 0;
  while (i < line.length && ' \t\n\v\f\r'.includes(line[i]!)) i++;
  if (!line.startsWith(anchor, i)) return false;
  for (let j = i + anchor.length; j < line.length; j++) if (line[j] !== '\r') return false;
  return true;
}
