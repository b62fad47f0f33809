/**
 * /v1/health: Consul's health API (api/health.go) and the check shape /v1/agent/checks also
 * uses. `definition` keeps the check's definition as the agent sent it (PascalCase).
 */
import { decodeJson, parseQueryMeta, type ApiClient } from './client.js';
import { agentServiceFromWire, nearAndMetaParams, nodeFromWire, type AgentService, type CatalogNodeInfo, type CatalogQueryOptions, type WireAgentService, type WireNode } from './catalog.js';
import { ApiError, statusError } from './errors.js';
import type { Result } from './kv.js';
import type { QueryParam } from './url.js';

export const healthAny = 'any';
export const healthPassing = 'passing';
export const healthWarning = 'warning';
export const healthCritical = 'critical';
export const healthMaint = 'maintenance';

export interface WireHealthCheck {
  Node?: string;
  CheckID: string;
  Name?: string;
  Status?: string;
  Notes?: string;
  Output?: string;
  ServiceID?: string;
  ServiceName?: string;
  ServiceTags?: string[] | null;
  Type?: string;
  Definition?: Record<string, unknown>;
  CreateIndex?: number;
  ModifyIndex?: number;
}

export interface HealthCheck {
  node: string;
  checkId: string;
  name: string;
  status: string;
  notes: string;
  output: string;
  serviceId: string;
  serviceName: string;
  serviceTags: string[];
  type: string;
  definition: Record<string, unknown>;
  createIndex: number;
  modifyIndex: number;
}

export function healthCheckFromWire(w: WireHealthCheck): HealthCheck {
  return {
    node: w.Node ?? '',
    checkId: w.CheckID,
    name: w.Name ?? '',
    status: w.Status ?? '',
    notes: w.Notes ?? '',
    output: w.Output ?? '',
    serviceId: w.ServiceID ?? '',
    serviceName: w.ServiceName ?? '',
    serviceTags: w.ServiceTags ?? [],
    type: w.Type ?? '',
    definition: w.Definition ?? {},
    createIndex: w.CreateIndex ?? 0,
    modifyIndex: w.ModifyIndex ?? 0,
  };
}

export interface ServiceEntry {
  node: CatalogNodeInfo;
  service: AgentService;
  checks: HealthCheck[];
}

/** Go's HealthChecks.AggregatedStatus: maintenance, then critical, warning, passing. */
export function aggregatedStatus(checks: readonly HealthCheck[]): string {
  let passing = false;
  let warning = false;
  let critical = false;
  let maintenance = false;
  for (const c of checks) {
    if (c.checkId === '_node_maintenance' || c.checkId.startsWith('_service_maintenance:')) {
      maintenance = true;
      continue;
    }
    if (c.status === healthPassing) passing = true;
    else if (c.status === healthWarning) warning = true;
    else if (c.status === healthCritical) critical = true;
    else return '';
  }
  if (maintenance) return healthMaint;
  if (critical) return healthCritical;
  if (warning) return healthWarning;
  if (passing) return healthPassing;
  return healthPassing;
}

export class Health {
  constructor(private readonly client: ApiClient) {}

  /** GET /v1/health/node/<node>: the node's checks. */
  async node(node: string, q: CatalogQueryOptions = {}): Promise<Result<HealthCheck[]>> {
    return this.checksAt(`/v1/health/node/${node}`, [], q);
  }

  /** GET /v1/health/checks/<service>: the checks of every instance of a service. */
  async checks(service: string, q: CatalogQueryOptions = {}): Promise<Result<HealthCheck[]>> {
    return this.checksAt(`/v1/health/checks/${service}`, nearAndMetaParams(q), q);
  }

  /** GET /v1/health/state/<state>: any, passing, warning or critical. */
  async state(state: string, q: CatalogQueryOptions = {}): Promise<Result<HealthCheck[]>> {
    if (![healthAny, healthPassing, healthWarning, healthCritical].includes(state)) {
      throw new ApiError('ERR_API_CONFIG', `Unsupported state: ${state}`);
    }
    return this.checksAt(`/v1/health/state/${state}`, nearAndMetaParams(q), q);
  }

  /** GET /v1/health/service/<service>[?tag=][&passing=1]: instances with node and checks. */
  async service(service: string, tags: string[] = [], passingOnly = false, q: CatalogQueryOptions = {}): Promise<Result<ServiceEntry[]>> {
    const params: QueryParam[] = [...nearAndMetaParams(q), ...tags.map((t): QueryParam => ['tag', t])];
    if (passingOnly) params.push([healthPassing, '1']);
    const res = await this.client.query(`/v1/health/service/${service}`, params, q);
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body);
    const wire = decodeJson<Array<{ Node: WireNode; Service: WireAgentService; Checks: WireHealthCheck[] | null }> | null>(res) ?? [];
    const value = wire.map((e) => ({ node: nodeFromWire(e.Node), service: agentServiceFromWire(e.Service), checks: (e.Checks ?? []).map(healthCheckFromWire) }));
    return { value, meta: parseQueryMeta(res) };
  }

  private async checksAt(path: string, params: QueryParam[], q: CatalogQueryOptions): Promise<Result<HealthCheck[]>> {
    const res = await this.client.query(path, params, q);
    if (res.statusCode !== 200) throw statusError(res.statusCode, res.body);
    return { value: (decodeJson<WireHealthCheck[] | null>(res) ?? []).map(healthCheckFromWire), meta: parseQueryMeta(res) };
  }
}
