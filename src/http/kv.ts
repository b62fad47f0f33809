/** /v1/kv/<key>: Consul's agent/kvs_endpoint.go, mapped onto Server. */
import { limits, MusterError } from '../lib/index.js';
import type { KVApply, ServerApi } from '../server/index.js';
import type { KVEntry } from '../state/index.js';
import { BodyTooLargeError, type RequestContext } from './context.js';
import { jsonUint64 } from './json.js';
import { parseUint, readOptions } from './query-options.js';
import type { Reply } from './reply.js';
import type { Router } from './router.js';

/** Consul's DirEntry JSON, fields in its order; Session only when set. */
export function kvEntryJson(e: KVEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    LockIndex: e.lockIndex,
    Key: e.key,
    Flags: jsonUint64(e.flags),
    Value: e.value === null ? null : Buffer.from(e.value.buffer, e.value.byteOffset, e.value.byteLength).toString('base64'),
  };
  if (e.session !== '') out['Session'] = e.session;
  out['CreateIndex'] = e.createIndex;
  out['ModifyIndex'] = e.modifyIndex;
  return out;
}

const missingKey: Reply = { status: 400, text: 'Missing key name' };

export function registerKV(router: Router, server: ServerApi, kvValueBytesMax = limits.kvValueBytesMax): void {
  router.add('/v1/kv/', ['GET', 'PUT', 'DELETE'], (ctx) => {
    const key = ctx.path.slice('/v1/kv/'.length);
    if (ctx.method === 'GET') return ctx.query.has('keys') ? getKeys(ctx, server, key) : get(ctx, server, key);
    if (ctx.method === 'PUT') return put(ctx, server, key, kvValueBytesMax);
    return del(ctx, server, key);
  });
}

async function get(ctx: RequestContext, server: ServerApi, key: string): Promise<Reply> {
  const opts = readOptions(ctx);
  if (ctx.query.has('recurse')) {
    const r = await server.kvList(key, opts);
    if (r.value.length === 0) return { status: 404, meta: r.meta };
    return { jsonList: { items: r.value, render: kvEntryJson }, meta: r.meta };
  }
  if (key === '') return missingKey;
  const r = await server.kvGet(key, opts);
  if (!r.value) return { status: 404, meta: r.meta };
  if (ctx.query.has('raw')) {
    return {
      raw: r.value.value ?? new Uint8Array(0),
      meta: r.meta,
      headers: { 'Content-Type': 'text/plain', 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': 'sandbox' },
    };
  }
  const entry = r.value;
  return { objectJson: { of: entry, build: () => [kvEntryJson(entry)] }, meta: r.meta };
}

async function getKeys(ctx: RequestContext, server: ServerApi, prefix: string): Promise<Reply> {
  const opts = readOptions(ctx);
  const q = ctx.query;
  const sep = q.has('separator') ? q.get('separator') : q.has('seperator') ? q.get('seperator') : '';
  const r = await server.kvKeys(prefix, sep, opts);
  if (r.value.length === 0 && prefix !== '') return { status: 404, meta: r.meta };
  return { jsonList: { items: r.value }, meta: r.meta };
}

/** Consul answers 400 "Conflicting flags: <query, re-encoded>" when several of `names` are given. */
function conflicting(ctx: RequestContext, names: string[]): Reply | undefined {
  if (names.filter((n) => ctx.query.has(n)).length <= 1) return undefined;
  return { status: 400, text: `Conflicting flags: ${ctx.query.encode()}` };
}

/** Go's strconv.ParseUint(v, 10, 64) into a bigint, with its error texts. */
function uint64Param(ctx: RequestContext, name: string): bigint {
  const v = ctx.query.get(name);
  if (!/^[0-9]+$/.test(v)) throw new MusterError('ERR_INTERNAL', `strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = BigInt(v);
  if (n > 0xffffffffffffffffn) throw new MusterError('ERR_INTERNAL', `strconv.ParseUint: parsing ${JSON.stringify(v)}: value out of range`);
  return n;
}

function uintParam(ctx: RequestContext, name: string): number {
  const v = ctx.query.get(name);
  const n = parseUint(v);
  if (n === undefined) throw new MusterError('ERR_INTERNAL', `strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`);
  return n;
}

async function put(ctx: RequestContext, server: ServerApi, key: string, bytesMax: number): Promise<Reply> {
  if (key === '') return missingKey;
  const conflict = conflicting(ctx, ['cas', 'acquire', 'release']);
  if (conflict) return conflict;
  const q = ctx.query;
  const req: KVApply = { op: 'set', key, value: null, flags: 0n, index: 0, session: '' };
  if (q.has('flags')) req.flags = uint64Param(ctx, 'flags');
  if (q.has('cas')) {
    req.index = uintParam(ctx, 'cas');
    req.op = 'cas';
  }
  if (q.has('acquire')) {
    req.session = q.get('acquire');
    req.op = 'lock';
  }
  if (q.has('release')) {
    req.session = q.get('release');
    req.op = 'unlock';
  }
  let body: Buffer;
  try {
    body = await ctx.body(bytesMax);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return tooLarge(err.bytes, bytesMax);
    throw err;
  }
  req.value = body.length === 0 ? null : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  const applied = await server.kvApply(q.get('dc'), req, ctx.token);
  return { json: req.op === 'set' ? true : applied };
}

function tooLarge(bytes: number, bytesMax: number): Reply {
  return {
    status: 413,
    text: `Request body(${bytes} bytes) too large, max size: ${bytesMax} bytes. See https://www.consul.io/docs/agent/options.html#kv_max_value_size.`,
  };
}

async function del(ctx: RequestContext, server: ServerApi, key: string): Promise<Reply> {
  const conflict = conflicting(ctx, ['recurse', 'cas']);
  if (conflict) return conflict;
  const q = ctx.query;
  const req: KVApply = { op: 'delete', key, value: null, flags: 0n, index: 0, session: '' };
  if (q.has('recurse')) req.op = 'delete-tree';
  else if (key === '') return missingKey;
  if (q.has('cas')) {
    req.index = uintParam(ctx, 'cas');
    req.op = 'delete-cas';
  }
  const applied = await server.kvApply(q.get('dc'), req, ctx.token);
  return { json: req.op === 'delete-cas' ? applied : true };
}
