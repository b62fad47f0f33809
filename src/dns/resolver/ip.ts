/**
 * IP addresses as DNS needs them: Go's net.ParseIP (what Consul uses to decide between an
 * address and a host name), reverse names (in-addr.arpa, ip6.arpa) and the hex form of
 * `<hex>.addr.<dc>.<domain>`.
 */

/**
 * 4 bytes for an IPv4 address (also an IPv4-mapped IPv6 one, as Go's To4 sees it), 16 for
 * IPv6, undefined for anything else (a host name).
 */
export function parseIP(text: string): Uint8Array | undefined {
  const known = parsed.get(text);
  if (known !== undefined) return known ?? undefined;
  const ip = parseUncached(text);
  if (parsed.size >= parsedEntriesMax) parsed.clear();
  parsed.set(text, ip ?? null);
  return ip;
}

/**
 * Catalog addresses are few and asked for on every query: parsed ones are kept (the bytes are
 * shared, never written to). A bound, so a churning catalog cannot grow it without end.
 */
const parsedEntriesMax = 16_384;
const parsed = new Map<string, Uint8Array | null>();

function parseUncached(text: string): Uint8Array | undefined {
  if (text.includes(':')) {
    const v6 = parseIPv6(text);
    if (!v6) return undefined;
    return isV4Mapped(v6) ? v6.slice(12) : v6;
  }
  return parseIPv4(text);
}

function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIPv6(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const groups: number[] = [];
  const all = halves.length === 2 ? [...head, '::', ...tail] : head;
  let gap = -1;
  for (let i = 0; i < all.length; i++) {
    const g = all[i]!;
    if (g === '::') {
      gap = groups.length;
      continue;
    }
    if (i === all.length - 1 && g.includes('.')) {
      const v4 = parseIPv4(g);
      if (!v4) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    groups.push(parseInt(g, 16));
  }
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return undefined;
  const filled = gap < 0 ? groups : [...groups.slice(0, gap), ...new Array<number>(8 - groups.length).fill(0), ...groups.slice(gap)];
  for (let i = 0; i < 8; i++) {
    out[i * 2] = filled[i]! >> 8;
    out[i * 2 + 1] = filled[i]! & 0xff;
  }
  return out;
}

function isV4Mapped(ip: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

/** `1.0.0.127.in-addr.arpa.` or the nibble form under `ip6.arpa.` (dns.ReverseAddr). */
export function reverseName(ip: Uint8Array): string {
  if (ip.length === 4) return `${ip[3]}.${ip[2]}.${ip[1]}.${ip[0]}.in-addr.arpa.`;
  const nibbles: string[] = [];
  for (let i = 15; i >= 0; i--) nibbles.push((ip[i]! & 0xf).toString(16), (ip[i]! >> 4).toString(16));
  return `${nibbles.join('.')}.ip6.arpa.`;
}

/** The address a lower-cased reverse name stands for, or undefined if it is not one. */
export function ipFromReverse(name: string): Uint8Array | undefined {
  if (name.endsWith('.in-addr.arpa.')) {
    const labels = name.slice(0, -'.in-addr.arpa.'.length).split('.');
    if (labels.length !== 4) return undefined;
    return parseIPv4(labels.reverse().join('.'));
  }
  if (name.endsWith('.ip6.arpa.')) {
    const labels = name.slice(0, -'.ip6.arpa.'.length).split('.');
    if (labels.length !== 32 || !labels.every((l) => /^[0-9a-f]$/.test(l))) return undefined;
    const out = new Uint8Array(16);
    for (let i = 0; i < 16; i++) out[i] = (parseInt(labels[31 - 2 * i]!, 16) << 4) | parseInt(labels[30 - 2 * i]!, 16);
    return out;
  }
  return undefined;
}

export function hexOf(ip: Uint8Array): string {
  let s = '';
  for (const b of ip) s += b.toString(16).padStart(2, '0');
  return s;
}

export function sameIP(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
