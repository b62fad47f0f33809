/**
 * One blocking read per watch type (Consul's api/watch/funcs.go), through Muster's API client:
 * the same endpoint and query the Go client sends, the result in the Go client's shapes
 * (api-shapes.ts), and the index (or, for agent_service, the content hash) to block on next.
 */
import { ApiError, blockingSlackMs, decodeJson, defaultWaitMs, Event, parseQueryMeta, statusError, type Client, type QueryOptions, type QueryParam } from '../api/index.js';
import { agentServiceSchema, healthCheck, kvPairSchema, list, nodeSchema, serviceEntry, serviceTags, structOrNull, userEvent } from './api-shapes.js';
import { fromDecoded, type GoValue } from './go-json.js';
import type { WatchQuery } from './params.js';

/** Go's BlockingParamVal: a WaitIndexVal (uint64) or a WaitHashVal. */
export type BlockParam = { kind: 'index'; index: bigint } | { kind: 'hash'; hash: string };

export interface WatchResult {
  param: BlockParam;
  value: GoValue;
}

export type Watcher = (client: Client, last: BlockParam | null, signal: AbortSignal) => Promise<WatchResult>;

const index = (n: number | bigint): BlockParam => ({ kind: 'index', index: BigInt(n) });

/** makeQueryOptionsWithContext: the last index (or hash) to block on, and ?stale. */
function queryOptions(last: BlockParam | null, stale: boolean, signal: AbortSignal): QueryOptions {
  const q: QueryOptions = { signal };
  if (stale) q.stale = true;
  if (last?.kind === 'index') q.index = Number(last.index);
  return q;
}

/** A GET that must answer 200 (Go's requireOK); 404 gives undefined when `notFoundOk`. */
async function get(client: Client, path: string, params: QueryParam[], q: QueryOptions, notFoundOk = false): Promise<{ body: unknown; lastIndex: number }> {
  const res = await client.query(path, params, q);
  if (res.statusCode === 404 && notFoundOk) return { body: undefined, lastIndex: parseQueryMeta(res).lastIndex };
  if (res.statusCode !== 200) throw notFoundOk ? statusError(res.statusCode, res.body, false) : statusError(res.statusCode, res.body);
  return { body: decodeJson<unknown>(res), lastIndex: parseQueryMeta(res).lastIndex };
}

const healthStates = ['any', 'passing', 'warning', 'critical'];

/** The watcher for a parsed query. */
export function watcherFor(query: WatchQuery): Watcher {
  switch (query.type) {
    case 'key':
      return async (client, last, signal) => {
        const r = await get(client, `/v1/kv/${query.key}`, [], queryOptions(last, query.stale, signal), true);
        const first = Array.isArray(r.body) ? (r.body as unknown[])[0] : undefined;
        return { param: index(r.lastIndex), value: structOrNull(kvPairSchema, first) };
      };
    case 'keyprefix':
      return async (client, last, signal) => {
        const r = await get(client, `/v1/kv/${query.prefix}`, [['recurse', '']], queryOptions(last, query.stale, signal), true);
        return { param: index(r.lastIndex), value: list(r.body, (x) => structOrNull(kvPairSchema, x)) };
      };
    case 'services':
      return async (client, last, signal) => {
        const r = await get(client, '/v1/catalog/services', [], queryOptions(last, query.stale, signal));
        return { param: index(r.lastIndex), value: serviceTags(r.body) };
      };
    case 'nodes':
      return async (client, last, signal) => {
        const r = await get(client, '/v1/catalog/nodes', [], queryOptions(last, query.stale, signal));
        return { param: index(r.lastIndex), value: list(r.body, (x) => structOrNull(nodeSchema, x)) };
      };
    case 'service':
      return async (client, last, signal) => {
        const params: QueryParam[] = query.tags.map((t): QueryParam => ['tag', t]);
        if (query.passingOnly) params.push(['passing', '1']);
        const r = await get(client, `/v1/health/service/${query.service}`, params, queryOptions(last, query.stale, signal));
        return { param: index(r.lastIndex), value: list(r.body, serviceEntry) };
      };
    case 'checks':
      return async (client, last, signal) => {
        if (query.state !== '' && !healthStates.includes(query.state)) throw new ApiError('ERR_API_CONFIG', `Unsupported state: ${query.state}`);
        const path = query.state !== '' ? `/v1/health/state/${query.state}` : `/v1/health/checks/${query.service}`;
        const r = await get(client, path, [], queryOptions(last, query.stale, signal));
        return { param: index(r.lastIndex), value: list(r.body, healthCheck) };
      };
    case 'event':
      return eventWatcher(query.name);
    case 'agent_service':
      return async (client, last, signal) => {
        const params: QueryParam[] = last?.kind === 'hash' ? [['hash', last.hash]] : [];
        const timeoutMs = last?.kind === 'hash' ? defaultWaitMs + defaultWaitMs / 16 + blockingSlackMs : undefined;
        const r = await get(client, `/v1/agent/service/${query.serviceId}`, params, { signal, ...(timeoutMs ? { timeoutMs } : {}) });
        const hash = typeof (r.body as { ContentHash?: unknown } | null)?.ContentHash === 'string' ? (r.body as { ContentHash: string }).ContentHash : '';
        return { param: { kind: 'hash', hash }, value: structOrNull(agentServiceSchema, r.body) };
      };
    case 'connect_roots':
    case 'connect_leaf':
      return async (client, last, signal) => {
        const path = query.type === 'connect_roots' ? '/v1/agent/connect/ca/roots' : `/v1/agent/connect/ca/leaf/${query.service}`;
        const r = await get(client, path, [], queryOptions(last, false, signal));
        return { param: index(r.lastIndex), value: fromDecoded(r.body) };
      };
  }
}

/**
 * eventWatch: the agent's recent events, cut to those after the one the last index came
 * from (an event list's index is the last event's ID folded to a uint64).
 */
function eventWatcher(name: string): Watcher {
  return async (client, last, signal) => {
    const ev = new Event(client);
    const { events, meta } = await ev.list(name, { signal, ...(last?.kind === 'index' ? { index: last.index } : {}) });
    let fresh = events;
    if (last?.kind === 'index') {
      for (let i = 0; i < events.length; i++) {
        if (ev.idToIndex(events[i]!.id) === last.index) {
          fresh = events.slice(i + 1);
          break;
        }
      }
    }
    return { param: index(meta.lastIndex), value: fresh.map(userEvent) };
  };
}
