/**
 * The resolver's view of the catalog on a client agent, which has no store: each lookup is an
 * RPC to a server. The resolver is synchronous, so one request runs in passes: a pass answers
 * from what has been fetched so far and notes each lookup it lacked (`pending`); the DNS server
 * fetches those, all at once, and runs the next pass. A name needs one pass plus one per
 * dependent lookup (a node, then what a CNAME target needs), so a few passes at most.
 *
 * A lookup that failed is remembered as failed: the next pass turns it into a DnsLookupError
 * (an unknown datacenter: NXDOMAIN; anything else: SERVFAIL, as Consul answers an RPC error).
 */
import { MusterError } from '../lib/index.js';
import type { DnsLookupApi } from '../server/index.js';
import type { CheckServiceNodeView, NodeEntry, ServiceEntry } from '../state/index.js';
import { DnsLookupError, type DnsCatalog } from './resolver/config.js';
import type { ResourceRecord } from './wire/message.js';

type Fetched = { ok: true; value: unknown } | { ok: false; error: unknown };

export class FetchingCatalog implements DnsCatalog {
  private readonly fetched = new Map<string, Fetched>();
  private readonly pending = new Map<string, () => Promise<unknown>>();
  private readonly externals = new Map<string, readonly ResourceRecord[]>();

  constructor(private readonly lookups: DnsLookupApi) {}

  /** Lookups the last pass wanted and did not have. */
  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Fetches every pending lookup; returns the errors (each also remembered for the next pass). */
  async fetch(): Promise<unknown[]> {
    const work = [...this.pending];
    this.pending.clear();
    const errors: unknown[] = [];
    await Promise.all(
      work.map(async ([key, run]) => {
        try {
          this.fetched.set(key, { ok: true, value: await run() });
        } catch (error) {
          this.fetched.set(key, { ok: false, error });
          errors.push(error);
        }
      }),
    );
    return errors;
  }

  /** What the recursors said about a host name outside the domain ([] when they failed). */
  setExternal(name: string, records: readonly ResourceRecord[]): void {
    this.externals.set(name, records);
  }

  private get<T>(key: string, run: () => Promise<T>, missing: T): T {
    const f = this.fetched.get(key);
    if (!f) {
      this.pending.set(key, run);
      return missing;
    }
    if (f.ok) return f.value as T;
    const err = f.error;
    if (MusterError.is(err) && err.code === 'ERR_NO_PATH_TO_DC') throw new DnsLookupError('no-dc', err.message);
    throw new DnsLookupError('failed', err instanceof Error ? err.message : String(err));
  }

  node(dc: string, nameOrID: string): NodeEntry | undefined {
    return this.get(`node\u0000${dc}\u0000${nameOrID.toLowerCase()}`, () => this.lookups.node(dc, nameOrID), undefined);
  }

  serviceNodes(dc: string, service: string, tag: string): readonly CheckServiceNodeView[] {
    const all = this.get(`service\u0000${dc}\u0000${service.toLowerCase()}`, () => this.lookups.serviceNodes(dc, service), []);
    if (tag === '') return all;
    const t = tag.toLowerCase();
    return all.filter((v) => v.service.tags.some((x) => x.toLowerCase() === t));
  }

  nodes(dc: string): Iterable<NodeEntry> {
    return this.get(`nodes\u0000${dc}`, () => this.lookups.nodes(dc), []);
  }

  services(dc: string): Iterable<ServiceEntry> {
    return this.get(`services\u0000${dc}`, () => this.lookups.services(dc), []);
  }

  external(name: string): readonly ResourceRecord[] | undefined {
    return this.externals.get(name);
  }

  /** Never reuse a reply: nothing tells a client agent when the catalog changed. */
  version(): unknown {
    return undefined;
  }
}
