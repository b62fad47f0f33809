/**
 * A ServerApi whose every call is one named method of the RPC table (`rpc-methods.ts`): the
 * arguments in their wire form go to `send`, which decides where the call runs. A client agent
 * sends everything to a server over the RPC port (`RemoteServer`); a server runs a call itself
 * or forwards it to the leader (`LeaderForwarder`). Callers cannot tell which.
 */
import type { CheckEntry, CheckServiceNodeView, KVEntry, NodeEntry, RegisterRequest, ServiceEntry, ServiceNodeView, SessionEntry, TxnOp } from '../state/index.js';
import { txnIsReadOnly } from '../state/index.js';
import type { CatalogApi, DnsLookupApi, ServerApi, SessionApi, TxnReply } from './api.js';
import type { CatalogReadOptions } from './catalog-endpoint.js';
import type { Consistency, KVApply, Read, ReadOptions } from './endpoints.js';
import { readOptionsToWire, type RpcMethod, type WireRequest } from './rpc-methods.js';
import type { OperatorApi, OperatorReadOptions } from './operator-endpoint.js';
import type { AclApi } from './acl-endpoint.js';
import type { SessionCreateArgs } from './session-endpoint.js';

export interface SendOptions {
  /** A read may block for its wait: what the caller allows for it. */
  readOptions?: CatalogReadOptions;
  signal?: AbortSignal | undefined;
  /** Overrides the table's `read` (a read-only txn is a read). */
  read?: boolean;
}

export type Send = <T>(method: RpcMethod, body: WireRequest, opts: SendOptions) => Promise<T>;

export class RoutedServer implements ServerApi {
  readonly catalog: CatalogApi;
  readonly sessions: SessionApi;
  readonly dns: DnsLookupApi;
  readonly operator: OperatorApi;
  readonly acl: AclApi;

  constructor(
    readonly datacenter: string,
    private readonly send: Send,
  ) {
    this.catalog = {
      register: (dc: string, req: RegisterRequest, token?: string) => this.call('Catalog.Register', [dc, req], token),
      deregister: (dc: string, node: string, serviceID: string, checkID: string, token?: string) =>
        this.call('Catalog.Deregister', [dc, node, serviceID, checkID], token),
      nodes: (o: CatalogReadOptions) => this.read<NodeEntry[]>('Catalog.ListNodes', [], o),
      services: async (o: CatalogReadOptions) => {
        const r = await this.read<Array<[string, string[]]>>('Catalog.ListServices', [], o);
        return { meta: r.meta, value: new Map(r.value) };
      },
      serviceNodes: (name: string, tags: string[], o: CatalogReadOptions) => this.read<ServiceNodeView[]>('Catalog.ServiceNodes', [name, tags], o),
      nodeServices: (node: string, o: ReadOptions) => this.read<{ node: NodeEntry; services: ServiceEntry[] } | undefined>('Catalog.NodeServices', [node], o),
      nodeChecks: (node: string, o: ReadOptions) => this.read<CheckEntry[]>('Health.NodeChecks', [node], o),
      serviceChecks: (name: string, o: CatalogReadOptions) => this.read<CheckEntry[]>('Health.ServiceChecks', [name], o),
      checksInState: (state: string, o: CatalogReadOptions) => this.read<CheckEntry[]>('Health.ChecksInState', [state], o),
      healthService: (name: string, tags: string[], o: CatalogReadOptions) => this.read<CheckServiceNodeView[]>('Health.ServiceNodes', [name, tags], o),
    };
    this.sessions = {
      create: (dc: string, args: SessionCreateArgs, token?: string) => this.call('Session.Create', [dc, args], token),
      destroy: (dc: string, id: string, token?: string) => this.call('Session.Destroy', [dc, id], token),
      renew: (dc: string, id: string, token?: string) => this.call<SessionEntry | undefined>('Session.Renew', [dc, id], token),
      get: (id: string, o: ReadOptions) => this.read<SessionEntry[]>('Session.Get', [id], o),
      list: (o: ReadOptions) => this.read<SessionEntry[]>('Session.List', [], o),
      node: (node: string, o: ReadOptions) => this.read<SessionEntry[]>('Session.NodeSessions', [node], o),
    };
    this.dns = {
      node: (dc: string, name: string) => this.call<NodeEntry | undefined>('DNS.Node', [dc, name]),
      serviceNodes: (dc: string, service: string) => this.call<CheckServiceNodeView[]>('DNS.ServiceNodes', [dc, service]),
      nodes: (dc: string) => this.call<NodeEntry[]>('DNS.Nodes', [dc]),
      services: (dc: string) => this.call<ServiceEntry[]>('DNS.Services', [dc]),
    };
    const operatorRead = async <T>(method: RpcMethod, dc: string, o: OperatorReadOptions): Promise<T> =>
      (await this.read<T>(method, [], { datacenter: dc, consistency: o.consistency, minIndex: 0, waitMs: 0, ...(o.token ? { token: o.token } : {}) })).value;
    this.operator = {
      raftConfiguration: (dc, o) => operatorRead('Operator.RaftGetConfiguration', dc, o),
      raftRemovePeer: (dc, target, token) =>
        'id' in target
          ? this.call('Operator.RaftRemovePeerByID', [dc, target.id], token)
          : this.call('Operator.RaftRemovePeerByAddress', [dc, target.address], token),
      autopilotConfiguration: (dc, o) => operatorRead('Operator.AutopilotGetConfiguration', dc, o),
      autopilotSetConfiguration: (dc, conf, cas, token) => this.call('Operator.AutopilotSetConfiguration', [dc, conf, cas ?? null], token),
      serverHealth: (dc, token) => this.call('Operator.ServerHealth', [dc], token),
    };
    this.acl = {
      enabled: () => this.call('ACL.Enabled', []),
      resolveIdentity: (secret) => this.call('ACL.ResolveIdentity', [], secret),
      bootstrap: (dc) => this.call('ACL.BootstrapTokens', [dc]),
      tokenRead: (id, o) => this.read('ACL.TokenRead', ['accessor', id], o),
      tokenSelf: (o) => this.read('ACL.TokenRead', ['secret', ''], o),
      tokenSet: (dc, t, create, token) => this.call('ACL.TokenSet', [dc, t, create], token),
      tokenClone: (dc, id, description, token) => this.call('ACL.TokenClone', [dc, id, description], token),
      tokenDelete: (dc, id, token) => this.call('ACL.TokenDelete', [dc, id], token),
      tokenList: (filter, o) => this.read('ACL.TokenList', [filter], o),
      policyRead: (id, o) => this.read('ACL.PolicyRead', [id, ''], o),
      policyReadByName: (name, o) => this.read('ACL.PolicyRead', ['', name], o),
      policySet: (dc, p, token) => this.call('ACL.PolicySet', [dc, p], token),
      policyDelete: (dc, id, token) => this.call('ACL.PolicyDelete', [dc, id], token),
      policyList: (o) => this.read('ACL.PolicyList', [], o),
      replicationStatus: (dc) => this.call('ACL.ReplicationStatus', [dc]),
      rulesTranslate: (rules, token) => this.call('ACL.RulesTranslate', [rules], token),
      legacyApply: (dc, op, acl, token) => this.call('ACL.Apply', [dc, op, acl], token),
      legacyGet: (id, o) => this.read('ACL.Get', [id], o),
      legacyList: (o) => this.read('ACL.List', [], o),
    };
  }

  datacenters(): Promise<string[]> {
    return this.call('Catalog.ListDatacenters', []);
  }

  statusLeader(): Promise<string> {
    return this.call('Status.Leader', []);
  }

  statusPeers(): Promise<string[]> {
    return this.call('Status.Peers', []);
  }

  kvGet(key: string, o: ReadOptions): Promise<Read<KVEntry | undefined>> {
    return this.read('KVS.Get', [key], o);
  }

  kvList(prefix: string, o: ReadOptions): Promise<Read<KVEntry[]>> {
    return this.read('KVS.List', [prefix], o);
  }

  kvKeys(prefix: string, separator: string, o: ReadOptions): Promise<Read<string[]>> {
    return this.read('KVS.ListKeys', [prefix, separator], o);
  }

  kvApply(dc: string, req: KVApply, token?: string): Promise<boolean> {
    return this.call('KVS.Apply', [dc, req], token);
  }

  txn(dc: string, ops: TxnOp[], opts: { consistency: Consistency; token?: string }): Promise<TxnReply> {
    return this.send('Txn.Apply', withToken({ args: [dc, ops, opts.consistency] }, opts.token), { read: txnIsReadOnly(ops) });
  }

  eventFire(dc: string, name: string, payload: Uint8Array, token?: string): Promise<void> {
    return this.call('Internal.EventFire', [dc, name, payload], token);
  }

  private async read<T>(method: RpcMethod, args: unknown[], o: CatalogReadOptions): Promise<Read<T>> {
    const r = await this.send<Read<T>>(method, withToken({ args, opts: readOptionsToWire(o) }, o.token), { readOptions: o, signal: o.signal });
    return { meta: r.meta, value: r.value };
  }

  private call<T>(method: RpcMethod, args: unknown[], token?: string): Promise<T> {
    return this.send<T>(method, withToken({ args }, token), {});
  }
}

/** The token travels only when there is one (none: the anonymous token). */
function withToken(body: WireRequest, token: string | undefined): WireRequest {
  if (token) body.token = token;
  return body;
}
