/**
 * A check from a config file (`check { ... }`, `checks = [...]`, or a service's `check`/`checks`),
 * as config/ hands it over: keys already validated and in Consul's snake_case spelling. This is
 * Builder.checkVal [agent/config/builder.go]: durations parsed with the error text
 * `check[<id>].interval: invalid duration: "abc": time: invalid duration "abc"`, and
 * output_max_size defaulting to 4096. Validation (CheckType.Validate) happens later, when the
 * agent adds the check (loadCheckErrorText).
 */
import { goQuote } from '../../lib/index.js';
import { outputMaxSizeDefault } from './definition.js';
import { legacyScriptArgs } from './script.js';
import { parseGoDuration } from '../../lib/index.js';
import { emptyCheckDefinition, type CheckDefinition } from './types.js';

export class CheckConfigError extends Error {
  override readonly name = 'CheckConfigError';
}

/** decode.HookTranslateKeys for config.CheckDefinition's `alias` tags. */
const keyAliases: Record<string, string> = {
  serviceid: 'service_id',
  scriptargs: 'args',
  dockercontainerid: 'docker_container_id',
  tlsskipverify: 'tls_skip_verify',
  deregistercriticalserviceafter: 'deregister_critical_service_after',
};

function translateKeys(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const canon = keyAliases[k.toLowerCase()];
    if (canon === undefined) out[k] = v;
    else if (canon in raw) out[canon] = raw[canon];
    else out[canon] = v;
  }
  return out;
}

/** Throws CheckConfigError with Consul's text (the last bad duration, as Consul reports it). */
export function checkFromConfig(input: Record<string, unknown>): CheckDefinition {
  const raw = translateKeys(input);
  const str = (k: string): string => (typeof raw[k] === 'string' ? (raw[k] as string) : '');
  const bool = (k: string): boolean => raw[k] === true;
  const int = (k: string, dflt = 0): number => (typeof raw[k] === 'number' ? (raw[k] as number) : dflt);
  const d = emptyCheckDefinition();
  d.id = str('id');
  d.name = str('name');
  d.notes = str('notes');
  d.serviceID = str('service_id');
  d.token = str('token');
  d.status = str('status');
  d.scriptArgs = Array.isArray(raw['args']) ? (raw['args'] as unknown[]).map(String) : [];
  // The legacy `script` (config/validate.ts legacyFields): Consul 1.0's `$SHELL -c script`.
  if (d.scriptArgs.length === 0 && str('script') !== '') d.scriptArgs = legacyScriptArgs(str('script'));
  d.http = str('http');
  d.header = configHeader(raw['header']);
  d.method = str('method');
  d.body = str('body');
  d.tcp = str('tcp');
  d.dockerContainerID = str('docker_container_id');
  d.shell = str('shell');
  d.grpc = str('grpc');
  d.grpcUseTLS = bool('grpc_use_tls');
  d.tlsSkipVerify = bool('tls_skip_verify');
  d.aliasNode = str('alias_node');
  d.aliasService = str('alias_service');
  d.successBeforePassing = int('success_before_passing');
  d.failuresBeforeCritical = int('failures_before_critical');
  d.outputMaxSize = int('output_max_size', outputMaxSizeDefault);
  let lastError: string | undefined;
  const duration = (key: string): number => {
    const v = raw[key];
    if (typeof v !== 'string') return 0;
    const r = parseGoDuration(v);
    if (r.ok) return r.ms;
    lastError = `check[${d.id}].${key}: invalid duration: ${goQuote(v)}: ${r.error}`;
    return 0;
  };
  d.intervalMs = duration('interval');
  d.timeoutMs = duration('timeout');
  d.ttlMs = duration('ttl');
  d.deregisterCriticalServiceAfterMs = duration('deregister_critical_service_after');
  if (lastError !== undefined) throw new CheckConfigError(lastError);
  return d;
}

/** `header` as map[string][]string; an HCL block arrives as a one-element list of maps. */
function configHeader(v: unknown): Record<string, string[]> {
  if (Array.isArray(v) && v.length === 1) v = v[0];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new CheckConfigError(`'check.header' expected a map of lists of strings`);
  const out: Record<string, string[]> = {};
  for (const [k, list] of Object.entries(v as Record<string, unknown>)) {
    const items: unknown[] = Array.isArray(list) ? list : [list];
    if (!Array.isArray(list) || !items.every((s) => typeof s === 'string')) {
      throw new CheckConfigError(`'check.header[${k}]' expected type '[]string'`);
    }
    out[k] = items as string[];
  }
  return out;
}
