/**
 * The agent's local half: its services and checks (from config files, the API, and what was
 * persisted), their runners, anti-entropy to the catalog, the reaper of long-critical services,
 * and reloading the config-file ones without a restart.
 */
import type { RuntimeConfig } from '../config/index.js';
import { MusterError, type Clock, type Logger, type Rng, type Timer } from '../lib/index.js';
import type { AgentCheckView, AgentServiceView, LocalAgentApi } from '../http/index.js';
import type { ServerApi } from '../server/index.js';
import type { NodeWrite } from '../state/index.js';
import { AntiEntropy } from './anti-entropy.js';
import { CheckRunnerSet, loadCheckErrorText, parseCheckRegistration, type AliasSource, type CheckDefinition } from './checks/index.js';
import { checkFromConfig, CheckConfigError } from './checks/config.js';
import { LocalState } from './local-state.js';
import { FilePersistence, type Persistence } from './persistence.js';
import { serviceFromApi, serviceFromConfig, type ServiceDefinition } from './service-definition.js';
import { AgentServices } from './services.js';

export interface LocalAgentDeps {
  config: RuntimeConfig;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  server: ServerApi;
  nodeInfo: () => NodeWrite;
}

/** Consul's check_reap_interval: how often long-critical services are looked for. */
const reapIntervalMs = 30_000;

export class LocalAgent implements LocalAgentApi {
  readonly local: LocalState;
  readonly registry: AgentServices;
  readonly antiEntropy: AntiEntropy;
  private readonly runners: CheckRunnerSet;
  private readonly persistence: Persistence | undefined;
  private readonly logger: Logger;
  /** IDs registered from config files: the ones a reload replaces. */
  private configServiceIDs = new Set<string>();
  private configCheckIDs = new Set<string>();
  private reapTimer: Timer | undefined;
  /** Re-reads the config files and applies them (set by the process runner); throws on a bad file. */
  reloadHandler: () => void = () => {
    throw new MusterError('ERR_RPC', 'reload is not available in this agent');
  };

  constructor(private readonly deps: LocalAgentDeps) {
    const c = deps.config;
    this.logger = deps.logger.named('agent');
    // Consul's AgentToken(): acl.tokens.agent, else the default token.
    const agentToken = (): string => c.acl.tokens.agent || c.acl.tokens.default;
    // Local changes poke anti-entropy, which is built next (the callback runs only later).
    this.local = new LocalState(deps.clock, c.checkUpdateIntervalMs, () => this.antiEntropy.trigger());
    this.antiEntropy = new AntiEntropy({
      clock: deps.clock,
      rng: deps.rng,
      logger: deps.logger.named('agent.anti_entropy'),
      local: this.local,
      catalog: {
        register: (req, token) => deps.server.catalog.register('', req, token),
        deregister: (node, serviceID, checkID, token) => deps.server.catalog.deregister('', node, serviceID, checkID, token),
        node: async (name) => {
          const opts = { datacenter: '', consistency: 'default' as const, minIndex: 0, waitMs: 0, token: agentToken() };
          const [ns, checks] = await Promise.all([deps.server.catalog.nodeServices(name, opts), deps.server.catalog.nodeChecks(name, opts)]);
          return { node: ns.value?.node, services: ns.value?.services ?? [], checks: checks.value };
        },
      },
      nodeInfo: deps.nodeInfo,
      tokens: { agent: agentToken, user: () => c.acl.tokens.default },
    });
    this.runners = new CheckRunnerSet({
      clock: deps.clock,
      rng: deps.rng,
      logger: deps.logger.named('agent.checks'),
      update: (id, status, output) => this.local.updateCheck(id, status, output),
      aliasSource: this.aliasSource(),
    });
    this.persistence = c.dataDir !== '' && !c.devMode ? new FilePersistence(c.dataDir, this.logger) : undefined;
    this.registry = new AgentServices({
      clock: deps.clock,
      logger: this.logger,
      local: this.local,
      runners: this.runners,
      persistence: this.persistence,
      enableScriptChecks: c.enableScriptChecks,
      enableLocalScriptChecks: c.enableLocalScriptChecks,
      checkOutputMaxSize: c.checkOutputMaxSize,
    });
  }

  /** Loads config-file and persisted services and checks, then starts syncing. */
  start(): void {
    this.loadConfigEntries(this.deps.config);
    this.loadPersisted();
    this.antiEntropy.start();
    this.scheduleReap();
  }

  stop(): void {
    this.reapTimer?.cancel();
    this.antiEntropy.stop();
    this.registry.close();
    this.local.close();
  }

  /**
   * Reload, as Consul's: every service and check is unloaded, then those of the config files
   * and those persisted in data_dir are loaded again; checks that come back keep their status
   * and output. (So in -dev, with nothing persisted, API registrations are gone after a reload,
   * exactly as with Consul.) A bad definition throws before anything is touched.
   */
  applyConfig(config: RuntimeConfig): void {
    const parsed = parseConfigEntries(config);
    const persisted = this.persistence?.load();
    const ids = new Set(persisted?.services.map((p) => p.service.id) ?? []);
    for (const sd of parsed.services) {
      this.registry.validateService(sd, 'local');
      ids.add(sd.service.id || sd.service.service);
    }
    for (const def of parsed.checks) this.registry.validateCheck(def, 'local', ids);
    const snapshot = new Map(this.local.allChecks().map((c) => [c.checkID, c]));
    for (const s of this.local.allServices()) this.registry.removeService(s.id, false);
    for (const c of this.local.allChecks()) this.registry.removeCheck(c.checkID, false);
    this.configServiceIDs = new Set();
    this.configCheckIDs = new Set();
    this.addConfigEntries(parsed);
    this.loadPersisted();
    for (const c of this.local.allChecks()) {
      const prev = snapshot.get(c.checkID);
      if (prev && (prev.status !== c.status || prev.output !== c.output)) this.local.updateCheck(c.checkID, prev.status, prev.output);
    }
  }

  // ---- LocalAgentApi (the /v1/agent endpoints) ----

  services(): AgentServiceView[] {
    return this.local.allServices().map(({ token: _t, ...s }) => s);
  }

  checks(): AgentCheckView[] {
    const node = this.deps.config.nodeName;
    return this.local.allChecks().map(({ token: _t, ...c }) => ({ ...c, node }));
  }

  get changeVersion(): number {
    return this.local.changeVersion;
  }

  onNextChange(cb: () => void): () => void {
    return this.local.onNextChange(cb);
  }

  registerService(body: unknown, replaceExistingChecks: boolean, token = ''): void {
    const def = serviceFromApi(body);
    // The request's token goes with the service: anti-entropy registers it with that token.
    if (token !== '') {
      def.service.token = token;
      for (const c of def.checks) c.token = token;
    }
    this.registry.addService(def, 'remote', { replaceExistingChecks, persist: true });
  }

  deregisterService(id: string): void {
    this.registry.removeService(id, true);
  }

  registerCheck(body: unknown, token = ''): void {
    const { def } = parseCheckRegistration(body);
    if (token !== '') def.token = token;
    this.registry.addCheck(def, 'remote', true);
  }

  deregisterCheck(id: string): void {
    this.registry.removeCheck(id, true);
  }

  updateTtl(id: string, status: 'passing' | 'warning' | 'critical', output: string): void {
    this.registry.updateTtl(id, status, output);
  }

  serviceMaintenance(id: string, enable: boolean, reason: string): void {
    if (enable) this.registry.enableServiceMaintenance(id, reason);
    else this.registry.disableServiceMaintenance(id);
  }

  nodeMaintenance(enable: boolean, reason: string): void {
    if (enable) this.registry.enableNodeMaintenance(reason);
    else this.registry.disableNodeMaintenance();
  }

  reload(): void {
    this.reloadHandler();
  }

  private loadConfigEntries(config: RuntimeConfig): void {
    this.addConfigEntries(parseConfigEntries(config));
  }

  private addConfigEntries(parsed: { services: ServiceDefinition[]; checks: CheckDefinition[] }): void {
    for (const sd of parsed.services) {
      try {
        this.registry.addService(sd, 'local');
      } catch (err) {
        throw new MusterError('ERR_CONFIG', `Failed to register service ${JSON.stringify(sd.service.service)}: ${(err as Error).message}`);
      }
      this.configServiceIDs.add(sd.service.id || sd.service.service);
      for (const c of this.local.checksOfService(sd.service.id || sd.service.service)) this.configCheckIDs.add(c.checkID);
    }
    for (const def of parsed.checks) {
      try {
        this.registry.addCheck(def, 'local', false);
      } catch (err) {
        throw new MusterError('ERR_CONFIG', loadCheckErrorText(def, (err as Error).message));
      }
      this.configCheckIDs.add(def.id || def.name);
    }
  }

  private loadPersisted(): void {
    if (!this.persistence) return;
    const { services, checks, states } = this.persistence.load();
    for (const p of services) {
      if (this.configServiceIDs.has(p.service.id)) continue;
      try {
        this.registry.addService({ service: p.service, checks: [] }, p.source);
        this.logger.debug('restored service definition from file', { service: p.service.id });
      } catch (err) {
        this.logger.warn('failed to restore service', { service: p.service.id, error: (err as Error).message });
      }
    }
    for (const p of checks) {
      try {
        if (p.maintenance) {
          if (p.maintenance.serviceID === '') this.registry.enableNodeMaintenance(p.maintenance.notes);
          else this.registry.enableServiceMaintenance(p.maintenance.serviceID, p.maintenance.notes);
          continue;
        }
        if (this.configCheckIDs.has(p.def.id)) continue;
        this.registry.addCheck(p.def, p.source, false);
        const st = states.get(p.def.id);
        if (st) this.registry.updateTtl(p.def.id, st.status, st.output);
      } catch (err) {
        this.logger.warn('failed to restore check', { check: p.def.id, error: (err as Error).message });
      }
    }
  }

  private scheduleReap(): void {
    this.reapTimer = this.deps.clock.setTimer(reapIntervalMs, () => {
      this.registry.reapCritical();
      this.scheduleReap();
    });
  }

  private aliasSource(): AliasSource {
    const local = (): LocalState => this.local;
    const server = this.deps.server;
    const node = this.deps.config.nodeName;
    return {
      localChecks: () => local().allChecks().map((c) => ({ ...c, node })),
      localServiceExists: (id) => local().service(id) !== undefined,
      // Fires only when the aliased service, or one of its checks, changes (Consul's
      // AddAliasCheck notifies on those alone; waking on every change would let two alias
      // checks feed each other).
      watchLocalService: (serviceID, onChange) => {
        const signature = (): string => {
          const svc = local().service(serviceID);
          const checks = local().allChecks().filter((c) => (c.serviceID || c.serviceName) === serviceID);
          return JSON.stringify([svc !== undefined, checks.map((c) => [c.checkID, c.status, c.output])]);
        };
        let last = signature();
        let cancel = local().onNextChange(function again() {
          const now = signature();
          if (now !== last) {
            last = now;
            onChange();
          }
          cancel = local().onNextChange(again);
        });
        return () => cancel();
      },
      nodeChecks: async (nodeName, minIndex, signal) => {
        const r = await server.catalog.nodeChecks(nodeName, { datacenter: '', consistency: 'stale', minIndex, waitMs: 60_000, signal });
        return { index: r.meta.index, checks: r.value };
      },
      nodeHasService: async (nodeName, serviceID, signal) => {
        const r = await server.catalog.nodeServices(nodeName, { datacenter: '', consistency: 'stale', minIndex: 0, waitMs: 0, signal });
        return r.value?.services.some((s) => s.id === serviceID) ?? false;
      },
    };
  }
}

/** Config blocks to definitions; throws ERR_CONFIG naming the bad entry. */
function parseConfigEntries(config: RuntimeConfig): { services: ServiceDefinition[]; checks: CheckDefinition[] } {
  const services = config.services.map((raw) => serviceFromConfig(raw));
  const checks = config.checks.map((raw) => {
    try {
      return checkFromConfig(raw);
    } catch (err) {
      if (err instanceof CheckConfigError) throw new MusterError('ERR_CONFIG', err.message);
      throw err;
    }
  });
  return { services, checks };
}
