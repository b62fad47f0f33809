/**
 * The resolver's view of the catalog on a server: the local state store, read directly (a DNS
 * query is one read, never a blocking one). Instance lists come from the store's per-version
 * memo, so a burst of queries for one service between two writes builds it once.
 */
import { MusterError } from '../lib/index.js';
import type { Server } from '../server/index.js';
import { checkServiceNodes, findNode, type CheckServiceNodeView, type NodeEntry, type ServiceEntry } from '../state/index.js';
import { DnsLookupError, type DnsCatalog } from './resolver/config.js';
import type { ResourceRecord } from './wire/message.js';

export class StoreCatalog implements DnsCatalog {
  constructor(private readonly server: Server) {}

  private check(dc: string): void {
    try {
      this.server.checkDatacenter(dc);
    } catch (err) {
      if (MusterError.is(err) && err.code === 'ERR_NO_PATH_TO_DC') throw new DnsLookupError('no-dc', err.message);
      throw err;
    }
  }

  node(dc: string, nameOrID: string): NodeEntry | undefined {
    this.check(dc);
    return findNode(this.server.deps.store, nameOrID);
  }

  serviceNodes(dc: string, service: string, tag: string): readonly CheckServiceNodeView[] {
    this.check(dc);
    const all = checkServiceNodes(this.server.deps.store, service).instances;
    if (tag === '') return all;
    const t = tag.toLowerCase();
    return all.filter((v) => v.service.tags.some((x) => x.toLowerCase() === t));
  }

  nodes(dc: string): Iterable<NodeEntry> {
    this.check(dc);
    return values(this.server.deps.store.state.nodes.entries());
  }

  services(dc: string): Iterable<ServiceEntry> {
    this.check(dc);
    return values(this.server.deps.store.state.services.entries());
  }

  external(): readonly ResourceRecord[] | undefined {
    return undefined;
  }

  /** The store's state object: a new one after every write. */
  version(): unknown {
    return this.server.deps.store.state;
  }
}

function* values<V>(entries: Iterable<[string, V]>): Iterable<V> {
  for (const [, v] of entries) yield v;
}

/** `catalog` plus the answers the recursors gave for host names (a name that failed maps to []). */
export function withExternal(catalog: DnsCatalog, answers: ReadonlyMap<string, readonly ResourceRecord[]>): DnsCatalog {
  return {
    node: (dc, name) => catalog.node(dc, name),
    serviceNodes: (dc, service, tag) => catalog.serviceNodes(dc, service, tag),
    nodes: (dc) => catalog.nodes(dc),
    services: (dc) => catalog.services(dc),
    external: (name) => answers.get(name) ?? [],
    version: () => undefined,
  };
}
