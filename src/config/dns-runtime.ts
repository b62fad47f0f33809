/**
 * The DNS settings of the runtime configuration (Consul's builder.go for DNS*): `ports.dns`,
 * `addresses.dns`, `domain`, `alt_domain`, `recursors`, `dns_config`. Pure.
 */
import { parseDurationMs } from '../lib/index.js';
import { str, num, sub } from './raw-read.js';
import { ConfigError, type Raw } from './validate.js';

export interface DnsSoaRuntime {
  refresh: number;
  retry: number;
  expire: number;
  minttl: number;
}

export interface DnsRuntime {
  /** Where the DNS server listens (addresses.dns, else client_addr). */
  addrs: string[];
  /** Lower-case, fully qualified. */
  domain: string;
  /** Lower-case, fully qualified, or '' for none. */
  altDomain: string;
  /** As written (`ip`, `ip:port`, `[v6]:port`), without duplicates. */
  recursors: string[];
  recursorTimeoutMs: number;
  allowStale: boolean;
  maxStaleMs: number;
  nodeTtlMs: number;
  serviceTtlMs: Map<string, number>;
  onlyPassing: boolean;
  enableTruncate: boolean;
  udpAnswerLimit: number;
  aRecordLimit: number;
  nodeMetaTxt: boolean;
  disableCompression: boolean;
  soa: DnsSoaRuntime;
}


function duration(key: string, text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined) throw new ConfigError(`${key}: invalid duration: "${text}"`);
  return ms;
}

/** dns.Fqdn(strings.ToLower(d)), with '' (no alt domain) kept as ''. */
function fqdnLower(d: string): string {
  if (d === '') return '';
  const l = d.toLowerCase();
  return l.endsWith('.') ? l : `${l}.`;
}

/** `addrs`: where DNS listens, already checked by runtime.ts (addresses.dns, else client_addr). */
export function buildDnsRuntime(raw: Raw, datacenter: string, addrs: string[]): DnsRuntime {
  const dns = sub(raw, 'dns_config');
  const altDomain = str(raw, 'alt_domain');
  const alt = new RegExp(`^(service|connect|node|query|addr|${escapeRe(datacenter)})\\.(${escapeRe(datacenter)}\\.)?`);
  if (alt.test(altDomain)) throw new ConfigError(`alt_domain cannot start with {service,connect,node,query,addr,${datacenter}}`);
  const udpAnswerLimit = num(dns, 'udp_answer_limit');
  if (udpAnswerLimit < 0) throw new ConfigError(`dns_config.udp_answer_limit cannot be ${udpAnswerLimit}. Must be greater than or equal to zero`);
  const aRecordLimit = num(dns, 'a_record_limit');
  if (aRecordLimit < 0) throw new ConfigError(`dns_config.a_record_limit cannot be ${aRecordLimit}. Must be greater than or equal to zero`);
  const serviceTtlMs = new Map<string, number>();
  for (const [name, text] of Object.entries(sub(dns, 'service_ttl'))) {
    serviceTtlMs.set(name, duration(`dns_config.service_ttl[${JSON.stringify(name)}]`, String(text)));
  }
  const soa = sub(dns, 'soa');
  const soaField = (k: string, def: number): number => (typeof soa[k] === 'number' ? (soa[k] as number) : def);
  return {
    addrs,
    domain: fqdnLower(str(raw, 'domain')),
    altDomain: fqdnLower(altDomain),
    recursors: recursorList(raw['recursors']),
    recursorTimeoutMs: duration('recursor_timeout', str(dns, 'recursor_timeout')),
    allowStale: dns['allow_stale'] === true,
    maxStaleMs: duration('dns_config.max_stale', str(dns, 'max_stale')),
    nodeTtlMs: str(dns, 'node_ttl') ? duration('dns_config.node_ttl', str(dns, 'node_ttl')) : 0,
    serviceTtlMs,
    onlyPassing: dns['only_passing'] === true,
    enableTruncate: dns['enable_truncate'] === true,
    udpAnswerLimit,
    aRecordLimit,
    nodeMetaTxt: dns['enable_additional_node_meta_txt'] !== false,
    disableCompression: dns['disable_compression'] === true,
    soa: { refresh: soaField('refresh', 3600), retry: soaField('retry', 600), expire: soaField('expire', 86400), minttl: soaField('min_ttl', 0) },
  };
}

/** Each entry may hold several addresses separated by spaces (Consul expands templates to that); duplicates go. */
function recursorList(value: unknown): string[] {
  const out: string[] = [];
  for (const entry of Array.isArray(value) ? (value as unknown[]) : []) {
    for (const addr of String(entry).split(/\s+/).filter(Boolean)) {
      if (addr.startsWith('unix://')) throw new ConfigError(`DNS Recursors cannot be unix sockets: ${addr}`);
      if (/^(0\.0\.0\.0|::|\[::\])(:\d+)?$/.test(addr)) throw new ConfigError('DNS recursor address cannot be 0.0.0.0, :: or [::]');
      if (!out.includes(addr)) out.push(addr);
    }
  }
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
