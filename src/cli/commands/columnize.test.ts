import { describe, expect, it } from 'vitest';
import { columnize, memberStatusString, tcpAddrString } from './columnize.js';
import { compileGoRegexp } from '../../filter/index.js';

describe('columnize (ryanuber/columnize v2.1.0)', () => {
  it('pads every column but the last to its widest cell, in runes; trims cells', () => {
    expect(columnize(['a|bb|c', ' ccc |d|', 'ü|x|y'], { delim: '|' })).toBe('a    bb  c\nccc  d   \nü    x   y');
  });
  it('rows with fewer cells end early; empty replaces blanks', () => {
    expect(columnize(['a|b|c', 'x'], { delim: '|' })).toBe('a  b  c\nx');
    expect(columnize(['a||c'], { delim: '|', empty: '-' })).toBe('a  -  c');
  });
  it('Go’s TCPAddr text and serf status names', () => {
    expect([tcpAddrString('10.0.0.1', 1), tcpAddrString('::1', 2), tcpAddrString('bogus', 3), tcpAddrString('::ffff:1.2.3.4', 4)]).toEqual(['10.0.0.1:1', '[::1]:2', ':3', '1.2.3.4:4']);
    expect([0, 1, 2, 3, 4].map(memberStatusString)).toEqual(['none', 'alive', 'leaving', 'left', 'failed']);
  });
});

describe('compileGoRegexp: RE2’s errors as Consul 1.8.7 printed them', () => {
  it.each([
    ['a**', 'invalid nested repetition operator: `**`'],
    ['*', 'missing argument to repetition operator: `*`'],
    ['a)', 'unexpected ): `a)`'],
    ['[a', 'missing closing ]: `[a`'],
    ['a\\', 'trailing backslash at end of expression: ``'],
    ['(?=a)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?<=a)', 'invalid or unsupported Perl syntax: `(?<`'],
    ['a+*', 'invalid nested repetition operator: `+*`'],
    ['(a', 'missing closing ): `(a`'],
    ['x|*', 'missing argument to repetition operator: `*`'],
    ['al(ive', 'missing closing ): `al(ive`'],
    ['\\q', 'invalid escape sequence: `\\q`'],
  ])('%s', (pattern, error) => {
    expect(compileGoRegexp(pattern)).toEqual({ ok: false, error: `error parsing regexp: ${error}` });
  });
  it.each(['a+?', '()*', 'a{2', '.*', 'alive|failed', '^l', '[)]'])('%s compiles', (pattern) => {
    expect(compileGoRegexp(pattern).ok).toBe(true);
  });
  it('matches unanchored, like MatchString', () => {
    const r = compileGoRegexp('liv');
    expect(r.ok && r.re.test('alive')).toBe(true);
  });
});
