/**
 * Go's regexp/syntax parser (Go 1.15, Perl flags as regexp.Compile uses them), ported for what
 * a filter needs: accept exactly the patterns Go accepts, reject the others with Go's error
 * text (`error parsing regexp: missing closing ): `(``), and build a small tree that
 * go-regexp-vm.ts runs. Captures and greediness are dropped: `matches` only asks whether there
 * is a match. Sources: go/src/regexp/syntax/parse.go, perl_groups.go.
 */
import { classTest, perlClass, posixClass, unicodeClassTest, type CharTest } from './go-regexp-classes.js';
import { ERR, GoRegexpError, codePointAt, parseEscape, parseRepeat } from './go-regexp-lex.js';

export { GoRegexpError };

export type ReNode =
  | { readonly t: 'char'; readonly test: CharTest }
  | { readonly t: 'assert'; readonly kind: 'bol' | 'eol' | 'bot' | 'eot' | 'wb' | 'nwb' }
  | { readonly t: 'cat' | 'alt'; readonly subs: readonly ReNode[] }
  /** max -1 is unbounded; `counted` marks `{n,m}` (Go's OpRepeat) as opposed to `*`, `+`, `?`. */
  | { readonly t: 'rep'; readonly sub: ReNode; readonly min: number; readonly max: number; readonly counted: boolean }
  | { readonly t: 'empty' }
  | { readonly t: 'nomatch' };

/** Repeat counts above this are invalid, as in Go (also for nested `{n}` products). */
const REPEAT_MAX = 1000;

interface Flags {
  readonly fold: boolean;
  readonly dotNL: boolean;
  readonly oneLine: boolean;
}

type Item = { k: 'node'; node: ReNode } | { k: 'lparen'; flags: Flags } | { k: 'vbar' };

function literalTest(cp: number, fold: boolean): CharTest {
  if (!fold) return (c) => c === cp;
  return classTest([[cp, cp]], [], false, true);
}

/** Go's repeatIsValid: nested `{n,m}` counts may not multiply past REPEAT_MAX. */
function repeatIsValid(node: ReNode, n: number): boolean {
  if (node.t === 'rep' && node.counted) {
    let m = node.max;
    if (m === 0) return true;
    if (m < 0) m = node.min;
    if (m > n) return false;
    if (m > 0) n = Math.floor(n / m);
  }
  if (node.t === 'rep') return repeatIsValid(node.sub, n);
  if (node.t === 'cat' || node.t === 'alt') return node.subs.every((s) => repeatIsValid(s, n));
  return true;
}

class Parser {
  private flags: Flags = { fold: false, dotNL: false, oneLine: true };
  private readonly stack: Item[] = [];
  constructor(private readonly re: string) {}

  parse(): ReNode {
    const s = this.re;
    let t = 0;
    let lastRepeat = -1;
    while (t < s.length) {
      let repeat = -1;
      const c = s[t]!;
      if (c === '(') {
        if (s[t + 1] === '?') t = this.parsePerlFlags(t);
        else {
          this.stack.push({ k: 'lparen', flags: this.flags });
          t++;
        }
      } else if (c === '|') {
        this.concat();
        if (!this.swapVerticalBar()) this.stack.push({ k: 'vbar' });
        t++;
      } else if (c === ')') {
        this.parseRightParen();
        t++;
      } else if (c === '^') {
        this.pushNode({ t: 'assert', kind: this.flags.oneLine ? 'bot' : 'bol' });
        t++;
      } else if (c === '$') {
        this.pushNode({ t: 'assert', kind: this.flags.oneLine ? 'eot' : 'eol' });
        t++;
      } else if (c === '.') {
        const dotNL = this.flags.dotNL;
        this.pushNode({ t: 'char', test: dotNL ? () => true : (cp) => cp !== 0x0a });
        t++;
      } else if (c === '[') {
        t = this.parseClass(t);
      } else if (c === '*' || c === '+' || c === '?') {
        const [min, max] = c === '*' ? [0, -1] : c === '+' ? [1, -1] : [0, 1];
        const after = this.repeat(min, max, false, t, t + 1, lastRepeat);
        repeat = t;
        t = after;
      } else if (c === '{') {
        const r = parseRepeat(this.re, t);
        if (!r) {
          this.literal(0x7b);
          t++;
        } else {
          if (r.min < 0 || r.min > REPEAT_MAX || r.max > REPEAT_MAX || (r.max >= 0 && r.min > r.max)) {
            throw new GoRegexpError(ERR.invalidRepeatSize, s.slice(t, r.after));
          }
          const after = this.repeat(r.min, r.max, true, t, r.after, lastRepeat);
          repeat = t;
          t = after;
        }
      } else if (c === '\\') {
        t = this.parseBackslash(t);
      } else {
        const r = codePointAt(s, t);
        this.literal(r.cp);
        t = r.next;
      }
      lastRepeat = repeat;
    }
    this.concat();
    if (this.swapVerticalBar()) this.stack.pop();
    this.alternate();
    const only = this.stack[0];
    if (this.stack.length !== 1 || only?.k !== 'node') throw new GoRegexpError(ERR.missingParen, s);
    return only.node;
  }

  private pushNode(node: ReNode): void {
    this.stack.push({ k: 'node', node });
  }

  private literal(cp: number): void {
    this.pushNode({ t: 'char', test: literalTest(cp, this.flags.fold) });
  }

  /** Collapses everything above the topmost `(` or `|` into one concatenation. */
  private concat(): void {
    let i = this.stack.length;
    while (i > 0 && this.stack[i - 1]!.k === 'node') i--;
    const subs = this.stack.splice(i).map((x) => (x as { node: ReNode }).node);
    this.pushNode(subs.length === 0 ? { t: 'empty' } : subs.length === 1 ? subs[0]! : { t: 'cat', subs });
  }

  private alternate(): void {
    let i = this.stack.length;
    while (i > 0 && this.stack[i - 1]!.k === 'node') i--;
    const subs = this.stack.splice(i).map((x) => (x as { node: ReNode }).node);
    this.pushNode(subs.length === 0 ? { t: 'nomatch' } : subs.length === 1 ? subs[0]! : { t: 'alt', subs });
  }

  private swapVerticalBar(): boolean {
    const n = this.stack.length;
    if (n >= 2 && this.stack[n - 2]!.k === 'vbar') {
      const top = this.stack[n - 1]!;
      this.stack[n - 1] = this.stack[n - 2]!;
      this.stack[n - 2] = top;
      return true;
    }
    return false;
  }

  private parseRightParen(): void {
    this.concat();
    if (this.swapVerticalBar()) this.stack.pop();
    this.alternate();
    const n = this.stack.length;
    if (n < 2) throw new GoRegexpError(ERR.unexpectedParen, this.re);
    const re1 = this.stack.pop()!;
    const re2 = this.stack.pop()!;
    if (re2.k !== 'lparen' || re1.k !== 'node') throw new GoRegexpError(ERR.unexpectedParen, this.re);
    this.flags = re2.flags;
    this.pushNode(re1.node);
  }

  /** Applies a repetition to the top of the stack; returns where parsing goes on. */
  private repeat(min: number, max: number, counted: boolean, before: number, after0: number, lastRepeat: number): number {
    let after = after0;
    if (this.re[after] === '?') after++;
    if (lastRepeat >= 0) throw new GoRegexpError(ERR.invalidRepeatOp, this.re.slice(lastRepeat, after));
    const top = this.stack[this.stack.length - 1];
    if (!top || top.k !== 'node') throw new GoRegexpError(ERR.missingRepeatArgument, this.re.slice(before, after));
    const node: ReNode = { t: 'rep', sub: top.node, min, max, counted };
    top.node = node;
    if (counted && (min >= 2 || max >= 2) && !repeatIsValid(node, REPEAT_MAX)) {
      throw new GoRegexpError(ERR.invalidRepeatSize, this.re.slice(before, after));
    }
    return after;
  }

  private parsePerlFlags(start: number): number {
    const s = this.re;
    if (s.length - start > 4 && s[start + 2] === 'P' && s[start + 3] === '<') {
      const end = s.indexOf('>', start);
      if (end < 0) throw new GoRegexpError(ERR.invalidNamedCapture, s.slice(start));
      const name = s.slice(start + 4, end);
      if (!/^[0-9A-Za-z_]+$/.test(name)) throw new GoRegexpError(ERR.invalidNamedCapture, s.slice(start, end + 1));
      this.stack.push({ k: 'lparen', flags: this.flags });
      return end + 1;
    }
    let t = start + 2;
    let { fold, dotNL, oneLine } = this.flags;
    let negate = false;
    let sawFlag = false;
    while (t < s.length) {
      const { cp, next } = codePointAt(s, t);
      t = next;
      const c = String.fromCodePoint(cp);
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        if (c === 'i') fold = !negate;
        if (c === 'm') oneLine = negate;
        if (c === 's') dotNL = !negate;
        sawFlag = true;
      } else if (c === '-') {
        if (negate) break;
        negate = true;
        sawFlag = false;
      } else if (c === ':' || c === ')') {
        if (negate && !sawFlag) break;
        if (c === ':') this.stack.push({ k: 'lparen', flags: this.flags });
        this.flags = { fold, dotNL, oneLine };
        return t;
      } else break;
    }
    throw new GoRegexpError(ERR.invalidPerlOp, s.slice(start, t));
  }

  private parseBackslash(t: number): number {
    const s = this.re;
    const c = s[t + 1];
    const simple: Record<string, ReNode> = {
      A: { t: 'assert', kind: 'bot' },
      z: { t: 'assert', kind: 'eot' },
      b: { t: 'assert', kind: 'wb' },
      B: { t: 'assert', kind: 'nwb' },
    };
    if (c !== undefined && c in simple) {
      this.pushNode(simple[c]!);
      return t + 2;
    }
    if (c === 'C') throw new GoRegexpError(ERR.invalidEscape, s.slice(t, t + 2));
    if (c === 'Q') {
      const end = s.indexOf('\\E', t + 2);
      const lit = end < 0 ? s.slice(t + 2) : s.slice(t + 2, end);
      for (const ch of lit) this.literal(ch.codePointAt(0)!);
      return end < 0 ? s.length : end + 2;
    }
    const uni = this.parseUnicodeClass(t);
    if (uni) {
      this.pushNode({ t: 'char', test: classTest([], [uni.test], false, this.flags.fold) });
      return uni.next;
    }
    const perl = perlClass(s.slice(t, t + 2));
    if (perl) {
      this.pushNode({ t: 'char', test: classTest([], [perl], false, this.flags.fold) });
      return t + 2;
    }
    const e = parseEscape(this.re, t);
    this.literal(e.cp);
    return e.next;
  }

  /** `\pL`, `\p{Greek}`, `\P{^Lu}`; null when s[t..] is not one. */
  private parseUnicodeClass(t: number): { test: CharTest; next: number } | null {
    const s = this.re;
    if (s[t] !== '\\' || (s[t + 1] !== 'p' && s[t + 1] !== 'P')) return null;
    let sign = s[t + 1] === 'P' ? -1 : 1;
    let name: string;
    let seqEnd: number;
    if (t + 2 >= s.length) {
      // Go reads U+FFFD past the end: the name is empty, hence invalid.
      seqEnd = t + 2;
      name = '';
    } else if (s[t + 2] !== '{') {
      seqEnd = codePointAt(s, t + 2).next;
      name = s.slice(t + 2, seqEnd);
    } else {
      const end = s.indexOf('}', t);
      if (end < 0) throw new GoRegexpError(ERR.invalidCharRange, s.slice(t));
      seqEnd = end + 1;
      name = s.slice(t + 3, end);
    }
    if (name.startsWith('^')) {
      sign = -sign;
      name = name.slice(1);
    }
    const test = unicodeClassTest(name);
    if (!test) throw new GoRegexpError(ERR.invalidCharRange, s.slice(t, seqEnd));
    return { test: sign > 0 ? test : (cp) => !test(cp), next: seqEnd };
  }

  private parseClass(start: number): number {
    const s = this.re;
    let t = start + 1;
    let negated = false;
    if (s[t] === '^') {
      negated = true;
      t++;
    }
    const ranges: [number, number][] = [];
    const tests: CharTest[] = [];
    let first = true;
    while (t >= s.length || s[t] !== ']' || first) {
      first = false;
      if (s[t] === '[' && s[t + 1] === ':' && t + 2 < s.length) {
        const end = s.indexOf(':]', t + 2);
        if (end >= 0) {
          const name = s.slice(t, end + 2);
          const g = posixClass(name);
          if (!g) throw new GoRegexpError(ERR.invalidCharRange, name);
          tests.push(g);
          t = end + 2;
          continue;
        }
      }
      const uni = this.parseUnicodeClass(t);
      if (uni) {
        tests.push(uni.test);
        t = uni.next;
        continue;
      }
      const perl = perlClass(s.slice(t, t + 2));
      if (perl) {
        tests.push(perl);
        t += 2;
        continue;
      }
      const rangeStart = t;
      const lo = this.parseClassChar(t, start);
      t = lo.next;
      let hi = lo.cp;
      if (t + 1 < s.length && s[t] === '-' && s[t + 1] !== ']') {
        const h = this.parseClassChar(t + 1, start);
        t = h.next;
        hi = h.cp;
        if (hi < lo.cp) throw new GoRegexpError(ERR.invalidCharRange, s.slice(rangeStart, t));
      }
      ranges.push([lo.cp, hi]);
    }
    this.pushNode({ t: 'char', test: classTest(ranges, tests, negated, this.flags.fold) });
    return t + 1;
  }

  private parseClassChar(t: number, classStart: number): { cp: number; next: number } {
    if (t >= this.re.length) throw new GoRegexpError(ERR.missingBracket, this.re.slice(classStart));
    if (this.re[t] === '\\') return parseEscape(this.re, t);
    return codePointAt(this.re, t);
  }
}

/** Parses a Go regular expression; throws GoRegexpError with Go's message. */
export function parseGoRegexp(pattern: string): ReNode {
  return new Parser(pattern).parse();
}
