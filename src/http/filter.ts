/**
 * `?filter=` on the endpoints that support it (go-bexpr expressions, src/filter). The filter is
 * compiled before the query runs, so a bad expression fails even when nothing would match.
 * Consul answers a bad filter with 500 and the message; catalog and health reads also carry
 * `X-Consul-Index: 1` and `X-Consul-KnownLeader: false` (the zero QueryMeta of a failed RPC).
 * A filter that dereferences a nil pointer makes Consul's handler panic, which drops the
 * connection without an answer; we do the same.
 */
import { compileFilter, FilterError, type CompileOptions, type Filter, type RootSchema } from '../filter/index.js';
import type { RequestContext } from './context.js';
import type { Reply } from './reply.js';

/** An error that already knows its reply (status, body, headers). */
export class ReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(reply.text ?? '');
  }
}

export function queryFilter(ctx: RequestContext, schema: RootSchema, opts: CompileOptions & { withMeta?: boolean } = {}): Filter {
  try {
    return compileFilter(ctx.query.get('filter'), schema, opts);
  } catch (err) {
    throw filterFailure(err, opts.withMeta ?? false);
  }
}

/** Runs `fn` (which applies a filter); a filter error becomes Consul's reply. */
export function filtered<T>(fn: () => T, withMeta = false): T {
  try {
    return fn();
  } catch (err) {
    throw filterFailure(err, withMeta);
  }
}

function filterFailure(err: unknown, withMeta: boolean): unknown {
  if (!(err instanceof FilterError)) return err;
  if (err.kind === 'panic') return new ReplyError({ destroySocket: true });
  const headers: Record<string, string> = withMeta ? { 'X-Consul-Index': '1', 'X-Consul-KnownLeader': 'false', 'X-Consul-LastContact': '0' } : {};
  return new ReplyError({ status: 500, text: err.message, headers });
}
