/**
 * /v1/snapshot: Consul's agent/snapshot_endpoint.go. GET streams the archive (headers first:
 * X-Consul-Index and the leader metadata, `Content-Type: application/x-gzip` as Go sniffs it,
 * chunked, never compressed again); PUT streams the request body into the restore and answers
 * an empty 200. Errors are Consul's: 500 with the text ("failed to read snapshot file: ...",
 * "No path to datacenter", "stale not allowed for restore").
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { MusterError } from '../lib/index.js';
import type { SnapshotApi } from '../server/snapshot-endpoint.js';
import type { RequestContext } from './context.js';
import type { Reply } from './reply.js';
import type { Router } from './router.js';

export function registerSnapshot(router: Router, api: SnapshotApi): void {
  router.add('/v1/snapshot', ['GET', 'PUT'], (ctx) => (ctx.method === 'GET' ? save(ctx, api) : restore(ctx, api)));
}

async function save(ctx: RequestContext, api: SnapshotApi): Promise<Reply> {
  const r = await api.save(ctx.query.get('dc'), { consistency: ctx.query.has('stale') ? 'stale' : 'default', token: ctx.token });
  return {
    headers: {
      'X-Consul-Index': String(Math.max(1, r.index)),
      'X-Consul-KnownLeader': r.knownLeader === false ? 'false' : 'true',
      'X-Consul-LastContact': String(Math.max(0, Math.round(r.lastContactMs ?? 0))),
      'Content-Type': 'application/x-gzip',
    },
    stream: (out, signal) => {
      const source = Readable.from(r.archive, { objectMode: false });
      signal.addEventListener('abort', () => source.destroy(), { once: true });
      // A failure mid-stream can only cut the response short (the status is long gone), as in Consul.
      pipeline(source, out).catch(() => out.destroy());
    },
  };
}

async function restore(ctx: RequestContext, api: SnapshotApi): Promise<Reply> {
  if (ctx.query.has('stale')) throw new MusterError('ERR_RPC', 'stale not allowed for restore');
  await api.restore(ctx.query.get('dc'), ctx.bodyStream(), ctx.token);
  return { text: '' };
}
