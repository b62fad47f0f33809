/**
 * Building blocks of answers, after Consul's agent/dns.go: address translation (which of a
 * node's or service's addresses a query type gets), A/AAAA records, node meta as TXT
 * (RFC 1464), SRV weights from the aggregated health.
 */
import { aggregatedStatus, type CheckServiceNodeView, type NodeEntry } from '../../state/index.js';
import { Type, type AddressRR, type ResourceRecord, type TxtRR } from '../wire/message.js';

/** Which addresses a query type accepts (Consul's TranslateAddressAccept). */
export const Accept = { Domain: 1, IPv4: 2, IPv6: 4, Any: 7 } as const;
export type Accept = number;

export function acceptFor(qType: number): Accept {
  if (qType === Type.A) return Accept.Domain | Accept.IPv4;
  if (qType === Type.AAAA) return Accept.Domain | Accept.IPv6;
  return Accept.Any;
}

/**
 * Consul's translateAddressAccept in the local datacenter: the tagged lan_ipv6 for a query that
 * takes IPv6, else the tagged lan_ipv4 for one that takes IPv4, else the address itself (Consul's
 * AcceptAny mask makes that last branch match whatever the query type).
 */
export function translate(accept: Accept, def: string, v4: string | undefined, v6: string | undefined): string {
  if (accept & Accept.IPv6 && v6) return v6;
  if (accept & Accept.IPv4 && v4) return v4;
  return def;
}

export function nodeAddress(node: NodeEntry, accept: Accept): string {
  return translate(accept, node.address, node.taggedAddresses['lan_ipv4'], node.taggedAddresses['lan_ipv6']);
}

export function serviceAddress(view: CheckServiceNodeView, accept: Accept): string {
  const t = view.service.taggedAddresses;
  return translate(accept, view.service.address, t['lan_ipv4']?.address, t['lan_ipv6']?.address);
}

/**
 * An A record for an IPv4 address, AAAA for IPv6, when the query type takes it (Consul's
 * makeARecord: SRV, NS and TXT queries take both, as ANY does).
 */
export function addressRecord(qType: number, ip: Uint8Array, name: string, ttl: number): AddressRR | undefined {
  const both = qType === Type.SRV || qType === Type.ANY || qType === Type.NS || qType === Type.TXT;
  if (ip.length === 4) return both || qType === Type.A ? { type: Type.A, name, ttl, ip } : undefined;
  return both || qType === Type.AAAA ? { type: Type.AAAA, name, ttl, ip } : undefined;
}

const nodeNames = new WeakMap<NodeEntry, { dc: string; domain: string; name: string }>();

/**
 * `<node>.node.<dc>.<domain>`, kept per catalog entry (entries are immutable), so answers reuse
 * one string per node instead of building it for every instance of every query.
 */
export function nodeFqdn(node: NodeEntry, dc: string, domain: string): string {
  const hit = nodeNames.get(node);
  if (hit && hit.dc === dc && hit.domain === domain) return hit.name;
  const name = `${node.node}.node.${dc}.${domain}`;
  nodeNames.set(node, { dc, domain, name });
  return name;
}

/** Fully qualified, as dns.Fqdn. */
export function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

const utf8 = new TextEncoder();

/** A JS string → a TXT character-string's bytes, one character per byte. */
function byteString(s: string): string {
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  let out = '';
  for (const b of utf8.encode(s)) out += String.fromCharCode(b);
  return out;
}

/** Split into the 255-byte character strings a TXT record is made of. */
function chunks(s: string): string[] {
  if (s.length <= 255) return [s];
  const out: string[] = [];
  for (let i = 0; i < s.length; i += 255) out.push(s.slice(i, i + 255));
  return out;
}

/** Consul's encodeKVasRFC1464: backquote `` ` `` and `=` in the key, and its outer spaces. */
export function rfc1464(key: string, value: string): string {
  let k = key.replace(/`/g, '``').replace(/=/g, '`=');
  const lead = /^ +/.exec(k)?.[0].length ?? 0;
  k = '` '.repeat(lead) + k.slice(lead);
  const trail = / +$/.exec(k)?.[0].length ?? 0;
  if (trail > 0) k = k.slice(0, k.length - trail) + '` '.repeat(trail);
  return `${k}=${value.replace(/`/g, '``')}`;
}

/** A node's meta as TXT records (`rfc1035-` keys verbatim), owned by `name`. */
export function metaRecords(node: NodeEntry, name: string, ttl: number): TxtRR[] {
  const out: TxtRR[] = [];
  for (const [key, value] of Object.entries(node.meta)) {
    const text = key.toLowerCase().startsWith('rfc1035-') ? value : rfc1464(key, value);
    out.push({ type: Type.TXT, name, ttl, txt: chunks(byteString(text)) });
  }
  return out;
}

/**
 * The SRV weight of an instance (Consul's findWeight): Weights.Passing or Weights.Warning by
 * the aggregated status of the node's checks and the service's own.
 */
export function srvWeight(view: CheckServiceNodeView): number {
  const mine = view.checks.filter((c) => c.serviceName === view.service.service || c.serviceName === '');
  switch (aggregatedStatus(mine)) {
    case 'passing':
      return view.service.weights.passing;
    case 'warning':
      return view.service.weights.warning;
    default:
      return 0;
  }
}

/** Consul's health filter for DNS: no critical check; with only_passing, every check passing. */
export function isHealthy(view: CheckServiceNodeView, onlyPassing: boolean): boolean {
  for (const c of view.checks) {
    if (c.status === 'critical' || (onlyPassing && c.status !== 'passing')) return false;
  }
  return true;
}

/** A copy of `rr` with another TTL (records from a sub-lookup are shared, never mutated). */
export function withTtl(rr: ResourceRecord, ttl: number): ResourceRecord {
  return rr.type === Type.OPT ? rr : { ...rr, ttl };
}

/** Fisher–Yates with the injected randomness, as Consul's CheckServiceNodes.Shuffle. */
export function shuffle<T>(items: T[], int: (n: number) => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = int(i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}

/** Node names that cannot be a DNS label are left out of NS answers (Consul's InvalidNameRe). */
export const invalidNameRe = /[^A-Za-z0-9\\-]+/;
