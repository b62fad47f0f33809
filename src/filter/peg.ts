/**
 * A small PEG interpreter with the semantics of the pigeon-generated parser inside go-bexpr
 * v0.1.2 (grammar.go): ordered choice with backtracking, `&`/`!` predicates, actions whose
 * errors are collected while parsing goes on, and pigeon's error report — every collected
 * error, deduplicated, one per line, each prefixed `line:col (byteOffset): rule <name>: `; or,
 * when nothing was collected and the parse failed, `no match found, expected: ...` listing what
 * was wanted at the farthest position reached.
 *
 * Unlike pigeon, results of rules are memoized (packrat), so nested parentheses take linear
 * time instead of exponential (Consul 1.8.7 hangs on about 14 nested parentheses). Re-running a
 * rule at the same position, with the same predicate polarity, can only add duplicates of the
 * errors and expectations it recorded the first time, so memoizing changes no message.
 */

export type PegExpr =
  | { readonly t: 'lit'; readonly cps: readonly number[]; readonly want: string }
  | { readonly t: 'class'; readonly want: string; readonly test: (cp: number) => boolean }
  | { readonly t: 'any' }
  | { readonly t: 'seq'; readonly exprs: readonly PegExpr[] }
  | { readonly t: 'choice'; readonly alts: readonly PegExpr[] }
  | { readonly t: 'opt' | 'star' | 'plus' | 'not' | 'and'; readonly e: PegExpr }
  /** pigeon's `&{ return false, errors.New(message) }`: records the error and fails. */
  | { readonly t: 'fail'; readonly message: string }
  | { readonly t: 'action'; readonly e: PegExpr; readonly run: (c: ActionContext) => ActionResult }
  | { readonly t: 'label'; readonly name: string; readonly e: PegExpr }
  | { readonly t: 'ref'; readonly name: string };

export interface ActionContext {
  /** The matched text. */
  readonly text: string;
  readonly labels: ReadonlyMap<string, unknown>;
}

export interface ActionResult {
  readonly value: unknown;
  /** An error the action returned (pigeon records it and keeps the value). */
  readonly error?: string;
}

export interface PegRule {
  readonly name: string;
  /** The quoted display name (`"grouping"`), used in error prefixes instead of the name. */
  readonly displayName?: string;
  readonly expr: PegExpr;
}

export interface PegResult {
  readonly ok: boolean;
  readonly value: unknown;
  /** Pigeon's error list, already deduplicated, in the order recorded. */
  readonly errors: readonly string[];
}

/** Thrown when rules nest deeper than the bound given to `runPeg`. */
export class PegDepthExceeded extends Error {}

interface Position {
  readonly line: number;
  readonly col: number;
  readonly offset: number;
}

interface Memo {
  readonly ok: boolean;
  readonly value: unknown;
  readonly end: number;
}

const EOF_MARKER = '!.';

function utf8Width(cp: number): number {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

class Machine {
  private readonly cps: number[] = [];
  /** UTF-16 index in the input of each code point (and of the end). */
  private readonly units: number[] = [];
  private readonly positions: Position[] = [];
  private idx = 0;
  private value: unknown = null;
  private readonly errors: string[] = [];
  private readonly errorSet = new Set<string>();
  private maxFailPos: Position = { line: 1, col: 1, offset: 0 };
  private maxFailExpected: string[] = [];
  private invert = false;
  private readonly rstack: PegRule[] = [];
  private readonly vstack: Map<string, unknown>[] = [];
  /** Per rule: memoized results keyed by `position * 2 + (inverted ? 1 : 0)`. */
  private readonly memo = new Map<PegRule, Map<number, Memo>>();

  constructor(
    private readonly input: string,
    private readonly rules: ReadonlyMap<string, PegRule>,
    private readonly depthMax: number,
  ) {
    // Lone surrogates count as U+FFFD, which is what a UTF-8 decoder of the query would give.
    let unit = 0;
    for (const ch of input) {
      this.cps.push(ch.codePointAt(0)!);
      this.units.push(unit);
      unit += ch.length;
    }
    this.units.push(unit);
    // pigeon's read(): col++ for every rune read; a '\n' moves to the next line at col 0.
    let line = 1;
    let col = 0;
    let offset = 0;
    for (let i = 0; i <= this.cps.length; i++) {
      const cp = this.cps[i];
      col++;
      if (cp === 0x0a) {
        line++;
        col = 0;
      }
      this.positions.push({ line, col, offset });
      if (cp !== undefined) offset += utf8Width(cp);
    }
  }

  run(start: string): PegResult {
    const ok = this.ruleRef(start);
    if (!ok && this.errors.length === 0) {
      const wants = new Set(this.maxFailExpected);
      const eof = wants.delete(EOF_MARKER);
      const expected = [...wants].sort(goStringCompare);
      if (eof) expected.push('EOF');
      this.addErrorAt(`no match found, expected: ${listJoin(expected)}`, this.maxFailPos, false);
    }
    return { ok, value: ok ? this.value : null, errors: this.errors };
  }

  private pos(i: number): Position {
    return this.positions[i]!;
  }

  private addErrorAt(message: string, pos: Position, withRule = true): void {
    let prefix = `${pos.line}:${pos.col} (${pos.offset})`;
    const rule = withRule ? this.rstack[this.rstack.length - 1] : undefined;
    if (rule) prefix += `: rule ${rule.displayName ?? rule.name}`;
    const full = `${prefix}: ${message}`;
    if (!this.errorSet.has(full)) {
      this.errorSet.add(full);
      this.errors.push(full);
    }
  }

  private failAt(matched: boolean, at: number, want: string): void {
    if (matched !== this.invert) return;
    const pos = this.pos(at);
    if (pos.offset < this.maxFailPos.offset) return;
    if (pos.offset > this.maxFailPos.offset) {
      this.maxFailPos = pos;
      this.maxFailExpected = [];
    }
    this.maxFailExpected.push(this.invert ? `!${want}` : want);
  }

  private scoped(e: PegExpr): boolean {
    this.vstack.push(new Map());
    const ok = this.parse(e);
    this.vstack.pop();
    return ok;
  }

  private ruleRef(name: string): boolean {
    const rule = this.rules.get(name);
    if (!rule) throw new Error(`undefined rule: ${name}`);
    let table = this.memo.get(rule);
    if (!table) this.memo.set(rule, (table = new Map()));
    const key = this.idx * 2 + (this.invert ? 1 : 0);
    const hit = table.get(key);
    if (hit) {
      if (hit.ok) this.idx = hit.end;
      this.value = hit.value;
      return hit.ok;
    }
    if (this.rstack.length >= this.depthMax) throw new PegDepthExceeded();
    this.rstack.push(rule);
    const ok = this.scoped(rule.expr);
    this.rstack.pop();
    table.set(key, { ok, value: this.value, end: this.idx });
    return ok;
  }

  private parse(e: PegExpr): boolean {
    switch (e.t) {
      case 'lit':
        return this.lit(e.cps, e.want);
      case 'class':
        return this.charClass(e.test, e.want);
      case 'any':
        return this.anyChar();
      case 'seq':
        return this.seq(e.exprs);
      case 'choice':
        for (const alt of e.alts) if (this.scoped(alt)) return true;
        this.value = null;
        return false;
      case 'opt':
        if (!this.scoped(e.e)) this.value = null;
        return true;
      case 'star':
      case 'plus':
        return this.repeat(e.e, e.t === 'plus');
      case 'not':
      case 'and':
        return this.predicate(e.e, e.t === 'not');
      case 'fail':
        this.addErrorAt(e.message, this.pos(this.idx));
        this.value = null;
        return false;
      case 'action':
        return this.action(e.e, e.run);
      case 'label': {
        const ok = this.scoped(e.e);
        if (ok) this.vstack[this.vstack.length - 1]!.set(e.name, this.value);
        return ok;
      }
      case 'ref':
        return this.ruleRef(e.name);
    }
  }

  private lit(cps: readonly number[], want: string): boolean {
    const start = this.idx;
    for (let k = 0; k < cps.length; k++) {
      if (this.cps[start + k] !== cps[k]) {
        this.failAt(false, start, want);
        this.value = null;
        return false;
      }
    }
    this.idx = start + cps.length;
    this.failAt(true, start, want);
    this.value = this.text(start);
    return true;
  }

  private charClass(test: (cp: number) => boolean, want: string): boolean {
    const start = this.idx;
    const cp = this.cps[start];
    if (cp === undefined || !test(cp)) {
      this.failAt(false, start, want);
      this.value = null;
      return false;
    }
    this.idx++;
    this.failAt(true, start, want);
    this.value = this.text(start);
    return true;
  }

  private anyChar(): boolean {
    const start = this.idx;
    if (start >= this.cps.length) {
      this.failAt(false, start, '.');
      this.value = null;
      return false;
    }
    this.idx++;
    this.failAt(true, start, '.');
    this.value = this.text(start);
    return true;
  }

  private seq(exprs: readonly PegExpr[]): boolean {
    const start = this.idx;
    const values: unknown[] = [];
    for (const x of exprs) {
      if (!this.parse(x)) {
        this.idx = start;
        this.value = null;
        return false;
      }
      values.push(this.value);
    }
    this.value = values;
    return true;
  }

  private repeat(e: PegExpr, atLeastOne: boolean): boolean {
    const values: unknown[] = [];
    while (this.scoped(e)) values.push(this.value);
    if (atLeastOne && values.length === 0) {
      this.value = null;
      return false;
    }
    this.value = values;
    return true;
  }

  private predicate(e: PegExpr, negate: boolean): boolean {
    const start = this.idx;
    if (negate) this.invert = !this.invert;
    const ok = this.scoped(e);
    if (negate) this.invert = !this.invert;
    this.idx = start;
    this.value = null;
    return negate ? !ok : ok;
  }

  private action(e: PegExpr, run: (c: ActionContext) => ActionResult): boolean {
    const start = this.idx;
    if (!this.parse(e)) return false;
    const result = run({ text: this.text(start), labels: this.vstack[this.vstack.length - 1]! });
    if (result.error !== undefined) this.addErrorAt(result.error, this.pos(start));
    this.value = result.value;
    return true;
  }

  private text(start: number): string {
    return this.input.slice(this.units[start], this.units[this.idx]);
  }
}

/** Go's sort.Strings order: bytewise UTF-8, which for these ASCII wants is code-unit order. */
function goStringCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** pigeon's listJoin(list, ", ", "or"). */
function listJoin(list: readonly string[]): string {
  if (list.length <= 1) return list[0] ?? '';
  return `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

/** Parses `input` from rule `start`; throws PegDepthExceeded past `depthMax` nested rules. */
export function runPeg(input: string, rules: readonly PegRule[], start: string, depthMax: number): PegResult {
  const table = new Map(rules.map((r) => [r.name, r]));
  return new Machine(input, table, depthMax).run(start);
}
