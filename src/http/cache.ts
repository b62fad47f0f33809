/**
 * `?cached` reads (Consul's agent cache) on /v1/catalog/service, /v1/health/service and
 * /v1/catalog/services. Consul keeps a background blocking query per entry, so a hit is as
 * fresh as the store; here the store is in the same process, so every answer is computed
 * fresh and the cache records what Consul's would report: `X-Cache: MISS` the first time a
 * request is seen, then `HIT` with `Age` = seconds since the entry's data last changed.
 * `Cache-Control: max-age=N` turns an older entry into a MISS (a refetch). Entries are bounded.
 */
import { MusterError, type Clock } from '../lib/index.js';
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
  const skip = new Set(['cached', 'index', 'wait', 'pretty']);
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
