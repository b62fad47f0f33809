/**
 * The HCL1 scanner, as hashicorp/hcl v1.0.0 (the version Consul 1.8.7 vendors) reads text:
 * hcl/scanner/scanner.go for tokens, hcl/strconv/quote.go for string escapes and
 * hcl/token/token.go (unindentHeredoc) for heredoc values. Pure: no I/O, no clock.
 *
 * Positions are 1-based lines and columns counted in Unicode code points, as Go counts runes.
 * The source is expected with "\r\n" already turned into "\n" (the parser does that, as HCL does).
 */

export interface HclPosition {
  line: number;
  column: number;
}

/** Any syntax error in an HCL document: names the position and what was expected or found. */
export class HclSyntaxError extends Error {
  override readonly name = 'HclSyntaxError';
  readonly line: number;
  readonly column: number;
  readonly detail: string;

  constructor(pos: HclPosition, detail: string) {
    super(`At ${pos.line}:${pos.column}: ${detail}`);
    this.line = pos.line;
    this.column = pos.column;
    this.detail = detail;
  }
}

export type TokenType =
  | 'ident' | 'bool' | 'null' | 'number' | 'float' | 'string' | 'heredoc'
  | '{' | '}' | '[' | ']' | ',' | '=' | ':' | '-' | '+' | '.' | 'eof';

export interface Token {
  type: TokenType;
  /** The source text of the token (for a string, with its quotes). */
  text: string;
  /** The decoded value of a string or heredoc; the text otherwise. */
  value: string;
  pos: HclPosition;
}

const PUNCT: Record<string, TokenType> = { '{': '{', '}': '}', '[': '[', ']': ']', ',': ',', '=': '=', '+': '+' };
const isDecimal = (ch: string): boolean => ch >= '0' && ch <= '9';
const isHex = (ch: string): boolean => /^[0-9a-fA-F]$/.test(ch);
/** Go's scanner isLetter: ASCII letters, '_', and any Unicode letter. */
const isLetter = (ch: string): boolean => /^[A-Za-z_]$/.test(ch) || (ch >= '\x80' && /^\p{L}$/u.test(ch));
const isDigit = (ch: string): boolean => isDecimal(ch) || (ch >= '\x80' && /^\p{Nd}$/u.test(ch));
const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' };
const UTF8 = new TextDecoder('utf-8');

/** A readable name for a character in an error message. */
function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && !/^[\p{L}\p{N}\p{P}\p{S}]$/u.test(ch))) {
    return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return `'${ch}'`;
}

export class HclLexer {
  private readonly cps: string[];
  private i = 0;
  private line = 1;
  private col = 1;

  /** `json` selects HCL's JSON scanner rules: ':' and null allowed; comments and heredocs not. */
  constructor(text: string, private readonly json: boolean) {
    this.cps = Array.from(text);
  }

  private peek(offset = 0): string {
    return this.cps[this.i + offset] ?? '';
  }

  private advance(): string {
    const ch = this.cps[this.i++] ?? '';
    if (ch === '\n') {
      this.line++;
      this.col = 1;
    } else if (ch !== '') {
      this.col++;
    }
    return ch;
  }

  private here(): HclPosition {
    return { line: this.line, column: this.col };
  }

  private fail(pos: HclPosition, detail: string): never {
    throw new HclSyntaxError(pos, detail);
  }

  private token(type: TokenType, start: number, pos: HclPosition, value?: string): Token {
    const text = this.cps.slice(start, this.i).join('');
    return { type, text, value: value ?? text, pos };
  }

  /** The next token; comments are skipped. Throws HclSyntaxError on an illegal character. */
  next(): Token {
    this.skipBlanks();
    const pos = this.here();
    const start = this.i;
    const ch = this.peek();
    if (ch === '') return { type: 'eof', text: '', value: '', pos };
    if (isLetter(ch)) return this.scanIdent(start, pos);
    if (isDecimal(ch) || (ch === '-' && isDecimal(this.peek(1))) || (ch === '.' && isDecimal(this.peek(1)))) {
      return this.scanNumber(start, pos);
    }
    if (ch === '"') return this.token('string', start, pos, this.scanString());
    if (ch === '<' && !this.json) return this.token('heredoc', start, pos, this.scanHeredoc());
    const punct = PUNCT[ch] ?? (ch === ':' && this.json ? ':' : ch === '-' ? '-' : ch === '.' ? '.' : undefined);
    if (punct !== undefined) {
      this.advance();
      return this.token(punct, start, pos);
    }
    return this.fail(pos, this.illegalChar(ch));
  }

  private illegalChar(ch: string): string {
    if (ch === '\0') return 'unexpected null character (0x00)';
    if (ch === ':') return `illegal character ':' (HCL assigns with '='; ':' is only valid in a JSON document, one that starts with '{')`;
    if (ch === '\uFEFF') return 'illegal character U+FEFF (a byte-order mark)';
    if (this.json && (ch === '#' || ch === '/' || ch === '<')) return `illegal character ${describeChar(ch)} in a JSON document (it starts with '{')`;
    return `illegal character ${describeChar(ch)}`;
  }

  /** Whitespace (space, tab, newline, carriage return, as Go's scanner) and comments. */
  private skipBlanks(): void {
    for (;;) {
      const ch = this.peek();
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
        this.advance();
      } else if (!this.json && (ch === '#' || ch === '/')) {
        this.skipComment();
      } else {
        return;
      }
    }
  }

  private skipComment(): void {
    const pos = this.here();
    const first = this.advance();
    if (first === '/' && this.peek() === '*') {
      this.advance();
      while (!(this.peek() === '*' && this.peek(1) === '/')) {
        if (this.peek() === '') this.fail(this.here(), `comment opened at ${pos.line}:${pos.column} is not terminated: expected '*/'`);
        this.advance();
      }
      this.advance();
      this.advance();
      return;
    }
    if (first === '/' && this.peek() !== '/') this.fail(pos, `expected '//' or '/*' to start a comment, found '/' alone`);
    while (this.peek() !== '\n' && this.peek() !== '') this.advance();
  }

  private scanIdent(start: number, pos: HclPosition): Token {
    this.advance();
    while (isLetter(this.peek()) || isDigit(this.peek()) || this.peek() === '-' || this.peek() === '.') this.advance();
    const tok = this.token('ident', start, pos);
    if (tok.text === 'true' || tok.text === 'false') tok.type = 'bool';
    if (this.json && tok.text === 'null') tok.type = 'null';
    return tok;
  }

  /** Integers (decimal, octal with a leading 0, hex 0x), floats (fraction and/or exponent). */
  private scanNumber(start: number, pos: HclPosition): Token {
    if (this.peek() === '-') this.advance();
    if (this.peek() === '0' && (this.peek(1) === 'x' || this.peek(1) === 'X')) {
      this.advance();
      this.advance();
      if (!isHex(this.peek())) this.fail(this.here(), 'illegal hexadecimal number: expected hex digits after 0x');
      while (isHex(this.peek())) this.advance();
      return this.token('number', start, pos);
    }
    let type: TokenType = 'number';
    while (isDecimal(this.peek())) this.advance();
    if (this.peek() === '.') {
      type = 'float';
      this.advance();
      while (isDecimal(this.peek())) this.advance();
    }
    if (this.peek() === 'e' || this.peek() === 'E') {
      type = 'float';
      this.advance();
      if (this.peek() === '+' || this.peek() === '-') this.advance();
      if (!isDecimal(this.peek())) {
        this.fail(this.here(), `malformed number '${this.cps.slice(start, this.i).join('')}': expected digits in the exponent`);
      }
      while (isDecimal(this.peek())) this.advance();
    }
    return this.token(type, start, pos);
  }

  /**
   * A double-quoted string with Go escapes. Text inside `${ ... }` is kept verbatim (HCL1 keeps
   * interpolations as written; Consul never evaluates them) and may span lines.
   */
  private scanString(): string {
    this.advance();
    let out = '';
    let bytes: number[] = [];
    const flush = (): void => {
      if (bytes.length > 0) out += UTF8.decode(new Uint8Array(bytes));
      bytes = [];
    };
    let braces = 0;
    for (;;) {
      const ch = this.peek();
      if (ch === '' || (ch === '\n' && braces === 0)) {
        this.fail(this.here(), `string not terminated: expected '"' before the end of ${ch === '' ? 'the file' : 'the line'}`);
      }
      if (ch === '"' && braces === 0) break;
      if (ch === '\\') {
        const esc = this.scanEscape();
        if (braces > 0) {
          out += esc.raw;
        } else if (typeof esc.value === 'number') {
          bytes.push(esc.value);
        } else {
          flush();
          out += esc.value;
        }
        continue;
      }
      this.advance();
      if (braces === 0 && ch === '$' && this.peek() === '{') {
        this.advance();
        braces = 1;
        flush();
        out += '${';
        continue;
      }
      if (braces > 0 && ch === '{') braces++;
      if (braces > 0 && ch === '}') braces--;
      flush();
      out += ch;
    }
    this.advance();
    flush();
    return out;
  }

  /** One escape after '\': a string, or a number for a raw byte (\x.., octal), and its source. */
  private scanEscape(): { value: string | number; raw: string } {
    const pos = this.here();
    this.advance();
    const ch = this.advance();
    const simple = SIMPLE_ESCAPES[ch];
    if (simple !== undefined) return { value: simple, raw: `\\${ch}` };
    const isOctal = (c: string): boolean => c >= '0' && c <= '7';
    if (isOctal(ch)) {
      const digits = this.escapeDigits(ch, 3, isOctal, pos);
      const v = parseInt(digits, 8);
      if (v > 255) this.fail(pos, `invalid escape sequence '\\${digits}': octal value above \\377`);
      return { value: v, raw: `\\${digits}` };
    }
    const width = ch === 'x' ? 2 : ch === 'u' ? 4 : ch === 'U' ? 8 : 0;
    if (width === 0) {
      this.fail(pos, `invalid escape sequence in string: '\\' followed by ${ch === '' ? 'end of file' : describeChar(ch)}`);
    }
    const digits = this.escapeDigits('', width, isHex, pos);
    const v = parseInt(digits, 16);
    if (ch === 'x') return { value: v, raw: `\\x${digits}` };
    if (v > 0x10ffff) this.fail(pos, `invalid escape sequence '\\${ch}${digits}': not a Unicode code point`);
    // Go encodes a surrogate half as U+FFFD.
    return { value: v >= 0xd800 && v <= 0xdfff ? '\uFFFD' : String.fromCodePoint(v), raw: `\\${ch}${digits}` };
  }

  private escapeDigits(first: string, n: number, ok: (c: string) => boolean, pos: HclPosition): string {
    let digits = first;
    while (digits.length < n && ok(this.peek())) digits += this.advance();
    if (digits.length < n) {
      const kind = ok === isHex ? 'hex' : 'octal';
      this.fail(pos, `invalid escape sequence in string: expected ${n} ${kind} digits, found ${JSON.stringify(digits)} then ${this.peek() === '' ? 'end of file' : describeChar(this.peek())}`);
    }
    return digits;
  }

  /**
   * `<<EOF` / `<<-EOF` heredocs. The anchor line must be followed by a newline, and so must the
   * closing line. Kept from HCL v1.0.0 as Consul 1.8.7 behaves: a closing line may be indented
   * even for `<<EOF` (the indentation then ends the value), and for `<<-EOF` the closing line
   * must be indented by at least one blank (`hashicorp/hcl` compares its length with "-EOF").
   */
  private scanHeredoc(): string {
    const start = this.i;
    this.advance();
    if (this.peek() !== '<') this.fail(this.here(), `expected '<<' to start a heredoc, found ${this.peek() === '' ? 'end of file' : describeChar(this.peek())}`);
    this.advance();
    const dash = this.peek() === '-';
    if (dash) this.advance();
    const anchorStart = this.i;
    while (isLetter(this.peek()) || isDigit(this.peek())) this.advance();
    const anchor = this.cps.slice(anchorStart, this.i).join('');
    if (this.peek() === '') this.fail(this.here(), 'heredoc not terminated: expected a newline after the anchor');
    if (this.peek() !== '\n') this.fail(this.here(), `invalid character ${describeChar(this.peek())} in heredoc anchor: expected a newline after <<${dash ? '-' : ''}${anchor}`);
    if (anchor === '') this.fail(this.here(), 'zero-length heredoc anchor: expected a name such as EOF after <<');
    this.advance();
    const closing = new RegExp(`^[\\t\\n\\v\\f\\r ]*${anchor}\\r*$`, 'u');
    const minLength = Array.from(anchor).length + (dash ? 1 : 0);
    let lineStart = this.i;
    for (;;) {
      const ch = this.advance();
      if (ch === '') {
        this.fail(this.here(), `heredoc not terminated: expected a line with ${anchor}${dash ? ' (indented, for <<-)' : ''} followed by a newline`);
      }
      if (ch !== '\n') continue;
      const line = this.cps.slice(lineStart, this.i - 1);
      if (line.length >= minLength && closing.test(line.join(''))) break;
      lineStart = this.i;
    }
    return unindentHeredoc(this.cps.slice(start, this.i).join(''));
  }
}

/** hcl/token.unindentHeredoc, on the whole token text `<<EOF\n...EOF\n`. */
function unindentHeredoc(heredoc: string): string {
  const idx = heredoc.indexOf('\n');
  if (heredoc[2] !== '-') return heredoc.slice(idx + 1, heredoc.length - idx + 1);
  const lines = heredoc.slice(idx + 1, heredoc.length - idx + 2).split('\n');
  const prefix = lines[lines.length - 1] ?? '';
  if (!lines.every((l) => l.startsWith(prefix))) {
    return heredoc.slice(idx + 1, heredoc.length - idx + 1).replace(/[ \t]+$/, '');
  }
  return lines.map((l, k) => (k === lines.length - 1 ? '' : l.slice(prefix.length))).join('\n');
}
