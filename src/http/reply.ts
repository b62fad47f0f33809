/** What a handler returns; the server writes it. Only http/ knows status codes. */
import type { QueryMeta } from '../server/index.js';
import type { Writable } from 'node:stream';
import type { JsonList } from './json-list.js';

export interface Reply {
  status?: number;
  /** A JSON body (goJson, pretty with ?pretty or in dev mode). */
  json?: unknown;
  /**
   * A JSON body built only if no identical request was answered at the same index: `key`
   * names the request (path and every parameter but index and wait), and since a query's
   * index moves whenever its result does, (key, index) fixes the body. Thousands of blocking
   * queries woken by one change then share one rendering and one Buffer.
   */
  sharedJson?: { key: string; build: () => unknown };
  /**
   * JSON rendered from one immutable store object (a KV entry): the same object always renders
   * the same, so a hot key read by many clients is rendered once (RenderCache.ofObject).
   */
  objectJson?: { of: object; build: () => unknown };
  /**
   * A JSON array: written as `json` when short, else in batches across turns of the event loop
   * (json-list.ts); `render` makes each item's JSON value as it is written.
   */
  jsonList?: JsonList;
  /** A plain-text body. */
  text?: string;
  /** Raw bytes, written as they are (KV ?raw). */
  raw?: Uint8Array;
  headers?: Record<string, string>;
  /** Blocking-query metadata: X-Consul-Index, KnownLeader, LastContact, consistency. */
  meta?: QueryMeta;
  /** Also send X-Consul-Effective-Consistency (catalog and health reads; KV and sessions do not). */
  effectiveConsistency?: boolean;
  /** Read-only txn: KnownLeader and LastContact only. */
  metaNoIndex?: QueryMeta;
  /**
   * A streamed body (the monitor): headers go out at once, then `stream` writes until the
   * client goes away (`signal` aborts) and must end `out` then.
   */
  stream?: (out: Writable, signal: AbortSignal) => void;
  /** Drop the connection without an answer (what a panicking Consul handler does). */
  destroySocket?: boolean;
  /** Runs once the reply has been handed to the client (e.g. shutting down after leave). */
  afterWrite?: () => void;
  /** False for answers Go's ServeMux or Consul's index handler give, outside its gzip handler (no `Vary`). */
  vary?: boolean;
}
