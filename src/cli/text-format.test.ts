import { describe, expect, it } from 'vitest';
import { tabwrite, wrapText } from './text-format.js';

describe('wrapText (kr/text)', () => {
  it('minimises raggedness rather than filling greedily', () => {
    // Greedy filling would put "aaa bb" on the first line.
    expect(wrapText('aaa bb cc ddddd', 6)).toBe('aaa\nbb cc\nddddd');
  });
  it('keeps a word longer than the limit on its own line', () => {
    expect(wrapText('a verylongword b', 4)).toBe('a\nverylongword\nb');
  });
  it('treats newlines as spaces and trims', () => {
    expect(wrapText('  one\ntwo  ', 20)).toBe('one two');
  });
});

describe('tabwrite (text/tabwriter, padding 6)', () => {
  const tw = (s: string): string => tabwrite(s, { minWidth: 0, padding: 6 });
  it('aligns a column block', () => {
    expect(tw('Key\tfoo\nModifyIndex\t13\nValue\tbar')).toBe('Key              foo\nModifyIndex      13\nValue            bar');
  });
  it('an empty last cell is no cell: the label is not padded', () => {
    expect(tw('Key\tfoo\nValue\t')).toBe('Key      foo\nValue');
  });
  it('a line without a tab ends the block (multi-line values)', () => {
    expect(tw('A\t1\nValue\tmulti\nline')).toBe('A          1\nValue      multi\nline');
  });
  it('nested columns', () => {
    expect(tw('a\tb\tc\naa\tbbb\tc')).toBe('a       b        c\naa      bbb      c');
  });
});
