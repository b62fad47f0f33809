/**
 * What a name in the domain asks for (Consul's doDispatch): the last of the labels `service`,
 * `connect`, `ingress`, `node`, `query`, `addr` says the kind; labels before it are the
 * subject, the one label after it (if any) the datacenter. For SRV queries a trailing `_label`
 * also means a service (`_web._tcp.consul`).
 */
import type { DnsConfig } from './config.js';
import { Type } from '../wire/message.js';

export type QueryName =
  | { kind: 'invalid' }
  | { kind: 'node'; datacenter: string; node: string }
  | { kind: 'service'; datacenter: string; service: string; tag: string }
  | { kind: 'connect' | 'ingress' | 'query'; datacenter: string; name: string }
  /** `ip` undefined: a hex label of another length, which Consul answers with nothing. */
  | { kind: 'addr'; ip: Uint8Array | undefined; ownerName: string };

const kinds: ReadonlySet<string> = new Set(['service', 'connect', 'ingress', 'node', 'query', 'addr']);
const invalid: QueryName = { kind: 'invalid' };

export function parseQueryName(name: string, qType: number, cfg: DnsConfig): QueryName {
  const trimmed = trimDomain(name.toLowerCase(), cfg);
  const labels = splitName(trimmed);
  let kind = '';
  let parts: string[] = [];
  let suffixes: string[] = [];
  for (let i = labels.length - 1; i >= 0; i--) {
    const label = labels[i]!;
    if (kinds.has(label)) {
      [kind, parts, suffixes] = [label, labels.slice(0, i), labels.slice(i + 1)];
      break;
    }
    if (qType === Type.SRV && label.startsWith('_')) {
      [kind, parts, suffixes] = ['service', labels.slice(0, i + 1), labels.slice(i + 1)];
      break;
    }
  }
  if (kind === 'addr') return addr(parts, trimmed + cfg.domain);
  if (kind === '' || parts.length < 1 || suffixes.length > 1) return invalid;
  const datacenter = suffixes[0] ?? cfg.datacenter;
  switch (kind) {
    case 'service': {
      const n = parts.length;
      if (n === 2 && parts[0]!.startsWith('_') && parts[1]!.startsWith('_')) {
        const tag = parts[1]!.slice(1);
        return { kind: 'service', datacenter, service: parts[0]!.slice(1), tag: tag === 'tcp' ? '' : tag };
      }
      return { kind: 'service', datacenter, service: parts[n - 1]!, tag: parts.slice(0, n - 1).join('.') };
    }
    case 'node':
      return { kind: 'node', datacenter, node: parts.join('.') };
    default:
      return { kind: kind as 'connect' | 'ingress' | 'query', datacenter, name: kind === 'query' ? parts.join('.') : parts[parts.length - 1]! };
  }
}

/** `<hex>.addr[.anything].<domain>`: 8 hex digits are IPv4, 32 IPv6 (the datacenter is not checked, as in Consul). */
function addr(parts: string[], ownerName: string): QueryName {
  if (parts.length !== 1) return invalid;
  const hex = parts[0]!;
  const bytes = Math.floor(hex.length / 2);
  if (bytes !== 4 && bytes !== 16) return { kind: 'addr', ip: undefined, ownerName };
  if (hex.length % 2 !== 0 || !/^[0-9a-f]+$/.test(hex)) return invalid;
  const ip = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) ip[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return { kind: 'addr', ip, ownerName };
}

/** The name without the domain (or alt domain) it ends with, as Consul's trimDomain. */
function trimDomain(name: string, cfg: DnsConfig): string {
  const alt = cfg.altDomain === '' ? '.' : cfg.altDomain;
  const [longer, shorter] = alt.length > cfg.domain.length ? [alt, cfg.domain] : [cfg.domain, alt];
  if (name.endsWith(longer)) return name.slice(0, name.length - longer.length);
  return name.endsWith(shorter) ? name.slice(0, name.length - shorter.length) : name;
}

/** Labels of a presentation name, split at dots that are not escaped (dns.SplitDomainName). */
export function splitName(name: string): string[] {
  if (!name.includes('\\')) return name.split('.').filter((l) => l !== '');
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '\\' && i + 1 < name.length) {
      cur += c + name[++i];
    } else if (c === '.') {
      if (cur !== '') out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur !== '') out.push(cur);
  return out;
}
