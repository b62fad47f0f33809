/**
 * `?cached` reads (Consul's agent cache) on /v1/catalog/service, /v1/health/service and
 * /v1/catalog/services. Consul keeps a background blocking query per entry, so a hit is as
 * fresh as the store; here the store is in the same process, so every answer is computed
 * fresh and the cache records what Consul's would report: `X-Cache: MISS` the first time a
 * request is seen, then `HIT` with `Age` = seconds since the entry's data last changed.
 * `Cache-Control: max-age=N` turns an older entry into a MISS (a refetch). Entries are bounded.
 */
import { MusterError, type Clock } from '../lib/index.js';
import { filtered } from './filter.js';
import { goJson } from './json.js';
import type { Reply } from './reply.js';
import type { RequestContext } from './context.js';

/** Entries kept before the least recently used is dropped. */
const entriesMax = 10_000;

export class ResponseCache {
  private readonly entries = new Map<string, { index: number; changedAtMs: number }>();

  constructor(private readonly clock: Clock) {}

  /** Headers for a `?cached` request whose fresh result has `index`; undefined when not cached. */
  headers(ctx: RequestContext, index: number): Record<string, string> | undefined {
    if (!ctx.query.has('cached')) return undefined;
    if (ctx.query.has('consistent')) throw new MusterError('ERR_BAD_REQUEST', 'Cannot specify ?cached with ?consistent, conflicting semantics.');
    const key = cacheKey(ctx);
    const now = this.clock.monotonicMs();
    const entry = this.entries.get(key);
    this.entries.delete(key);
    const maxAgeS = maxAge(ctx);
    if (!entry || (maxAgeS !== undefined && now - entry.changedAtMs > maxAgeS * 1000)) {
      this.remember(key, { index, changedAtMs: now });
      return { 'X-Cache': 'MISS' };
    }
    if (entry.index !== index) entry.changedAtMs = now;
    entry.index = index;
    this.remember(key, entry);
    return { 'X-Cache': 'HIT', Age: String(Math.floor((now - entry.changedAtMs) / 1000)) };
  }

  private remember(key: string, entry: { index: number; changedAtMs: number }): void {
    this.entries.set(key, entry);
    if (this.entries.size > entriesMax) this.entries.delete(this.entries.keys().next().value!);
  }
}

function cacheKey(ctx: RequestContext): string {
  return cacheKeyOf(ctx, ['cached', 'index', 'wait', 'pretty']);
}

function cacheKeyOf(ctx: RequestContext, skipped: string[]): string {
  const skip = new Set(skipped);
  const parts = ctx.query
    .encode()
    .split('&')
    .filter((p) => p !== '' && !skip.has(decodeURIComponent(p.split('=')[0]!)));
  return `${ctx.path}?${parts.join('&')}`;
}

function maxAge(ctx: RequestContext): number | undefined {
  const cc = ctx.header('cache-control');
  const m = cc ? /max-age=(\d+)/.exec(cc) : null;
  return m ? Number(m[1]) : undefined;
}

/** Bodies kept for sharing; small, because they matter only while a wave of queries answers. */
const renderedEntriesMax = 64;
const renderedBytesMax = 64 * 1024 * 1024;

/** Store objects whose rendering is kept (Reply.objectJson), most recently rendered last. */
const renderedObjectsMax = 64;
/** Larger renderings are not kept: the copy is cheap next to building them, and memory is not. */
const renderedObjectBytesMax = 16 * 1024;

/** Rendered JSON bodies by (request key, index, pretty): see Reply.sharedJson; and by object (Reply.objectJson). */
export class RenderCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;
  private readonly objects = [new Map<object, Buffer>(), new Map<object, Buffer>()];

  /** The body of `of`, an immutable store object: rendered once while it stays among the recent few. */
  ofObject(json: { of: object; build: () => unknown }, pretty: boolean): Buffer {
    const cache = this.objects[pretty ? 1 : 0]!;
    const hit = cache.get(json.of);
    if (hit) return hit;
    const body = Buffer.from(goJson(json.build(), pretty));
    if (body.length <= renderedObjectBytesMax) {
      cache.set(json.of, body);
      if (cache.size > renderedObjectsMax) cache.delete(cache.keys().next().value!);
    }
    return body;
  }

  get(shared: { key: string; build: () => unknown }, index: number, pretty: boolean): Buffer {
    const key = `${index}\u0000${pretty ? 1 : 0}\u0000${shared.key}`;
    const hit = this.entries.get(key);
    if (hit) return hit;
    const body = Buffer.from(goJson(shared.build(), pretty));
    if (body.length <= renderedBytesMax / 4) {
      this.entries.set(key, body);
      this.bytes += body.length;
      while (this.entries.size > renderedEntriesMax || this.bytes > renderedBytesMax) {
        const [oldest, buf] = this.entries.entries().next().value as [string, Buffer];
        this.entries.delete(oldest);
        this.bytes -= buf.length;
      }
    }
    return body;
  }
}

/**
 * The request's identity for sharing a rendering: its ACL token (what it may see is filtered by
 * it), path and parameters, without index and wait.
 */
export function requestKey(ctx: RequestContext): string {
  return `${ctx.token}\u0000${cacheKeyOf(ctx, ['index', 'wait'])}`;
}

/**
 * The body of a read: shared between identical requests answered at the same index (the wave
 * of blocking queries one change wakes), unless a filter is involved, whose evaluation errors
 * must surface as replies.
 */
export function jsonBody(ctx: RequestContext, build: () => unknown): Pick<Reply, 'json' | 'sharedJson'> {
  if (ctx.query.get('filter') !== '') return { json: filtered(build, true) };
  return { sharedJson: { key: requestKey(ctx), build } };
}
