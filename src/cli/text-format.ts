/**
 * Text layout the Consul CLI gets from Go libraries: github.com/kr/text's minimum-raggedness
 * Wrap (flag help) and text/tabwriter (aligned `key  value` columns, e.g. `kv get -detailed`).
 */

const tooLongPenalty = 1e5;

/**
 * kr/text Wrap: splits on single spaces (newlines count as spaces) and breaks lines to minimise
 * the sum of squared shortfalls against `lim`; widths count code points.
 */
export function wrapText(s: string, lim: number): string {
  const words = s.trim().replace(/\n/g, ' ').split(' ');
  const n = words.length;
  const width = words.map((w) => [...w].length);
  const lineLen = (i: number, j: number): number => {
    let len = width[i]!;
    for (let k = i + 1; k <= j; k++) len += 1 + width[k]!;
    return len;
  };
  const cost = new Array<number>(n).fill(Number.MAX_SAFE_INTEGER);
  const nbrk = new Array<number>(n).fill(n);
  for (let i = n - 1; i >= 0; i--) {
    if (lineLen(i, n - 1) <= lim || i === n - 1) {
      cost[i] = 0;
      nbrk[i] = n;
      continue;
    }
    for (let j = i + 1; j < n; j++) {
      const len = lineLen(i, j - 1);
      const d = lim - len;
      let c = d * d + cost[j]!;
      if (len > lim) c += tooLongPenalty;
      if (c < cost[i]!) {
        cost[i] = c;
        nbrk[i] = j;
      }
    }
  }
  const lines: string[] = [];
  for (let i = 0; i < n; i = nbrk[i]!) lines.push(words.slice(i, nbrk[i]).join(' '));
  return lines.join('\n');
}

/** Wraps at 72 columns minus `pad` and indents every line by `pad` spaces (Consul's help). */
export function wrapAtLength(s: string, pad: number): string {
  const lineMax = 72;
  return wrapText(s, lineMax - pad)
    .split('\n')
    .map((line) => ' '.repeat(pad) + line)
    .join('\n');
}

export interface TabOptions {
  minWidth: number;
  padding: number;
}

/**
 * Go's text/tabwriter with padchar ' ' and no flags, applied to a whole text at once. Every tab
 * ends a cell; the text after a line's last tab is its last cell, never padded. A column block
 * is a run of consecutive lines that have a tab-terminated cell in that column; each block is
 * as wide as its widest cell plus `padding` (at least `minWidth`).
 */
export function tabwrite(text: string, opts: TabOptions): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  // At Flush, an empty text after the last tab of the whole text is no cell at all.
  const last = lines[lines.length - 1]!;
  if (last.length > 1 && last[last.length - 1] === '') last.pop();
  const runes = (s: string): number => [...s].length;
  const out: string[] = [];
  const widths: number[] = [];
  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      out.push(cells.map((c, j) => (j < widths.length ? c + ' '.repeat(Math.max(0, widths[j]! - runes(c))) : c)).join(''));
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    let cur = line0;
    while (cur < line1) {
      if (column >= lines[cur]!.length - 1) {
        cur++;
        continue;
      }
      writeLines(start, cur);
      start = cur;
      let width = opts.minWidth;
      for (; cur < line1 && column < lines[cur]!.length - 1; cur++) {
        width = Math.max(width, runes(lines[cur]![column]!) + opts.padding);
      }
      widths.push(width);
      format(start, cur);
      widths.pop();
      start = cur;
    }
    writeLines(start, line1);
  };
  format(0, lines.length);
  return out.join('\n');
}
