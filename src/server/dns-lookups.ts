/**
 * The DNS interface's reads on a server, for client agents (one RPC each): the local store,
 * read at once (stale allowed, as Consul's DNS reads with `allow_stale`).
 */
import { checkServiceNodes, findNode, type CheckServiceNodeView, type NodeEntry, type ServiceEntry } from '../state/index.js';
import type { DnsLookupApi } from './api.js';
import type { Server } from './endpoints.js';

export class ServerDnsLookups implements DnsLookupApi {
  constructor(private readonly server: Server) {}

  async node(dc: string, nameOrID: string): Promise<NodeEntry | undefined> {
    this.server.checkDatacenter(dc);
    return findNode(this.server.deps.store, nameOrID);
  }

  async serviceNodes(dc: string, service: string): Promise<CheckServiceNodeView[]> {
    this.server.checkDatacenter(dc);
    return [...checkServiceNodes(this.server.deps.store, service).instances];
  }

  async nodes(dc: string): Promise<NodeEntry[]> {
    this.server.checkDatacenter(dc);
    return [...this.server.deps.store.state.nodes.entries()].map(([, n]) => n);
  }

  async services(dc: string): Promise<ServiceEntry[]> {
    this.server.checkDatacenter(dc);
    return [...this.server.deps.store.state.services.entries()].map(([, s]) => s);
  }
}
