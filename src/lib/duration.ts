/**
 * Go durations (`300ms`, `1.5h`, `2h45m`, `-1s`) as Consul's flags, config and query strings
 * write them. Values are milliseconds (fractions allowed, so `1us` is 0.001).
 */

const unitNs: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5
  'μs': 1e3, // U+03BC
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const maxInt64 = 9223372036854775807;

export type DurationResult = { ok: true; ms: number } | { ok: false; error: string };

/** time.ParseDuration: milliseconds (Go's integer nanoseconds / 1e6) or Go's error text. */
export function parseGoDuration(orig: string): DurationResult {
  const invalid = (): DurationResult => ({ ok: false, error: `time: invalid duration ${timeQuote(orig)}` });
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, ms: 0 };
  if (s === '') return invalid();
  let totalNs = 0;
  while (s !== '') {
    const num = /^([0-9]*)(\.([0-9]*))?/.exec(s)!;
    const pre = num[1]!.length > 0;
    const post = num[2] !== undefined && num[3]!.length > 0;
    if (!pre && !post) return invalid();
    s = s.slice(num[0].length);
    let i = 0;
    while (i < s.length && s[i] !== '.' && !(s[i]! >= '0' && s[i]! <= '9')) i++;
    if (i === 0) return { ok: false, error: `time: missing unit in duration ${timeQuote(orig)}` };
    const unit = s.slice(0, i);
    s = s.slice(i);
    const scale = unitNs[unit];
    if (scale === undefined) return { ok: false, error: `time: unknown unit ${timeQuote(unit)} in duration ${timeQuote(orig)}` };
    const whole = pre ? Number(num[1]) : 0;
    const frac = post ? Number(`0.${num[3]}`) : 0;
    if (whole > maxInt64 / scale) return invalid();
    totalNs += Math.trunc(whole * scale + frac * scale);
    if (totalNs > maxInt64) return invalid();
  }
  return { ok: true, ms: (neg ? -totalNs : totalNs) / 1e6 };
}

/** Go 1.15's time.quote: the text in double quotes, nothing escaped. */
export function timeQuote(s: string): string {
  return `"${s}"`;
}

/** A JSON number as time.Duration(float64): integer nanoseconds, truncated toward zero. */
export function nsNumberToMs(v: number): number {
  // float64 -> int64 out of range gives math.MinInt64 on amd64
  if (!(Math.abs(v) < 9.223372036854775807e18)) return -9.223372036854775807e18 / 1e6;
  return Math.trunc(v) / 1e6;
}

/** Parses a Go duration string into milliseconds, or returns undefined if it is not one. */
export function parseDurationMs(text: string): number | undefined {
  const r = parseGoDuration(text);
  return r.ok ? r.ms : undefined;
}

/** Formats milliseconds the way Go's time.Duration.String() does: `1m30s`, `500ms`, `0s`. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let ns = Math.round(Math.abs(ms) * 1e6);
  let out: string;
  if (ns < 1e9) {
    if (ns < 1e3) out = `${ns}ns`;
    else if (ns < 1e6) out = `${trimFloat(ns / 1e3)}µs`;
    else out = `${trimFloat(ns / 1e6)}ms`;
  } else {
    const h = Math.floor(ns / 3.6e12);
    ns -= h * 3.6e12;
    const m = Math.floor(ns / 6e10);
    ns -= m * 6e10;
    const sec = trimFloat(ns / 1e9);
    out = h > 0 ? `${h}h${m}m${sec}s` : m > 0 ? `${m}m${sec}s` : `${sec}s`;
  }
  return neg ? `-${out}` : out;
}

function trimFloat(n: number): string {
  return String(Number(n.toFixed(9)));
}
