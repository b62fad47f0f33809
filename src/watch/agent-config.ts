/**
 * The agent config's `watches` (Consul's reloadWatches and makeWatchPlan): each entry is
 * checked with Consul's texts before any watch runs. handler_type defaults to `script`, which
 * needs `args` (or the deprecated `handler`, run through a shell); `http` needs
 * `http_handler_config`; connect_* types are refused. Pure: the entries are copied, never
 * changed.
 */
import { goPercentS, goSharpV } from './go-format.js';
import { parseWatch, WatchParseError, type HttpHandlerConfig, type PlanSpec, type WatchParams } from './params.js';

export type AgentWatchHandler = { kind: 'script'; handler: string | string[] } | { kind: 'http'; config: HttpHandlerConfig };

export interface AgentWatchSpec {
  spec: PlanSpec;
  handler: AgentWatchHandler;
  /** The deprecated `handler` key was used (the agent warns). */
  deprecatedHandler: boolean;
}

const isObject = (v: unknown): v is WatchParams => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepCopy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(deepCopy);
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepCopy(x)]));
  return v;
}

/** `watches` as the config holds it: a list of maps (one HCL block arrives as one map). */
export function watchEntries(raw: unknown): WatchParams[] {
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((w, i) => {
    if (!isObject(w)) throw new WatchParseError(`'watches[${i}]' expected a map, got '${Array.isArray(w) ? 'slice' : typeof w === 'number' ? 'float64' : typeof w}'`);
    return w;
  });
}

/** parseWatchArgs. */
function watchArgs(args: unknown): string[] {
  if (typeof args === 'string') return [args];
  if (Array.isArray(args) && args.every((a) => typeof a === 'string')) return args as string[];
  throw new WatchParseError('Watch args must be a list of strings');
}

/** makeWatchPlan for one entry (after reloadWatches' handler_type and connect_ checks). */
export function parseAgentWatch(entry: WatchParams): AgentWatchSpec {
  const params = deepCopy(entry) as WatchParams;
  if (!Object.hasOwn(params, 'handler_type')) params['handler_type'] = 'script';
  else if (params['handler_type'] !== 'http' && params['handler_type'] !== 'script') {
    throw new WatchParseError(`Handler type '${goPercentS(params['handler_type'])}' not recognized`);
  }
  const type = params['type'];
  if (typeof type === 'string' && type.startsWith('connect_')) throw new WatchParseError(`Watch type ${type} is not allowed in agent config`);
  let spec: PlanSpec;
  try {
    spec = parseWatch(params, ['handler', 'args']);
  } catch (e) {
    if (!(e instanceof WatchParseError)) throw e;
    throw new WatchParseError(`Failed to parse watch (${goSharpV(params)}): ${e.message}`);
  }
  const hasHandler = Object.hasOwn(spec.exempt, 'handler');
  const hasArgs = Object.hasOwn(spec.exempt, 'args');
  const handler = spec.exempt['handler'];
  if (hasHandler && typeof handler !== 'string') throw new WatchParseError('Watch handler must be a string');
  const args = hasArgs ? watchArgs(spec.exempt['args']) : undefined;
  const http = spec.handlerType === 'http';
  if ((hasHandler && hasArgs) || (hasHandler && http) || (hasArgs && http)) throw new WatchParseError('Only one watch handler allowed');
  if (!hasHandler && !hasArgs && !http) throw new WatchParseError('Must define a watch handler');
  if (http) return { spec, handler: { kind: 'http', config: spec.exempt.httpHandlerConfig! }, deprecatedHandler: false };
  return { spec, handler: { kind: 'script', handler: args ?? (handler as string) }, deprecatedHandler: hasHandler };
}

/**
 * All of the config's watches, or the first error (as reloadWatches stops at it). An agent
 * without an HTTP address cannot run any: Consul's watches talk to the agent's own API.
 */
export function parseAgentWatches(raw: unknown, hasHttp: boolean): AgentWatchSpec[] {
  const entries = watchEntries(raw);
  if (entries.length === 0) return [];
  if (!hasHttp) throw new WatchParseError('watch plans require an HTTP or HTTPS endpoint');
  return entries.map(parseAgentWatch);
}
