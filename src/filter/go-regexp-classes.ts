/**
 * Character tests for the Go regexp port: class membership with Go's case folding, and the
 * Unicode classes Go knows (`Any`, general categories, scripts).
 */

export type CharTest = (cp: number) => boolean;

/** Go 1.15's unicode.Categories keys. */
const GO_CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '),
);

/** Go's script names are letters and underscores (`Old_Italic`); JavaScript checks the rest. */
const SCRIPT_NAME = /^[A-Za-z_]+$/;

const unicodeCache = new Map<string, CharTest | null>();

/** A test for `\p{name}`, or null when Go has no such class. */
export function unicodeClassTest(name: string): CharTest | null {
  const cached = unicodeCache.get(name);
  if (cached !== undefined) return cached;
  let test: CharTest | null = null;
  if (name === 'Any') test = () => true;
  else {
    const source = GO_CATEGORIES.has(name) ? `^\\p{gc=${name}}$` : SCRIPT_NAME.test(name) ? `^\\p{Script=${name}}$` : null;
    if (source !== null) {
      try {
        const re = new RegExp(source, 'u');
        // Go's C is Cc|Cf|Co|Cs: it leaves out unassigned code points (Cn).
        test = name === 'C' ? (cp) => re.test(String.fromCodePoint(cp)) && !/^\p{gc=Cn}$/u.test(String.fromCodePoint(cp)) : (cp) => re.test(String.fromCodePoint(cp));
      } catch {
        test = null; // a script JavaScript does not know
      }
    }
  }
  unicodeCache.set(name, test);
  return test;
}

/** The simple case variants of a code point (Go's SimpleFold orbit, by way of JS case mapping). */
export function foldVariants(cp: number): number[] {
  const s = String.fromCodePoint(cp);
  const out = [cp];
  for (const v of [s.toLowerCase(), s.toUpperCase(), s.toLowerCase().toUpperCase(), s.toUpperCase().toLowerCase()]) {
    const c = v.codePointAt(0)!;
    if ([...v].length === 1 && !out.includes(c)) out.push(c);
  }
  return out;
}

/**
 * A class: code point ranges and other tests, possibly negated. With `fold`, a code point is in
 * the class when any of its case variants is (Go folds every item, then negates).
 */
export function classTest(ranges: readonly (readonly [number, number])[], tests: readonly CharTest[], negated: boolean, fold: boolean): CharTest {
  const member = (cp: number) => ranges.some(([lo, hi]) => cp >= lo && cp <= hi) || tests.some((t) => t(cp));
  const folded = fold ? (cp: number) => foldVariants(cp).some(member) : member;
  return negated ? (cp) => !folded(cp) : folded;
}

/** Go's perl_groups.go: the ASCII classes behind `\d`, `\s`, `\w` and `[:name:]`. */
const ASCII_GROUPS: Record<string, [number, number][]> = {
  d: [[0x30, 0x39]],
  s: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]],
  w: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

function groupTest(ranges: [number, number][], negated: boolean): CharTest {
  const inRanges = (cp: number) => ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
  return negated ? (cp) => !inRanges(cp) : inRanges;
}

/** `\d`, `\D`, `\s`, `\S`, `\w`, `\W` (ASCII, as Go). */
export function perlClass(esc: string): CharTest | null {
  const m = /^\\([dswDSW])$/.exec(esc);
  if (!m) return null;
  const lower = m[1]!.toLowerCase();
  return groupTest(ASCII_GROUPS[lower]!, lower !== m[1]);
}

/** `[:alpha:]`, `[:^alpha:]`, ... */
export function posixClass(name: string): CharTest | null {
  const m = /^\[:(\^?)([a-z]+):\]$/.exec(name);
  const g = m && !['d', 's', 'w'].includes(m[2]!) ? ASCII_GROUPS[m[2]!] : undefined;
  return g ? groupTest(g, m![1] === '^') : null;
}
