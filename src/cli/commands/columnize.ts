/**
 * Output helpers shared by members, catalog and friends: github.com/ryanuber/columnize v2.1.0
 * (what Consul 1.8.7 lays its tables out with), Go's net.TCPAddr text and serf's member
 * status names.
 */

export interface ColumnizeConfig {
  /** Splits input lines into cells; Consul uses "\x1f". */
  delim: string;
  glue?: string;
  prefix?: string;
  /** Replaces empty cells. */
  empty?: string;
  noTrim?: boolean;
}

/** The delimiter Consul's commands build their rows with. */
export const unitSeparator = '\x1f';

const runeLen = (s: string): number => [...s].length;

/**
 * columnize.Format: every column as wide as its widest cell (in runes), cells left-aligned and
 * joined by `glue` (two spaces), the last cell of a line unpadded, no final newline.
 */
export function columnize(lines: readonly string[], config: ColumnizeConfig): string {
  const glue = config.glue ?? '  ';
  const prefix = config.prefix ?? '';
  const cells = lines.map((line) =>
    line.split(config.delim).map((field) => {
      const v = config.noTrim ? field : field.trim();
      return v === '' && config.empty ? config.empty : v;
    }),
  );
  const widths: number[] = [];
  for (const row of cells) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, runeLen(c))));
  let out = '';
  for (const row of cells) {
    out += prefix;
    row.forEach((c, i) => {
      out += i === row.length - 1 ? c + '\n' : c + ' '.repeat(widths[i]! - runeLen(c)) + glue;
    });
  }
  return out.endsWith('\n') ? out.slice(0, -1) : out;
}

/** net.TCPAddr{IP: net.ParseIP(addr), Port}.String(): `1.2.3.4:80`, `[::1]:80`, `:80`. */
export function tcpAddrString(addr: string, port: number): string {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(addr) && addr.split('.').every((o) => Number(o) <= 255)) return `${addr}:${port}`;
  if (addr.includes(':')) {
    const v4mapped = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/i.exec(addr);
    return v4mapped ? `${v4mapped[1]}:${port}` : `[${addr.toLowerCase()}]:${port}`;
  }
  return `:${port}`;
}

/** serf.MemberStatus(n).String(). */
export function memberStatusString(status: number): string {
  const names = ['none', 'alive', 'leaving', 'left', 'failed'];
  return names[status] ?? `unknown MemberStatus: ${status}`;
}
