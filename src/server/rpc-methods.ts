/**
 * ServerApi over the RPC port: one table, used by both ends. Each entry names the method as
 * Consul names the RPC (`KVS.Get`, `Catalog.Register`, ...; the DNS lookups are ours), says
 * whether it is a read (retried on another server after a broken connection) and a blocking
 * one, and converts between the call's arguments and what travels:
 *
 * - a client agent's `RemoteServer` turns `api.kvGet(key, opts)` into
 *   `{ args: [key], opts: {dc, consistency, minIndex, waitMs, nodeMeta} }` for `KVS.Get`;
 * - a server's handler (`registerServerEndpoints`) checks every field of what arrived (it is
 *   whatever the peer sent), calls the same method of its `Server` with the request's abort
 *   signal, and replies with the result.
 *
 * Results are plain data (msgpack via lib/codec: byte arrays and uint64 BigInts round-trip);
 * the one Map (`Catalog.ListServices`) travels as an entry list.
 */
import { MusterError } from '../lib/index.js';
import { ListReply, type RpcLane } from '../rpc/index.js';
import { txnIsReadOnly, type RegisterRequest, type TxnOp } from '../state/index.js';
import type { ServerApi } from './api.js';
import type { CatalogReadOptions } from './catalog-endpoint.js';
import type { Consistency, KVApply, Read } from './endpoints.js';
import type { ACLLegacyOp } from './acl-endpoint.js';
import { aclLegacyArgsFromWire, aclPolicySetArgsFromWire, aclTokenListFilterFromWire, aclTokenSetArgsFromWire, wireBool } from './acl-wire.js';
import { autopilotConfigFromWire } from './operator-endpoint.js';
import type { SessionCreateArgs } from './session-endpoint.js';

/** How read options travel (the signal stays behind: a cancel frame carries it). */
export interface WireReadOptions {
  dc: string;
  consistency: Consistency;
  minIndex: number;
  waitMs: number;
  nodeMeta?: Array<[string, string]>;
}

export interface WireRequest {
  args: unknown[];
  opts?: WireReadOptions;
  /** The caller's ACL token (absent: the anonymous token). */
  token?: string;
}

interface MethodSpec {
  /** Safe to send again after a connection broke mid-call (it changed nothing). */
  read: boolean;
  /** Takes read options: may block for `waitMs`. */
  blocking: boolean;
  /**
   * Where a server runs it (Consul's `forward`): 'here' on any server (status, datacenters,
   * DNS lookups, which Consul answers stale); 'leader' (writes, session renewals, user events);
   * 'consistency': on any server for `?stale`, else on the leader.
   */
  where: 'here' | 'leader' | 'consistency';
  /** Its reply may be a long list (a whole-store KV read): it goes on the RPC client's bulk lane. */
  bulk?: true;
  /** Runs the call on the server, from checked wire arguments; reads find the token in `opts`. */
  serve(api: ServerApi, args: unknown[], opts: CatalogReadOptions | undefined, token: string): Promise<unknown>;
}

const consistencies: ReadonlySet<string> = new Set(['default', 'stale', 'consistent']);

function bad(what: string): MusterError {
  return new MusterError('ERR_BAD_REQUEST', `rpc: bad request: ${what}`);
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw bad(`${what} must be a string`);
  return v;
}

function strs(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(`${what} must be a list of strings`);
  return v;
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${what} must be a map`);
  return v as Record<string, unknown>;
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw bad(`${what} must be a list`);
  return v;
}

/** Read options from the wire; the caller adds its abort signal. */
export function readOptionsFromWire(v: unknown): CatalogReadOptions {
  const o = record(v, 'options');
  const consistency = str(o['consistency'], 'consistency');
  if (!consistencies.has(consistency)) throw bad(`unknown consistency ${consistency}`);
  const minIndex = o['minIndex'];
  const waitMs = o['waitMs'];
  if (typeof minIndex !== 'number' || !Number.isSafeInteger(minIndex) || minIndex < 0) throw bad('minIndex must be a non-negative integer');
  if (typeof waitMs !== 'number' || !Number.isFinite(waitMs) || waitMs < 0) throw bad('waitMs must be a non-negative number');
  const out: CatalogReadOptions = { datacenter: str(o['dc'], 'dc'), consistency: consistency as Consistency, minIndex, waitMs };
  if (o['nodeMeta'] !== undefined) {
    out.nodeMeta = list(o['nodeMeta'], 'nodeMeta').map((pair) => {
      const p = strs(pair, 'a nodeMeta pair');
      if (p.length !== 2) throw bad('a nodeMeta pair must have two strings');
      return [p[0]!, p[1]!] as const;
    });
  }
  return out;
}

export function readOptionsToWire(o: CatalogReadOptions): WireReadOptions {
  const w: WireReadOptions = { dc: o.datacenter, consistency: o.consistency, minIndex: o.minIndex, waitMs: o.waitMs };
  if (o.nodeMeta) w.nodeMeta = o.nodeMeta.map(([k, v]) => [k, v]);
  return w;
}

/*
 * Structured arguments (a registration, txn ops, a session, a KV write) are checked for shape
 * here and for content by the endpoint itself, exactly as an HTTP request's are.
 */
function kvApplyArg(v: unknown): KVApply {
  const r = record(v, 'KV request');
  str(r['op'], 'op');
  str(r['key'], 'key');
  if (r['value'] !== null && !(r['value'] instanceof Uint8Array)) throw bad('value must be bytes or nil');
  if (typeof r['flags'] !== 'bigint' && typeof r['flags'] !== 'number') throw bad('flags must be an integer');
  if (typeof r['flags'] === 'number') r['flags'] = BigInt(r['flags']);
  return r as unknown as KVApply;
}

function registerArg(v: unknown): RegisterRequest {
  const r = record(v, 'registration');
  record(r['node'], 'node');
  list(r['checks'], 'checks').forEach((c) => record(c, 'a check'));
  if (r['service'] !== undefined) record(r['service'], 'service');
  return r as unknown as RegisterRequest;
}

function txnOpsArg(v: unknown): TxnOp[] {
  return list(v, 'txn ops').map((op) => record(op, 'a txn op')) as unknown as TxnOp[];
}

function sessionArg(v: unknown): SessionCreateArgs {
  const r = record(v, 'session');
  str(r['node'], 'node');
  str(r['ttl'], 'ttl');
  return r as unknown as SessionCreateArgs;
}

function bytes(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw bad(`${what} must be bytes`);
  return v;
}

const read = (serve: MethodSpec['serve']): MethodSpec => ({ read: true, blocking: true, where: 'consistency', serve });
const lookup = (serve: MethodSpec['serve']): MethodSpec => ({ read: true, blocking: false, where: 'here', serve });
const write = (serve: MethodSpec['serve']): MethodSpec => ({ read: false, blocking: false, where: 'leader', serve });
const need = <T>(o: T | undefined): T => {
  if (o === undefined) throw bad('missing read options');
  return o;
};

/** Every method a server answers for client agents. */
export const rpcMethods = {
  'Status.Leader': lookup((api) => api.statusLeader()),
  'Status.Peers': lookup((api) => api.statusPeers()),
  'Catalog.ListDatacenters': lookup((api) => api.datacenters()),

  'KVS.Get': read((api, [key], o) => api.kvGet(str(key, 'key'), need(o))),
  'KVS.List': { ...read((api, [prefix], o) => api.kvList(str(prefix, 'prefix'), need(o))), bulk: true },
  'KVS.ListKeys': { ...read((api, [prefix, sep], o) => api.kvKeys(str(prefix, 'prefix'), str(sep, 'separator'), need(o))), bulk: true },
  'KVS.Apply': write((api, [dc, req], _o, token) => api.kvApply(str(dc, 'dc'), kvApplyArg(req), token)),
  'Txn.Apply': write(async (api, [dc, ops, consistency], _o, token) => {
    const c = str(consistency, 'consistency');
    if (!consistencies.has(c)) throw bad(`unknown consistency ${c}`);
    return api.txn(str(dc, 'dc'), txnOpsArg(ops), { consistency: c as Consistency, token });
  }),

  'Catalog.Register': write((api, [dc, req], _o, token) => api.catalog.register(str(dc, 'dc'), registerArg(req), token)),
  'Catalog.Deregister': write((api, [dc, node, service, check], _o, token) =>
    api.catalog.deregister(str(dc, 'dc'), str(node, 'node'), str(service, 'service ID'), str(check, 'check ID'), token),
  ),
  'Catalog.ListNodes': read((api, _args, o) => api.catalog.nodes(need(o))),
  'Catalog.ListServices': read(async (api, _args, o) => {
    const r = await api.catalog.services(need(o));
    return { meta: r.meta, value: [...r.value] };
  }),
  'Catalog.ServiceNodes': read((api, [name, tags], o) => api.catalog.serviceNodes(str(name, 'service'), strs(tags, 'tags'), need(o))),
  'Catalog.NodeServices': read((api, [node], o) => api.catalog.nodeServices(str(node, 'node'), need(o))),
  'Health.NodeChecks': read((api, [node], o) => api.catalog.nodeChecks(str(node, 'node'), need(o))),
  'Health.ServiceChecks': read((api, [name], o) => api.catalog.serviceChecks(str(name, 'service'), need(o))),
  'Health.ChecksInState': read((api, [state], o) => api.catalog.checksInState(str(state, 'state'), need(o))),
  'Health.ServiceNodes': read((api, [name, tags], o) => api.catalog.healthService(str(name, 'service'), strs(tags, 'tags'), need(o))),

  'Session.Create': write((api, [dc, args], _o, token) => api.sessions.create(str(dc, 'dc'), sessionArg(args), token)),
  'Session.Destroy': write((api, [dc, id], _o, token) => api.sessions.destroy(str(dc, 'dc'), str(id, 'session ID'), token)),
  // A read (nothing changes in the log) that only the leader, which keeps the TTL timers, answers.
  'Session.Renew': { ...lookup((api, [dc, id], _o, token) => api.sessions.renew(str(dc, 'dc'), str(id, 'session ID'), token)), where: 'leader' },
  'Session.Get': read((api, [id], o) => api.sessions.get(str(id, 'session ID'), need(o))),
  'Session.List': read((api, _args, o) => api.sessions.list(need(o))),
  'Session.NodeSessions': read((api, [node], o) => api.sessions.node(str(node, 'node'), need(o))),

  'Internal.EventFire': write((api, [dc, name, payload], _o, token) => api.eventFire(str(dc, 'dc'), str(name, 'name'), bytes(payload, 'payload'), token)),

  // Reads carry their consistency in the read options (the value is the reply; the meta is not used).
  'Operator.RaftGetConfiguration': read(async (api, _args, o) => ({ meta: undefined, value: await api.operator.raftConfiguration(need(o).datacenter, need(o)) })),
  'Operator.RaftRemovePeerByAddress': write((api, [dc, address], _o, token) => api.operator.raftRemovePeer(str(dc, 'dc'), { address: str(address, 'address') }, token)),
  'Operator.RaftRemovePeerByID': write((api, [dc, id], _o, token) => api.operator.raftRemovePeer(str(dc, 'dc'), { id: str(id, 'id') }, token)),
  'Operator.AutopilotGetConfiguration': read(async (api, _args, o) => ({ meta: undefined, value: await api.operator.autopilotConfiguration(need(o).datacenter, need(o)) })),
  'Operator.AutopilotSetConfiguration': write((api, [dc, conf, cas], _o, token) => {
    if (cas !== undefined && cas !== null && (typeof cas !== 'number' || !Number.isSafeInteger(cas) || cas < 0)) throw bad('cas must be a non-negative integer');
    return api.operator.autopilotSetConfiguration(str(dc, 'dc'), autopilotConfigFromWire(conf), cas ?? undefined, token);
  }),
  // Health is the leader's own view (Consul forces RequireConsistent).
  'Operator.ServerHealth': { ...lookup((api, [dc], _o, token) => api.operator.serverHealth(str(dc, 'dc'), token)), where: 'leader' },

  // ACL tokens and policies (acl-endpoint.ts); ACL.Enabled and ACL.RulesTranslate are ours.
  'ACL.Enabled': lookup((api) => api.acl.enabled()),
  // The token to resolve is the call's own token.
  'ACL.ResolveIdentity': lookup((api, _args, _o, token) => api.acl.resolveIdentity(token)),
  'ACL.BootstrapTokens': write((api, [dc]) => api.acl.bootstrap(str(dc, 'dc'))),
  // By AccessorID, or ('secret') the caller's own token, which travels as the request's token.
  'ACL.TokenRead': read((api, [type, id], o) => {
    if (type === 'secret') return api.acl.tokenSelf(need(o));
    if (type !== 'accessor') throw bad('token ID type must be accessor or secret');
    return api.acl.tokenRead(str(id, 'accessor ID'), need(o));
  }),
  'ACL.TokenSet': write((api, [dc, t, create], _o, token) => api.acl.tokenSet(str(dc, 'dc'), aclTokenSetArgsFromWire(t), wireBool(create, 'create'), token)),
  'ACL.TokenClone': write((api, [dc, id, description], _o, token) =>
    api.acl.tokenClone(str(dc, 'dc'), str(id, 'accessor ID'), str(description, 'description'), token),
  ),
  'ACL.TokenDelete': write((api, [dc, id], _o, token) => api.acl.tokenDelete(str(dc, 'dc'), str(id, 'accessor ID'), token)),
  'ACL.TokenList': read((api, [filter], o) => api.acl.tokenList(aclTokenListFilterFromWire(filter), need(o))),
  // By ID, or by name when the ID is empty (Consul's PolicyID and PolicyName).
  'ACL.PolicyRead': read((api, [id, name], o) =>
    str(id, 'policy ID') !== '' ? api.acl.policyRead(id as string, need(o)) : api.acl.policyReadByName(str(name, 'policy name'), need(o)),
  ),
  'ACL.PolicySet': write((api, [dc, p], _o, token) => api.acl.policySet(str(dc, 'dc'), aclPolicySetArgsFromWire(p), token)),
  'ACL.PolicyDelete': write((api, [dc, id], _o, token) => api.acl.policyDelete(str(dc, 'dc'), str(id, 'policy ID'), token)),
  'ACL.PolicyList': read((api, _args, o) => api.acl.policyList(need(o))),
  'ACL.ReplicationStatus': { ...lookup((api, [dc]) => api.acl.replicationStatus(str(dc, 'dc'))), where: 'leader' },
  'ACL.RulesTranslate': lookup((api, [rules], _o, token) => api.acl.rulesTranslate(str(rules, 'rules'), token)),
  // The legacy endpoints: op 'set' or 'delete' (the endpoint refuses others as Consul does).
  'ACL.Apply': write((api, [dc, op, acl], _o, token) => api.acl.legacyApply(str(dc, 'dc'), str(op, 'op') as ACLLegacyOp, aclLegacyArgsFromWire(acl), token)),
  'ACL.Get': read((api, [id], o) => api.acl.legacyGet(str(id, 'ACL ID'), need(o))),
  'ACL.List': read((api, _args, o) => api.acl.legacyList(need(o))),

  'DNS.Node': lookup((api, [dc, name]) => api.dns.node(str(dc, 'dc'), str(name, 'node'))),
  'DNS.ServiceNodes': lookup((api, [dc, name]) => api.dns.serviceNodes(str(dc, 'dc'), str(name, 'service'))),
  'DNS.Nodes': lookup((api, [dc]) => api.dns.nodes(str(dc, 'dc'))),
  'DNS.Services': lookup((api, [dc]) => api.dns.services(str(dc, 'dc'))),
} satisfies Record<string, MethodSpec>;

export type RpcMethod = keyof typeof rpcMethods;

/**
 * Whether a server answers `method` from its own state rather than the leader's: always for
 * 'here', for `?stale` reads (a read-only txn included), never for writes.
 */
export function servedLocally(method: RpcMethod, body: WireRequest): boolean {
  const spec: MethodSpec = rpcMethods[method];
  if (spec.where === 'here') return true;
  if (method === 'Txn.Apply') return body.args[2] === 'stale' && txnIsReadOnly(body.args[1] as TxnOp[]);
  return spec.where === 'consistency' && body.opts?.consistency === 'stale';
}

/** The RPC client lane of `method`: its own connection when its reply may be a long list. */
export function laneOf(method: RpcMethod): RpcLane | undefined {
  const spec: MethodSpec = rpcMethods[method];
  return spec.bulk ? 'bulk' : undefined;
}

/** Runs `method` on `api` from its wire form, as a server does for a call that arrived. */
export function serveLocally(api: ServerApi, method: RpcMethod, body: WireRequest, signal: AbortSignal | undefined): Promise<unknown> {
  const spec: MethodSpec = rpcMethods[method];
  const token = body.token ?? '';
  const opts = body.opts === undefined ? undefined : { ...readOptionsFromWire(body.opts), signal, token };
  return spec.serve(api, body.args, opts, token);
}

/** The reply of a read, as it arrives (a Map comes back from its entry list in RemoteServer). */
export type WireRead = Read<unknown>;

/** What a server registers on its RPC listener. */
export interface RpcRegistry {
  register(method: string, handler: (body: unknown, ctx: { signal: AbortSignal }) => unknown): void;
}

/** Registers every method of `rpcMethods`, answered by `api` (a server's own `Server`). */
export function registerServerEndpoints(rpc: RpcRegistry, api: ServerApi): void {
  for (const [method, spec] of Object.entries(rpcMethods) as Array<[RpcMethod, MethodSpec]>) {
    rpc.register(method, (body, ctx) => {
      const req = record(body, 'request');
      const args = list(req['args'], 'args');
      const token = req['token'] === undefined ? '' : str(req['token'], 'token');
      const opts = req['opts'] === undefined ? undefined : { ...readOptionsFromWire(req['opts']), signal: ctx.signal, token };
      return spec.serve(api, args, opts, token).then(listed);
    });
  }
}

/**
 * A read whose value is a list travels as a ListReply: a long one (a whole-store KV read, 1M
 * entries) goes in parts, each its own frame and turn of the event loop, instead of one frame
 * over the frame bound; the caller gets the same Read.
 */
function listed(result: unknown): unknown {
  const value = typeof result === 'object' && result !== null ? (result as Partial<WireRead>).value : undefined;
  return Array.isArray(value) ? new ListReply(result as WireRead, 'value') : result;
}
