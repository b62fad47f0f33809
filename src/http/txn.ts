/** PUT /v1/txn: Consul's agent/txn_endpoint.go for KV operations. */
import { limits, MusterError, parseJsonBig } from '../lib/index.js';
import type { ServerApi } from '../server/index.js';
import type { CatalogTxnVerb, KVTxnOp, TxnOp, TxnOutcome, TxnResult } from '../state/index.js';
import { checkJson, checkWriteFrom, healthCheckType, nodeJson, nodeServiceJson, nodeServiceType, serviceWriteFrom } from './catalog-structs.js';
import { decodeGo, go, GoDecodeError, type Decoded, type GoType } from './go-decode.js';
import { decodeStdBase64 } from './base64.js';
import type { RequestContext } from './context.js';
import { kvEntryJson } from './kv.js';
import { parseConsistency } from './query-options.js';
import type { Reply } from './reply.js';
import type { Router } from './router.js';

const writeVerbs = new Set(['set', 'delete', 'delete-cas', 'delete-tree', 'cas', 'lock', 'unlock']);
const txnDocs = 'https://www.consul.io/docs/agent/options.html#txn_max_req_len';

export function registerTxn(router: Router, server: ServerApi): void {
  router.add('/v1/txn', ['PUT'], (ctx) => txn(ctx, server));
}

async function txn(ctx: RequestContext, server: ServerApi): Promise<Reply> {
  const bytesMax = limits.txnRequestBytesMax;
  const declared = ctx.exchange.contentLength;
  if (declared > bytesMax) {
    return { status: 413, text: `Request body(${declared} bytes) too large, max size: ${bytesMax} bytes. See ${txnDocs}.` };
  }
  let raw: unknown;
  try {
    const body = await ctx.body(bytesMax);
    raw = parseJsonBig(body.toString('utf8'));
  } catch (err) {
    if (err instanceof MusterError && err.code === 'ERR_TOO_LARGE') {
      return { status: 413, text: `Request body too large, max size: ${bytesMax} bytes. See ${txnDocs}.` };
    }
    return { status: 400, text: `Failed to parse body: ${(err as Error).message}` };
  }
  const converted = convertOps(raw);
  if ('reply' in converted) return converted.reply;
  const { ops, writes } = converted;
  const consistency = writes === 0 ? parseConsistency(ctx) : 'default';
  const r = await server.txn(ctx.query.get('dc'), ops, { consistency, token: ctx.token });
  const json = r.readOnly ? { ...outcomeJson(r.outcome), ...readMetaJson(r.meta) } : outcomeJson(r.outcome);
  const reply: Reply = { json, ...(r.readOnly ? { metaNoIndex: r.meta } : {}) };
  if (r.outcome.errors.length > 0) reply.status = 409;
  return reply;
}

function outcomeJson(o: TxnOutcome): Record<string, unknown> {
  const failed = o.errors.length > 0;
  return {
    Results: failed ? null : o.results.map(txnResultJson),
    Errors: failed ? o.errors.map((e) => ({ OpIndex: e.opIndex, What: e.what })) : null,
  };
}

function readMetaJson(meta: { knownLeader: boolean; lastContactMs: number }): Record<string, unknown> {
  return { Index: 0, LastContact: meta.lastContactMs * 1e6, KnownLeader: meta.knownLeader, ConsistencyLevel: '' };
}

/** Case-insensitive field lookup, as Go's JSON and mapstructure decoding match names. */
function field(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

type Converted = { ops: TxnOp[]; writes: number } | { reply: Reply };

function convertOps(raw: unknown): Converted {
  const bad = (msg: string): Converted => ({ reply: { status: 400, text: `Failed to parse body: ${msg}` } });
  if (raw === null) return { ops: [], writes: 0 };
  if (!Array.isArray(raw)) return bad(`json: cannot unmarshal ${goJsonType(raw)} into Go value of type api.TxnOps`);
  if (raw.length > limits.txnOpsMax) {
    return { reply: { status: 413, text: `Transaction contains too many operations (${raw.length} > ${limits.txnOpsMax})` } };
  }
  const ops: TxnOp[] = [];
  let writes = 0;
  let netBytes = 0;
  for (const item of raw) {
    if (!isObject(item)) return bad(`json: cannot unmarshal ${goJsonType(item)} into Go struct field of type api.TxnOp`);
    const kv = field(item, 'KV');
    if (kv === undefined || kv === null) {
      let catalogOp: TxnOp | undefined;
      try {
        catalogOp = convertCatalogOp(item);
      } catch (err) {
        if (err instanceof GoDecodeError) return bad(err.message);
        throw err;
      }
      if (catalogOp) {
        const verb = 'node' in catalogOp ? catalogOp.node.verb : 'service' in catalogOp ? catalogOp.service.verb : 'check' in catalogOp ? catalogOp.check.verb : 'get';
        if (verb !== 'get') writes++;
        ops.push(catalogOp);
      }
      continue;
    }
    if (!isObject(kv)) return bad(`unexpected raw KV type: ${goJsonType(kv)}`);
    const op = convertKV(kv);
    if (typeof op === 'string') return bad(op);
    if (op.value && op.value.length > limits.kvValueBytesMax) {
      return { reply: { status: 413, text: `Value for key ${JSON.stringify(op.key)} is too large (${op.value.length} > ${limits.kvValueBytesMax} bytes)` } };
    }
    netBytes += op.value?.length ?? 0;
    if (writeVerbs.has(op.verb)) writes++;
    ops.push({ kv: op });
  }
  if (netBytes > limits.kvValueBytesMax) {
    return { reply: { status: 413, text: `Cumulative size of key data is too large (${netBytes} > ${limits.kvValueBytesMax} bytes)` } };
  }
  return { ops, writes };
}

/**
 * A Node, Service or Check op (Consul's TxnNodeOp, TxnServiceOp, TxnCheckOp). Results show
 * the stored values raw: an empty list or map is `null`, as Consul's txn results print the
 * nil slices the HTTP catalog endpoints replace by `[]`.
 */
function convertCatalogOp(item: Record<string, unknown>): TxnOp | undefined {
  const node = field(item, 'Node');
  const service = field(item, 'Service');
  const check = field(item, 'Check');
  const verbOf = (o: Decoded): CatalogTxnVerb => ((o['Verb'] as string | undefined) ?? '') as CatalogTxnVerb;
  if (isObject(node)) {
    const d = decodeGo(node, nodeOpType as GoStruct);
    const n = (d['Node'] as Decoded | undefined) ?? {};
    const s = (k: string): string => (n[k] as string | undefined) ?? '';
    const write = {
      id: s('ID').toLowerCase(),
      node: s('Node'),
      address: s('Address'),
      datacenter: s('Datacenter'),
      taggedAddresses: (n['TaggedAddresses'] as Record<string, string> | undefined) ?? {},
      meta: (n['Meta'] as Record<string, string> | undefined) ?? {},
    };
    return { node: { verb: verbOf(d), node: write, modifyIndex: (n['ModifyIndex'] as number | undefined) ?? 0 } };
  }
  if (isObject(service)) {
    const d = decodeGo(service, serviceOpType as GoStruct);
    const svc = (d['Service'] as Decoded | undefined) ?? {};
    const write = serviceWriteFrom(svc);
    if (write.id === '' && write.service !== '') write.id = write.service;
    return { service: { verb: verbOf(d), node: (d['Node'] as string | undefined) ?? '', service: write, modifyIndex: (svc['ModifyIndex'] as number | undefined) ?? 0 } };
  }
  if (isObject(check)) {
    const d = decodeGo(check, checkOpType as GoStruct);
    const c = (d['Check'] as Decoded | undefined) ?? {};
    const write = checkWriteFrom(c, (c['Node'] as string | undefined) ?? '');
    return { check: { verb: verbOf(d), check: write, modifyIndex: (c['ModifyIndex'] as number | undefined) ?? 0 } };
  }
  return undefined;
}

type GoStruct = Parameters<typeof decodeGo>[1];

const nodeOpType = go.struct(
  'TxnNodeOp',
  {
    Verb: go.string,
    Node: go.struct(
      'Node',
      { ID: go.string, Node: go.string, Address: go.string, Datacenter: go.string, TaggedAddresses: go.map(go.string), Meta: go.map(go.string), CreateIndex: go.uint64, ModifyIndex: go.uint64 },
      true,
    ),
  },
  true,
);
const serviceOpType = go.struct('TxnServiceOp', { Verb: go.string, Node: go.string, Service: lenient(nodeServiceType) }, true);
const checkOpType = go.struct('TxnCheckOp', { Verb: go.string, Check: lenient(healthCheckType) }, true);

function lenient(t: GoType): GoType {
  return t.k === 'struct' ? { ...t, lenient: true } : t;
}

const nullIfEmpty = <T>(v: T[] | Record<string, T>): unknown => (Array.isArray(v) ? (v.length === 0 ? null : v) : Object.keys(v).length === 0 ? null : v);

function txnResultJson(r: TxnResult): Record<string, unknown> {
  if ('kv' in r) return { KV: kvEntryJson(r.kv) };
  if ('node' in r) {
    const n = nodeJson(r.node);
    return { Node: { ...n, TaggedAddresses: nullIfEmpty(r.node.taggedAddresses), Meta: nullIfEmpty(r.node.meta) } };
  }
  if ('service' in r) {
    const s = nodeServiceJson(r.service);
    return { Service: { ...s, Tags: nullIfEmpty(r.service.tags), Meta: nullIfEmpty(r.service.meta) } };
  }
  const c = checkJson(r.check);
  return { Check: { ...c, ServiceTags: nullIfEmpty(r.check.serviceTags) } };
}

function convertKV(kv: Record<string, unknown>): KVTxnOp | string {
  const verb = field(kv, 'Verb') ?? '';
  const key = field(kv, 'Key') ?? '';
  const session = field(kv, 'Session') ?? '';
  const flags = field(kv, 'Flags') ?? 0n;
  const index = field(kv, 'Index') ?? 0;
  const value = field(kv, 'Value') ?? null;
  if (typeof verb !== 'string') return `'Verb' expected type 'api.KVOp', got ${goJsonType(verb)}`;
  if (typeof key !== 'string') return `'Key' expected type 'string', got ${goJsonType(key)}`;
  if (typeof session !== 'string') return `'Session' expected type 'string', got ${goJsonType(session)}`;
  if (!isUint(flags)) return `'Flags' expected type 'uint64', got ${goJsonType(flags)}`;
  if (!isUint(index)) return `'Index' expected type 'uint64', got ${goJsonType(index)}`;
  let bytes: Uint8Array | null = null;
  if (value !== null) {
    if (typeof value !== 'string') return `unexpected value type: ${goJsonType(value)}`;
    try {
      bytes = decodeStdBase64(value);
    } catch (err) {
      return `failed to decode value: ${(err as Error).message}`;
    }
  }
  return { verb: verb as KVTxnOp['verb'], key, value: bytes, flags: BigInt(flags), index: Number(index), session };
}

const isUint = (v: unknown): v is number | bigint =>
  (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'bigint' && v >= 0n && v <= 0xffffffffffffffffn);

function goJsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return typeof v;
}
