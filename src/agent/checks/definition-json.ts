/**
 * structs.HealthCheckDefinition as JSON (its MarshalJSON): the `Definition` field of a check in
 * /v1/health/... and /v1/catalog/... replies. Every field is omitempty; Interval, Timeout and
 * DeregisterCriticalServiceAfter are Go duration strings and come first; TTL stays an integer
 * of nanoseconds. Consul 1.8.7's agent never fills Definition for the checks it registers (they
 * show `{}`); it carries what a /v1/catalog/register or /v1/txn body gave.
 */
import { formatDurationMs } from '../../lib/index.js';
import type { CheckDefinition } from './types.js';

/** The fields HealthCheckDefinition holds (a subset of CheckDefinition). */
export type HealthCheckDefinition = Pick<
  CheckDefinition,
  | 'http' | 'tlsSkipVerify' | 'header' | 'method' | 'body' | 'tcp' | 'intervalMs' | 'outputMaxSize' | 'timeoutMs'
  | 'deregisterCriticalServiceAfterMs' | 'scriptArgs' | 'dockerContainerID' | 'shell' | 'grpc' | 'grpcUseTLS'
  | 'aliasNode' | 'aliasService' | 'ttlMs'
>;

/** Consul's JSON, fields in its order, empty ones left out. */
export function healthCheckDefinitionJson(d: Partial<HealthCheckDefinition>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (key: string, value: unknown, present: boolean): void => {
    if (present) out[key] = value;
  };
  const dur = (ms: number | undefined): string => (ms ? formatDurationMs(ms) : '');
  put('Interval', dur(d.intervalMs), !!d.intervalMs);
  put('OutputMaxSize', d.outputMaxSize, !!d.outputMaxSize);
  put('Timeout', dur(d.timeoutMs), !!d.timeoutMs);
  put('DeregisterCriticalServiceAfter', dur(d.deregisterCriticalServiceAfterMs), !!d.deregisterCriticalServiceAfterMs);
  put('HTTP', d.http, !!d.http);
  put('TLSSkipVerify', true, !!d.tlsSkipVerify);
  put('Header', d.header, !!d.header && Object.keys(d.header).length > 0);
  put('Method', d.method, !!d.method);
  put('Body', d.body, !!d.body);
  put('TCP', d.tcp, !!d.tcp);
  put('ScriptArgs', d.scriptArgs, !!d.scriptArgs && d.scriptArgs.length > 0);
  put('DockerContainerID', d.dockerContainerID, !!d.dockerContainerID);
  put('Shell', d.shell, !!d.shell);
  put('GRPC', d.grpc, !!d.grpc);
  put('GRPCUseTLS', true, !!d.grpcUseTLS);
  put('AliasNode', d.aliasNode, !!d.aliasNode);
  put('AliasService', d.aliasService, !!d.aliasService);
  put('TTL', Math.round((d.ttlMs ?? 0) * 1e6), !!d.ttlMs);
  return out;
}
