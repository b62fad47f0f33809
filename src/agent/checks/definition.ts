/**
 * What a check definition is: its kind, Consul's validation (structs.CheckType.Validate), its
 * `Type` string, the HealthCheck it registers, and the agent-side rules of Agent.addCheck
 * (output size, script permission, reap timeout) [agent/structs/check_type.go,
 * check_definition.go, agent/agent.go addCheck].
 */
import { formatDurationMs } from '../../lib/index.js';
import type { CheckDefinition, CheckStatus } from './types.js';

/** The kinds Consul 1.8.7 runs. docker and grpc are recognised; Muster does not run them. */
export type CheckKind = 'script' | 'http' | 'tcp' | 'ttl' | 'alias' | 'docker' | 'grpc';

/** checks.DefaultBufSize: check output kept by default (check_output_max_size). */
export const outputMaxSizeDefault = 4096;
/** checks.MinInterval: script, HTTP, TCP, gRPC and Docker intervals are raised to this. */
export const intervalMsMin = 1000;
/** Script check timeout when none is given (CheckMonitor). */
export const scriptTimeoutMsDefault = 30_000;
/** HTTP, TCP and gRPC timeout when none is given. */
export const networkTimeoutMsDefault = 10_000;
/** check_deregister_interval_min default: deregister_critical_service_after is raised to it. */
export const deregisterIntervalMsMinDefault = 60_000;

const isScript = (d: CheckDefinition): boolean => d.scriptArgs.length > 0;
const isAlias = (d: CheckDefinition): boolean => d.aliasNode !== '' || d.aliasService !== '';

/** CheckType.Validate, with Consul's texts. Returns the error text, or undefined if valid. */
export function validateCheckType(d: CheckDefinition): string | undefined {
  const intervalCheck = isScript(d) || d.http !== '' || d.tcp !== '' || d.grpc !== '';
  if (d.intervalMs > 0 && d.ttlMs > 0) return 'Interval and TTL cannot both be specified';
  if (intervalCheck && d.intervalMs <= 0) return 'Interval must be > 0 for Script, HTTP, or TCP checks';
  if (intervalCheck && isAlias(d)) return 'Interval cannot be set for Alias checks';
  if (isAlias(d) && d.ttlMs > 0) return 'TTL must be not be set for Alias checks';
  if (!intervalCheck && !isAlias(d) && d.ttlMs <= 0) return 'TTL must be > 0 for TTL checks';
  if (d.outputMaxSize < 0) return 'MaxOutputMaxSize must be positive';
  return undefined;
}

/** CheckType.Type(): the `Type` field of the HealthCheck ('' when no kind matches). */
export function checkTypeName(d: CheckDefinition): string {
  if (d.grpc !== '' && d.intervalMs > 0) return 'grpc';
  if (d.http !== '' && d.intervalMs > 0) return 'http';
  if (d.ttlMs > 0) return 'ttl';
  if (d.tcp !== '' && d.intervalMs > 0) return 'tcp';
  if (isAlias(d)) return 'alias';
  if (isScript(d) && d.dockerContainerID !== '' && d.intervalMs > 0) return 'docker';
  if (isScript(d)) return 'script';
  return '';
}

/**
 * The runner Agent.addCheck picks, in its order (TTL, HTTP, TCP, gRPC, Docker, Monitor,
 * Alias). undefined is Consul's "Check type is not valid" (cannot happen after validation).
 */
export function checkKind(d: CheckDefinition): CheckKind | undefined {
  if (d.ttlMs > 0) return 'ttl';
  if (d.http !== '' && d.intervalMs > 0) return 'http';
  if (d.tcp !== '' && d.intervalMs > 0) return 'tcp';
  if (d.grpc !== '' && d.intervalMs > 0) return 'grpc';
  if (isScript(d) && d.dockerContainerID !== '' && d.intervalMs > 0) return 'docker';
  if (isScript(d) && d.dockerContainerID === '' && d.intervalMs > 0) return 'script';
  if (isAlias(d)) return 'alias';
  return undefined;
}

/** Kinds Muster recognises but does not run, and why (the output their check shows). */
export const unsupportedKinds: Partial<Record<CheckKind, string>> = {
  docker: 'Docker checks are not supported by Muster',
  grpc: 'gRPC checks are not supported by Muster',
};

/** The HealthCheck a definition registers (CheckDefinition.HealthCheck, plus its Type). */
export interface InitialHealthCheck {
  node: string;
  checkID: string;
  name: string;
  status: CheckStatus;
  notes: string;
  output: string;
  serviceID: string;
  type: string;
}

export function initialHealthCheck(d: CheckDefinition, node: string): InitialHealthCheck {
  return {
    node,
    checkID: d.id === '' && d.name !== '' ? d.name : d.id,
    name: d.name,
    status: d.status === '' ? 'critical' : (d.status as CheckStatus),
    notes: d.notes,
    output: '',
    serviceID: d.serviceID,
    type: checkTypeName(d),
  };
}

/**
 * The ID and name of the i-th of `count` checks embedded in a service definition
 * (Agent.addServiceInternal): `service:<id>` or `service:<id>:<i+1>`, `Service '<name>' check`.
 */
export function serviceCheckIdentity(d: CheckDefinition, index: number, count: number, serviceID: string, serviceName: string): { checkID: string; name: string } {
  let checkID = d.id;
  if (checkID === '') checkID = count > 1 ? `service:${serviceID}:${index + 1}` : `service:${serviceID}`;
  return { checkID, name: d.name !== '' ? d.name : `Service '${serviceName}' check` };
}

/** Agent.addCheck: the agent's check_output_max_size, lowered (never raised) by the check's own. */
export function effectiveOutputMaxSize(agentMax: number, checkMax: number): number {
  let max = agentMax === 0 ? outputMaxSizeDefault : agentMax;
  if (checkMax > 0 && max > checkMax) max = checkMax;
  return max;
}

/** Where a check came from: config files (local) or the HTTP API (remote). */
export type CheckSource = 'local' | 'remote';

export interface ScriptCheckSettings {
  /** enable_script_checks */
  enableScriptChecks: boolean;
  /** enable_local_script_checks */
  enableLocalScriptChecks: boolean;
}

/** Agent.addCheck's refusal of script checks, with Consul's texts; undefined when allowed. */
export function scriptCheckRefusal(d: CheckDefinition, source: CheckSource, s: ScriptCheckSettings): string | undefined {
  if (!isScript(d)) return undefined;
  const local = s.enableScriptChecks || s.enableLocalScriptChecks;
  if (source === 'local' && !local) {
    return "Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true";
  }
  if (source === 'remote' && !s.enableScriptChecks) {
    return "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true";
  }
  return undefined;
}

/**
 * Agent.addCheck's reap timeout for deregister_critical_service_after: undefined when unset,
 * else raised to check_deregister_interval_min.
 */
export function reapAfterMs(d: CheckDefinition, minMs = deregisterIntervalMsMinDefault): number | undefined {
  if (d.deregisterCriticalServiceAfterMs <= 0) return undefined;
  return Math.max(d.deregisterCriticalServiceAfterMs, minMs);
}

/**
 * Go's `%v` of a *structs.CheckDefinition, which Consul appends to the start-up error
 * "Failed to register check '<name>': <err> &{...}".
 */
export function formatCheckDefinitionGo(d: CheckDefinition): string {
  const dur = (ms: number): string => formatDurationMs(ms);
  const headerKeys = Object.keys(d.header).sort();
  const header = `map[${headerKeys.map((k) => `${k}:[${d.header[k]!.join(' ')}]`).join(' ')}]`;
  const fields = [
    d.id, d.name, d.notes, d.serviceID, d.token, d.status, `[${d.scriptArgs.join(' ')}]`, d.http, header, d.method,
    d.body, d.tcp, dur(d.intervalMs), d.dockerContainerID, d.shell, d.grpc, String(d.grpcUseTLS), String(d.tlsSkipVerify),
    d.aliasNode, d.aliasService, dur(d.timeoutMs), dur(d.ttlMs), String(d.successBeforePassing),
    String(d.failuresBeforeCritical), dur(d.deregisterCriticalServiceAfterMs), String(d.outputMaxSize), '{}',
  ];
  return `&{${fields.join(' ')}}`;
}

/** The start-up error of a config-file check Consul cannot add (Agent.loadChecks). */
export function loadCheckErrorText(d: CheckDefinition, err: string): string {
  return `Failed to register check '${d.name}': ${err} ${formatCheckDefinitionGo(d)}`;
}
