/**
 * The agent's services and checks (Consul's Agent.AddService / AddCheck / RemoveService /
 * RemoveCheck / updateTTLCheck / maintenance): validation with Consul's texts, check runners,
 * persistence, then the local state that anti-entropy pushes to the catalog.
 *
 * Registering again replaces: a service keeps the status and output of checks it still has;
 * `replaceExistingChecks` drops the checks the new definition no longer names.
 */
import { MusterError, type Clock, type Logger } from '../lib/index.js';
import { emptyCheckDefinition as emptyCatalogDefinition } from '../state/index.js';
import {
  checkTypeName,
  effectiveOutputMaxSize,
  reapAfterMs,
  scriptCheckRefusal,
  serviceCheckIdentity,
  validateCheckType,
  type CheckDefinition,
  type CheckRunnerSet,
  type CheckSource,
  type CheckStatus,
} from './checks/index.js';
import type { LocalCheck, LocalService, LocalState } from './local-state.js';
import type { Persistence } from './persistence.js';
import type { ServiceDefinition } from './service-definition.js';

export const nodeMaintCheckID = '_node_maintenance';
export const serviceMaintCheckID = (serviceID: string): string => `_service_maintenance:${serviceID}`;
const defaultServiceMaintReason = 'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.';
const defaultNodeMaintReason = 'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.';

export interface AgentServicesDeps {
  clock: Clock;
  logger: Logger;
  local: LocalState;
  runners: CheckRunnerSet;
  persistence: Persistence | undefined;
  enableScriptChecks: boolean;
  enableLocalScriptChecks: boolean;
  checkOutputMaxSize: number;
}

/** A failure Consul reports with 500 and the text (Agent method errors). */
const agentError = (text: string): MusterError => new MusterError('ERR_RPC', text);
const notFound = (text: string): MusterError => new MusterError('ERR_NOT_FOUND', text);

export class AgentServices {
  /** Check ID → definition, for checks that run (maintenance checks have none). */
  private readonly defs = new Map<string, { def: CheckDefinition; source: CheckSource }>();

  constructor(private readonly deps: AgentServicesDeps) {}

  /** Everything addService would refuse, without changing anything (so a reload can check first). */
  validateService(sd: ServiceDefinition, source: CheckSource): void {
    if (sd.service.service === '') throw agentError('Service name missing');
    for (const c of sd.checks) {
      const invalid = validateCheckType(c);
      if (invalid) throw agentError(`Check is not valid: ${invalid}`);
      const refusal = scriptCheckRefusal(c, source, this.deps);
      if (refusal) throw agentError(refusal);
    }
    validateTaggedAddresses(sd.service);
  }

  /** Everything addCheck would refuse; `serviceIDs` are the services it may name. */
  validateCheck(def: CheckDefinition, source: CheckSource, serviceIDs: ReadonlySet<string>): void {
    const invalid = validateCheckType(def);
    if (invalid) throw agentError(`Check is not valid: ${invalid}`);
    if (def.serviceID !== '' && !serviceIDs.has(def.serviceID)) throw agentError(`ServiceID ${JSON.stringify(def.serviceID)} does not exist`);
    const refusal = scriptCheckRefusal(def, source, this.deps);
    if (refusal) throw agentError(refusal);
  }

  addService(sd: ServiceDefinition, source: CheckSource, opts: { replaceExistingChecks?: boolean; persist?: boolean } = {}): void {
    this.validateService(sd, source);
    const svc = { ...sd.service };
    if (svc.id === '') svc.id = svc.service;
    addAddressTags(svc);
    const local = this.deps.local;
    const before = new Map(local.checksOfService(svc.id).map((c) => [c.checkID, c]));
    const checks = sd.checks.map((def, i) => {
      const { checkID, name } = serviceCheckIdentity(def, i, sd.checks.length, svc.id, svc.service);
      const prev = before.get(checkID);
      return { def: { ...def, id: checkID, name, serviceID: svc.id }, prev };
    });
    local.addService(svc);
    for (const { def, prev } of checks) this.startCheck(def, source, prev);
    if (opts.replaceExistingChecks) {
      const keep = new Set(checks.map((c) => c.def.id));
      for (const id of before.keys()) if (!keep.has(id)) this.removeCheck(id, opts.persist ?? false);
    }
    if (opts.persist) this.deps.persistence?.saveService(svc, source);
    if (opts.persist) for (const { def } of checks) this.deps.persistence?.saveCheck(def, source);
  }

  /** Removes a service and its checks. An unknown service is logged, not an error (Consul 1.8). */
  removeService(id: string, persist: boolean): void {
    if (id === '') throw agentError('ServiceID missing');
    const checks = this.deps.local.checksOfService(id);
    if (!this.deps.local.removeService(id)) {
      this.deps.logger.warn('Failed to deregister service', { service: id, error: `Service ${JSON.stringify(id)} does not exist` });
      return;
    }
    if (persist) this.deps.persistence?.deleteService(id);
    for (const c of checks) this.removeCheck(c.checkID, persist);
    this.deps.logger.debug('removed service', { service: id });
  }

  /** PUT /v1/agent/check/register (source remote) or a config check (local). */
  addCheck(def: CheckDefinition, source: CheckSource, persist: boolean): void {
    const checkID = def.id === '' ? def.name : def.id;
    this.validateCheck(def, source, new Set(this.deps.local.allServices().map((s) => s.id)));
    const full = { ...def, id: checkID };
    this.startCheck(full, source, this.deps.local.check(checkID));
    if (persist) this.deps.persistence?.saveCheck(full, source);
  }

  removeCheck(id: string, persist: boolean): void {
    if (id === '') throw agentError('CheckID missing');
    this.deps.runners.remove(id);
    this.defs.delete(id);
    this.deps.local.removeCheck(id);
    if (persist) this.deps.persistence?.deleteCheck(id);
    this.deps.logger.debug('removed check', { check: id });
  }

  /** pass/warn/fail/update of a TTL check; throws Consul's error for any other check. */
  updateTtl(id: string, status: CheckStatus, output: string): void {
    let stored: string;
    try {
      stored = this.deps.runners.updateTtl(id, status, output);
    } catch (err) {
      throw agentError((err as Error).message);
    }
    this.deps.persistence?.saveCheckState(id, status, stored);
  }

  definitionOf(id: string): { def: CheckDefinition; source: CheckSource } | undefined {
    return this.defs.get(id);
  }

  enableServiceMaintenance(serviceID: string, reason: string): void {
    const svc = this.deps.local.service(serviceID);
    if (!svc) throw notFound(`No service registered with ID ${JSON.stringify(serviceID)}`);
    const id = serviceMaintCheckID(serviceID);
    if (this.deps.local.check(id)) return;
    this.addMaintenanceCheck(id, 'Service Maintenance Mode', reason || defaultServiceMaintReason, svc);
    this.deps.logger.info('Service entered maintenance mode', { service: serviceID });
  }

  disableServiceMaintenance(serviceID: string): void {
    if (!this.deps.local.service(serviceID)) throw notFound(`No service registered with ID ${JSON.stringify(serviceID)}`);
    const id = serviceMaintCheckID(serviceID);
    if (!this.deps.local.check(id)) return;
    this.removeCheck(id, true);
    this.deps.logger.info('Service left maintenance mode', { service: serviceID });
  }

  enableNodeMaintenance(reason: string): void {
    if (this.deps.local.check(nodeMaintCheckID)) return;
    this.addMaintenanceCheck(nodeMaintCheckID, 'Node Maintenance Mode', reason || defaultNodeMaintReason, undefined);
    this.deps.logger.info('Node entered maintenance mode');
  }

  disableNodeMaintenance(): void {
    if (!this.deps.local.check(nodeMaintCheckID)) return;
    this.removeCheck(nodeMaintCheckID, true);
    this.deps.logger.info('Node left maintenance mode');
  }

  /**
   * Removes services whose check has been critical for longer than its
   * deregister_critical_service_after (Consul's reapServices, every 30 s).
   */
  reapCritical(): void {
    for (const [id, { def }] of this.defs) {
      const after = reapAfterMs(def);
      if (after === undefined || def.serviceID === '') continue;
      const critical = this.deps.local.criticalFor(id);
      if (critical !== undefined && critical > after) {
        this.removeService(def.serviceID, true);
        this.deps.logger.info('Check for service has been critical for too long; deregistered service', {
          check: id,
          service: def.serviceID,
        });
      }
    }
  }

  /** Stops every runner (shutdown). */
  close(): void {
    this.deps.runners.stopAll();
  }

  private startCheck(def: CheckDefinition, source: CheckSource, prev: LocalCheck | undefined): void {
    const initial = def.status === '' ? 'critical' : (def.status as CheckStatus);
    const check: LocalCheck = {
      checkID: def.id,
      name: def.name,
      status: prev ? prev.status : initial,
      notes: def.notes,
      output: prev ? prev.output : '',
      serviceID: def.serviceID,
      serviceName: '',
      serviceTags: [],
      type: checkTypeName(def),
      definition: emptyCatalogDefinition(),
      token: def.token,
    };
    this.deps.local.addCheck(check);
    this.defs.set(def.id, { def, source });
    this.deps.runners.add(def.id, def, effectiveOutputMaxSize(this.deps.checkOutputMaxSize, def.outputMaxSize));
  }

  private addMaintenanceCheck(id: string, name: string, notes: string, svc: LocalService | undefined): void {
    this.deps.local.addCheck({
      checkID: id,
      name,
      status: 'critical',
      notes,
      output: '',
      serviceID: svc?.id ?? '',
      serviceName: svc?.service ?? '',
      serviceTags: [],
      type: 'maintenance',
      definition: emptyCatalogDefinition(),
      token: '',
    });
    this.deps.persistence?.saveMaintenance(id, name, notes, svc?.id ?? '');
  }
}

const ipv4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const isIPv6 = (a: string): boolean => a.includes(':') && /^[0-9a-fA-F:.]+$/.test(a);

function validateTaggedAddresses(svc: LocalService): void {
  const t = svc.taggedAddresses;
  for (const key of ['lan_ipv4', 'wan_ipv4'] as const) {
    if (t[key] && !ipv4.test(t[key].address)) throw agentError(`Service tagged address "${key}" must be a valid ipv4 address`);
  }
  for (const key of ['lan_ipv6', 'wan_ipv6'] as const) {
    if (t[key] && (!isIPv6(t[key].address) || ipv4.test(t[key].address))) {
      throw agentError(`Service tagged address "${key}" must be a valid ipv6 address`);
    }
  }
}

/** A service with an IP address gets `lan_ipv4`/`wan_ipv4` (or v6) tagged addresses (Consul 1.5+). */
function addAddressTags(svc: LocalService): void {
  const a = svc.address;
  const kind = ipv4.test(a) ? 'ipv4' : isIPv6(a) ? 'ipv6' : undefined;
  if (!kind) return;
  const tagged = { ...svc.taggedAddresses };
  for (const key of [`lan_${kind}`, `wan_${kind}`]) tagged[key] ??= { address: a, port: svc.port };
  svc.taggedAddresses = tagged;
}
