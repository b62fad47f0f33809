/** Consul's query parameters common to every read: dc, index, wait, stale/consistent. */
import { MusterError, parseDurationMs } from '../lib/index.js';
import type { Consistency, ReadOptions } from '../server/index.js';
import type { RequestContext } from './context.js';

export function parseConsistency(ctx: RequestContext): Consistency {
  const stale = ctx.query.has('stale');
  const consistent = ctx.query.has('consistent');
  if (stale && consistent) {
    throw new MusterError('ERR_BAD_REQUEST', 'Cannot specify ?stale with ?consistent, conflicting semantics.');
  }
  return stale ? 'stale' : consistent ? 'consistent' : 'default';
}

/** Go's strconv.ParseUint(s, 10, 64), limited to safe integers (see state/README.md). */
export function parseUint(s: string): number | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function readOptions(ctx: RequestContext): ReadOptions {
  const q = ctx.query;
  let waitMs = 0;
  const wait = q.get('wait');
  if (wait !== '') {
    const ms = parseDurationMs(wait);
    if (ms === undefined) throw new MusterError('ERR_BAD_REQUEST', 'Invalid wait time');
    waitMs = ms;
  }
  let minIndex = 0;
  const index = q.get('index');
  if (index !== '') {
    const n = parseUint(index);
    if (n === undefined) throw new MusterError('ERR_BAD_REQUEST', 'Invalid index');
    minIndex = n;
  }
  const consistency = parseConsistency(ctx);
  return { datacenter: q.get('dc'), minIndex, waitMs, consistency, signal: minIndex > 0 ? ctx.signal : undefined, token: ctx.token };
}
