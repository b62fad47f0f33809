/**
 * The agent's DNS interface: the resolver over this server's store (on a client agent, over
 * lookups sent to a server), and its UDP and TCP listeners on `ports.dns` at each DNS address
 * (addresses.dns, else client_addr). A reload applies new dns_config, domains and recursors to
 * the running listeners.
 */
import type { RuntimeConfig } from '../config/index.js';
import { DnsServer, FetchingCatalog, Resolver, StoreCatalog, parseRecursor, type DnsConfig, type Recursor } from '../dns/index.js';
import { MusterError, type Clock, type Logger, type Rng } from '../lib/index.js';
import type { DnsLookupApi, Server } from '../server/index.js';
import { listenError } from './listen-error.js';

const seconds = (ms: number): number => Math.floor(ms / 1000);

export function dnsConfigOf(c: RuntimeConfig): DnsConfig {
  const d = c.dns;
  return {
    domain: d.domain,
    altDomain: d.altDomain,
    datacenter: c.datacenter,
    nodeTtlS: seconds(d.nodeTtlMs),
    serviceTtlS: new Map([...d.serviceTtlMs].map(([k, v]) => [k, seconds(v)])),
    onlyPassing: d.onlyPassing,
    enableTruncate: d.enableTruncate,
    udpAnswerLimit: d.udpAnswerLimit,
    aRecordLimit: d.aRecordLimit,
    nodeMetaTxt: d.nodeMetaTxt,
    soa: d.soa,
    disableCompression: d.disableCompression,
    recursion: d.recursors.length > 0,
  };
}

function recursorsOf(c: RuntimeConfig): Recursor[] {
  try {
    return c.dns.recursors.map(parseRecursor);
  } catch (err) {
    throw new MusterError('ERR_CONFIG', (err as Error).message);
  }
}

export class AgentDns {
  readonly resolver: Resolver;
  private readonly server: DnsServer;
  /** Bound DNS addresses (`ip:port`), once started. */
  readonly addrs: string[] = [];

  /**
   * A server answers from its own store (`server`); a client agent from lookups sent to a server
   * (`lookups`), fetched per query (the resolver's own catalog then stays unused).
   */
  constructor(config: RuntimeConfig, source: { server: Server } | { lookups: DnsLookupApi }, deps: { clock: Clock; rng: Rng; logger: Logger; afterReply?: (() => void) | undefined }) {
    const catalog = 'server' in source ? new StoreCatalog(source.server) : new FetchingCatalog(source.lookups);
    this.resolver = new Resolver(dnsConfigOf(config), catalog, { clock: deps.clock, rng: deps.rng });
    this.server = new DnsServer({
      resolver: this.resolver,
      logger: deps.logger.named('agent.dns'),
      recursors: recursorsOf(config),
      recursorTimeoutMs: config.dns.recursorTimeoutMs,
      lookups: 'lookups' in source ? source.lookups : undefined,
      afterReply: deps.afterReply,
    });
  }

  async start(config: RuntimeConfig, logger: Logger): Promise<void> {
    const port = config.ports.dns;
    if (port === -1) return;
    for (const host of config.dns.addrs) {
      let bound: number;
      try {
        bound = await this.server.listen(host, port);
      } catch (err) {
        await this.server.close();
        throw listenError(err, 'udp', host, port, 'DNS');
      }
      const shown = host.includes(':') ? `[${host}]:${bound}` : `${host}:${bound}`;
      this.addrs.push(shown);
      logger.info('Started DNS server', { address: shown, network: 'udp' });
      logger.info('Started DNS server', { address: shown, network: 'tcp' });
    }
  }

  /**
   * Checks a reloaded config's DNS settings (throws on a bad recursor, changing nothing) and
   * returns what applies them to queries from then on.
   */
  prepareReload(config: RuntimeConfig): () => void {
    const recursors = recursorsOf(config);
    const next = dnsConfigOf(config);
    return () => {
      this.resolver.config = next;
      this.server.setRecursors(recursors, config.dns.recursorTimeoutMs);
    };
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
