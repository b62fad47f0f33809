/**
 * What the resolver needs to know from the agent's configuration (Consul's dnsConfig), and the
 * catalog it reads. Durations are whole seconds here, as they go into TTL fields.
 */
import type { CheckServiceNodeView, NodeEntry, ServiceEntry } from '../../state/index.js';
import type { ResourceRecord } from '../wire/message.js';

export interface SoaConfig {
  refresh: number;
  retry: number;
  expire: number;
  minttl: number;
}

export interface DnsConfig {
  /** Lower-case and fully qualified: `consul.`. */
  domain: string;
  /** Lower-case and fully qualified, or '' for none. */
  altDomain: string;
  datacenter: string;
  nodeTtlS: number;
  /** dns_config.service_ttl: exact names, then `prefix*` entries (longest prefix wins; `*` matches all). */
  serviceTtlS: ReadonlyMap<string, number>;
  onlyPassing: boolean;
  enableTruncate: boolean;
  udpAnswerLimit: number;
  /** 0: no limit. */
  aRecordLimit: number;
  /** enable_additional_node_meta_txt (default true). */
  nodeMetaTxt: boolean;
  soa: SoaConfig;
  disableCompression: boolean;
  /** Whether recursors are configured: sets RA and routes names outside the domain to them. */
  recursion: boolean;
}

/** Consul's DNS defaults for `consul.` in dc1 (no TTLs, udp_answer_limit 3, node meta as TXT, no recursors). */
export const consulDnsDefaults: DnsConfig = {
  domain: 'consul.',
  altDomain: '',
  datacenter: 'dc1',
  nodeTtlS: 0,
  serviceTtlS: new Map(),
  onlyPassing: false,
  enableTruncate: false,
  udpAnswerLimit: 3,
  aRecordLimit: 0,
  nodeMetaTxt: true,
  soa: { refresh: 3600, retry: 600, expire: 86400, minttl: 0 },
  disableCompression: false,
  recursion: false,
};

/** Consul's GetTTLForService: an exact entry, else the longest `prefix*` entry, else 0. */
export function serviceTtlS(cfg: DnsConfig, service: string): number {
  const exact = cfg.serviceTtlS.get(service);
  if (exact !== undefined) return exact;
  let best = -1;
  let ttl = 0;
  for (const [key, value] of cfg.serviceTtlS) {
    if (!key.endsWith('*')) continue;
    const prefix = key.slice(0, -1);
    if (prefix.length > best && service.startsWith(prefix)) {
      best = prefix.length;
      ttl = value;
    }
  }
  return ttl;
}

/** A lookup the catalog could not do. `no-dc`: an unknown datacenter (NXDOMAIN); else SERVFAIL. */
export class DnsLookupError extends Error {
  constructor(
    readonly kind: 'no-dc' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'DnsLookupError';
  }
}

/**
 * The catalog as the resolver reads it: synchronous, so the resolver stays pure. A method throws
 * DnsLookupError when it cannot answer.
 */
export interface DnsCatalog {
  /** A node by name (case-insensitive) or by a unique prefix of its ID, as Catalog.NodeServices. */
  node(dc: string, nameOrID: string): NodeEntry | undefined;
  /** Instances of `service` (having `tag` when it is not ''), with their checks, not yet filtered by health. */
  serviceNodes(dc: string, service: string, tag: string): readonly CheckServiceNodeView[];
  /** Every node of the datacenter (reverse lookups). */
  nodes(dc: string): Iterable<NodeEntry>;
  /** Every service instance of the datacenter (reverse lookups of service addresses). */
  services(dc: string): Iterable<ServiceEntry>;
  /**
   * Records for a host name outside the domain, from the recursors: undefined when not fetched
   * yet (the resolver then lists the name in `needs` and the server asks the recursors and runs
   * it again).
   */
  external(name: string): readonly ResourceRecord[] | undefined;
  /**
   * Changes whenever any answer might (any write to the catalog): replies are reused only while
   * it stays the same. undefined: never reuse.
   */
  version(): unknown;
}
