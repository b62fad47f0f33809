/**
 * A JSON time as Go's time.Time.UnmarshalJSON reads it: the raw JSON text parsed with the
 * layout `"2006-01-02T15:04:05Z07:00"` (RFC 3339 in quotes, fraction optional), with
 * time.Parse's error texts: `parsing time ""bad"" as ""2006-01-02T15:04:05Z07:00"": cannot
 * parse "bad"" as "2006"`, `parsing time "..." : month out of range`.
 */
import { GoDecodeError } from './go-decode.js';

const layout = '"2006-01-02T15:04:05Z07:00"';

/** The layout's parts in order: literal text, or one of Go's std elements. */
const chunks: Array<{ lit: string } | { std: '2006' | '01' | '02' | '15' | '04' | '05' | 'Z07:00' }> = [
  { lit: '"' },
  { std: '2006' },
  { lit: '-' },
  { std: '01' },
  { lit: '-' },
  { std: '02' },
  { lit: 'T' },
  { std: '15' },
  { lit: ':' },
  { std: '04' },
  { lit: ':' },
  { std: '05' },
  { std: 'Z07:00' },
  { lit: '"' },
];

const isDigit = (s: string, i: number): boolean => i < s.length && s[i]! >= '0' && s[i]! <= '9';

/** Go's getnum: one or two digits (exactly two when `fixed`). */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigit(s, 0)) return undefined;
  if (!isDigit(s, 1)) return fixed ? undefined : [Number(s[0]), s.slice(1)];
  return [Number(s.slice(0, 2)), s.slice(2)];
}

const quote = (s: string): string => `"${s}"`;

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Epoch milliseconds of a JSON time value (already parsed JSON), or Go's error. */
export function parseGoJsonTime(v: unknown): number {
  const raw = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  const fail = (valueElem: string, layoutElem: string): never => {
    throw new GoDecodeError(`parsing time ${quote(raw)} as ${quote(layout)}: cannot parse ${quote(valueElem)} as ${quote(layoutElem)}`);
  };
  const outOfRange = (what: string): never => {
    throw new GoDecodeError(`parsing time ${quote(raw)}: ${what} out of range`);
  };
  let value = raw;
  const f = { year: 0, month: 0, day: 0, hour: 0, min: 0, sec: 0, fracMs: 0, offsetMin: 0 };
  for (const c of chunks) {
    if ('lit' in c) {
      if (!value.startsWith(c.lit)) fail(value, c.lit);
      value = value.slice(c.lit.length);
      continue;
    }
    const hold = value;
    const num = (fixed: boolean): number => {
      const r = getnum(value, fixed);
      if (!r) return fail(hold, c.std);
      value = r[1];
      return r[0];
    };
    switch (c.std) {
      case '2006':
        if (value.length < 4 || !/^\d{4}/.test(value)) fail(hold, c.std);
        f.year = Number(value.slice(0, 4));
        value = value.slice(4);
        break;
      case '01':
        f.month = num(true);
        if (f.month <= 0 || f.month > 12) outOfRange('month');
        break;
      case '02':
        f.day = num(true);
        break;
      case '15':
        f.hour = num(false);
        if (f.hour >= 24) outOfRange('hour');
        break;
      case '04':
        f.min = num(true);
        if (f.min >= 60) outOfRange('minute');
        break;
      case '05': {
        f.sec = num(true);
        if (f.sec >= 60) outOfRange('second');
        const frac = /^\.(\d+)/.exec(value);
        if (frac) {
          f.fracMs = Number(`0.${frac[1]}`) * 1000;
          value = value.slice(frac[0].length);
        }
        break;
      }
      case 'Z07:00':
        if (value.startsWith('Z')) {
          value = value.slice(1);
          break;
        }
        if (value.length < 6 || value[3] !== ':' || (value[0] !== '+' && value[0] !== '-') || !/^\d\d:\d\d/.test(value.slice(1))) fail(hold, c.std);
        f.offsetMin = (value[0] === '-' ? -1 : 1) * (Number(value.slice(1, 3)) * 60 + Number(value.slice(4, 6)));
        value = value.slice(6);
        break;
    }
  }
  if (value !== '') throw new GoDecodeError(`parsing time ${quote(raw)}: extra text: ${value}`);
  if (f.day < 1 || f.day > daysIn(f.month, f.year)) outOfRange('day');
  const d = new Date(0);
  d.setUTCFullYear(f.year, f.month - 1, f.day);
  d.setUTCHours(f.hour, f.min, f.sec, 0);
  return d.getTime() + f.fracMs - f.offsetMin * 60_000;
}

/** Go's zero time.Time (year 1), which Consul takes as "no time". */
export const goZeroTimeMs = -62_135_596_800_000;
