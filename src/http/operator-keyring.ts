/**
 * /v1/operator/keyring (Consul's agent/operator_endpoint.go OperatorKeyringEndpoint): GET
 * lists the gossip keys of every pool, POST installs, PUT makes primary, DELETE removes; the
 * body is `{"Key": "<base64>"}`; `?relay-factor=` (0–5) and `?local-only=` (GET only). Each
 * pool's answer is a KeyringResponse; any pool that failed turns the whole reply into a 500
 * whose text lists the failures (keyringErrorsOrNil, a go-multierror list).
 */
import { authorizerOf, need, openAgentAuth, type AgentAuth } from './agent-acl.js';
import { goParseBool, goQuote, limits, MusterError, multiErrorText } from '../lib/index.js';
import { localOnlyListText, relayFactorMax, relayFactorRangeText, type PoolKeyResponse } from '../gossip/keyring.js';
import type { RequestContext } from './context.js';
import { decodeGo, go, GoDecodeError, parseGoJson } from './go-decode.js';
import { sortedRecord } from './json.js';
import type { Reply } from './reply.js';
import type { Router } from './router.js';

/** Consul's structs.KeyringResponse, with its JSON field names (api/operator_keyring.go). */
export interface KeyringResponse {
  WAN: boolean;
  Datacenter: string;
  Segment: string;
  /** Node name → its error or warning (omitted when empty). */
  Messages?: Record<string, string>;
  /** base64 key → nodes holding it. */
  Keys: Record<string, number>;
  /** base64 key → nodes using it as primary. */
  PrimaryKeys: Record<string, number>;
  NumNodes: number;
  /** Why the pool failed (never sent: a failure makes the reply a 500). */
  Error?: string;
}

export interface KeyringOptions {
  /** The request's ACL token ('' when none was given). */
  token: string;
  /** 0–5: nodes relay their answers through this many others. */
  relayFactor: number;
  /** list only: this datacenter's LAN pools, no WAN. */
  localOnly: boolean;
}

/**
 * The agent's keyring operations across the cluster (Consul's Internal.KeyringOperation): one
 * KeyringResponse per pool (WAN first, then each LAN segment, then other datacenters). Throw
 * (e.g. MusterError ERR_RPC "keyring operations must run against a server node") for a
 * request that could not run at all: it becomes a 500 with the message.
 */
export interface KeyringApi {
  list(opts: KeyringOptions): Promise<KeyringResponse[]>;
  install(key: string, opts: KeyringOptions): Promise<KeyringResponse[]>;
  use(key: string, opts: KeyringOptions): Promise<KeyringResponse[]>;
  remove(key: string, opts: KeyringOptions): Promise<KeyringResponse[]>;
}

const keyringArgsType = go.struct('keyringArgs', { Key: go.string, Token: go.string, RelayFactor: { k: 'uint', go: 'uint8' }, LocalOnly: go.bool });
const uint8Max = 255;

export function registerOperatorKeyring(router: Router, api: KeyringApi, auth: AgentAuth = openAgentAuth): void {
  router.add('/v1/operator/keyring', ['GET', 'POST', 'PUT', 'DELETE'], async (ctx) => {
    // Consul's keyring checks: keyring:read to list, keyring:write to change.
    const authz = await authorizerOf(auth, ctx);
    need(ctx.method === 'GET' ? authz.keyringRead() : authz.keyringWrite());
    return keyringEndpoint(ctx, api);
  });
}

const badRequest = (reason: string): MusterError => new MusterError('ERR_BAD_REQUEST', `Bad request: ${reason}`);

async function keyringEndpoint(ctx: RequestContext, api: KeyringApi): Promise<Reply> {
  const write = ctx.method !== 'GET';
  const args = write ? await decodeArgs(ctx) : { key: '', relayFactor: 0 };
  const opts: KeyringOptions = { token: ctx.token, relayFactor: args.relayFactor, localOnly: false };
  const relay = ctx.query.get('relay-factor');
  if (relay !== '') {
    const n = goAtoi(relay);
    if (typeof n === 'string') throw badRequest(`Error parsing relay factor: ${n}`);
    if (n < 0 || n > relayFactorMax) throw badRequest(`Invalid relay-factor: ${relayFactorRangeText}`);
    opts.relayFactor = n;
  }
  const local = ctx.query.get('local-only');
  if (local !== '') {
    const b = goParseBool(local);
    if (!b.ok) throw badRequest(`Error parsing local-only: ${b.error}`);
    if (b.value && write) throw badRequest(`Invalid use of local-only: ${localOnlyListText}`);
    opts.localOnly = b.value;
  }
  let responses: KeyringResponse[];
  if (ctx.method === 'GET') responses = await api.list(opts);
  else if (ctx.method === 'POST') responses = await api.install(args.key, opts);
  else if (ctx.method === 'PUT') responses = await api.use(args.key, opts);
  else responses = await api.remove(args.key, opts);
  const failed = keyringErrors(responses);
  if (failed !== undefined) return { status: 500, text: failed };
  return write ? {} : { json: responses.map(keyringResponseJson) };
}

async function decodeArgs(ctx: RequestContext): Promise<{ key: string; relayFactor: number }> {
  const body = await ctx.body(limits.requestBodyBytesMax);
  try {
    const args = decodeGo(parseGoJson(body.toString('utf8')), keyringArgsType as Parameters<typeof decodeGo>[1]);
    const relayFactor = (args['RelayFactor'] as number | undefined) ?? 0;
    if (relayFactor > uint8Max) {
      throw new GoDecodeError(`json: cannot unmarshal number ${relayFactor} into Go struct field keyringArgs.RelayFactor of type uint8`);
    }
    return { key: (args['Key'] as string | undefined) ?? '', relayFactor };
  } catch (e) {
    if (e instanceof GoDecodeError) throw badRequest(`Request decode failed: ${e.message}`);
    throw e;
  }
}

/** strconv.Atoi: the number, or Go's error text. */
function goAtoi(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`;
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return `strconv.Atoi: parsing ${goQuote(s)}: value out of range`;
  return Number(n);
}

/** The reply body: Consul's field order, map keys sorted, Messages and Error left out when empty. */
function keyringResponseJson(r: KeyringResponse): Record<string, unknown> {
  const out: Record<string, unknown> = { WAN: r.WAN, Datacenter: r.Datacenter, Segment: r.Segment };
  if (r.Messages && Object.keys(r.Messages).length > 0) out['Messages'] = sortedRecord(r.Messages);
  out['Keys'] = sortedRecord(r.Keys ?? {});
  out['PrimaryKeys'] = sortedRecord(r.PrimaryKeys ?? {});
  out['NumNodes'] = r.NumNodes;
  if (r.Error) out['Error'] = r.Error;
  return out;
}

/**
 * keyringErrorsOrNil: for each failed pool "<dc> (LAN) error: ..." or "WAN error: ...",
 * followed by its nodes' messages, as a go-multierror list; undefined when none failed.
 */
export function keyringErrors(responses: readonly KeyringResponse[]): string | undefined {
  const errs: string[] = [];
  for (const r of responses) {
    if (!r.Error) continue;
    errs.push(`${r.WAN ? 'WAN' : `${r.Datacenter} (LAN)`} error: ${r.Error}`);
    const messages = r.Messages ?? {};
    for (const node of Object.keys(messages).sort()) errs.push(`${node}: ${messages[node]}`);
  }
  return errs.length === 0 ? undefined : multiErrorText(errs);
}

/**
 * Consul's translateKeyResponseToKeyringResponse: one pool's collected answers (gossip's
 * collectKeyResponses) as the KeyringResponse of `pool`. `answers` is undefined when the
 * query never went out (e.g. the key was not base64): then only `error` is reported.
 */
export function keyringResponse(pool: { wan: boolean; datacenter: string; segment?: string }, answers: PoolKeyResponse | undefined, error: string | undefined): KeyringResponse {
  const r: KeyringResponse = {
    WAN: pool.wan,
    Datacenter: pool.datacenter,
    Segment: pool.segment ?? '',
    Messages: { ...(answers?.messages ?? {}) },
    Keys: { ...(answers?.keys ?? {}) },
    PrimaryKeys: { ...(answers?.primaryKeys ?? {}) },
    NumNodes: answers?.numNodes ?? 0,
  };
  if (error !== undefined && error !== '') r.Error = error;
  return r;
}
