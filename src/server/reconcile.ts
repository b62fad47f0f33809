/**
 * The leader's reconciliation of gossip membership into the catalog (Consul's leader.go:
 * handleAliveMember, handleFailedMember, handleDeregisterMember, reconcileReaped). A live
 * member is registered with a passing `serfHealth` check (servers also with the `consul`
 * service); a failed one's check goes critical, which invalidates its sessions and drops it
 * from DNS; one that left or was reaped is deregistered. Writes only what differs, so the
 * periodic full pass over every member costs nothing when all agree.
 */
import type { CommandLog } from '../fsm/index.js';
import type { Logger } from '../lib/index.js';
import { catalogNodes, emptyCheckDefinition, getNode, nodeChecks, nodeServices, type CheckWrite, type ServiceWrite, type Store } from '../state/index.js';

/** A gossip member as the reconciler needs it. */
export interface ReconcileMember {
  name: string;
  address: string;
  tags: Readonly<Record<string, string>>;
  status: 'alive' | 'leaving' | 'left' | 'failed' | 'reaped';
  /** memberlist protocol versions: min, max, current. */
  protocol: { min: number; max: number; cur: number };
}

export const serfCheckID = 'serfHealth';
export const serfCheckName = 'Serf Health Status';
export const serfCheckAliveOutput = 'Agent alive and reachable';
export const serfCheckFailedOutput = 'Agent not live or unreachable';
/** How often the leader reconciles every member (Consul's ReconcileInterval). */
export const reconcileIntervalMs = 60_000;

export interface ReconcilerDeps {
  store: Store;
  log: CommandLog;
  logger: Logger;
  datacenter: string;
  /** This server's node: never deregistered by itself. */
  nodeName: string;
}

export class Reconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  /** Brings the catalog in line with one member's gossip status. */
  async member(m: ReconcileMember): Promise<void> {
    switch (m.status) {
      case 'alive':
      case 'leaving':
        return this.alive(m);
      case 'failed':
        return this.failed(m);
      case 'left':
      case 'reaped':
        return this.deregister(m, m.status);
    }
  }

  /**
   * Nodes in the catalog with a serfHealth check that gossip no longer knows (reaped while no
   * leader watched): deregistered (Consul's reconcileReaped).
   */
  async reaped(known: ReadonlySet<string>): Promise<void> {
    const { store } = this.deps;
    for (const node of catalogNodes(store).nodes) {
      if (known.has(node.node) || node.node === this.deps.nodeName) continue;
      if (!nodeChecks(store, node.node).checks.some((c) => c.checkID === serfCheckID)) continue;
      await this.deregister({ name: node.node, address: node.address, tags: {}, status: 'reaped', protocol: { min: 0, max: 0, cur: 0 } }, 'reaped');
    }
  }

  private async alive(m: ReconcileMember): Promise<void> {
    const { store } = this.deps;
    const service = consulService(m);
    const node = getNode(store, m.name);
    if (node && node.address === m.address) {
      const current = service ? nodeServices(store, m.name)?.services.find((s) => s.id === service.id) : undefined;
      const serviceOk = !service || (current !== undefined && sameMeta(current.meta, service.meta));
      if (serviceOk && nodeChecks(store, m.name).checks.some((c) => c.checkID === serfCheckID && c.status === 'passing')) return;
    }
    this.deps.logger.info('member joined, marking health alive', { member: m.name });
    await this.register(m, 'passing', service);
  }

  private async failed(m: ReconcileMember): Promise<void> {
    const { store } = this.deps;
    const node = getNode(store, m.name);
    if (!node) {
      this.deps.logger.info('ignoring failed event for member because it does not exist in the catalog', { member: m.name });
      return;
    }
    if (node.address === m.address && nodeChecks(store, m.name).checks.some((c) => c.checkID === serfCheckID && c.status === 'critical')) return;
    this.deps.logger.info('member failed, marking health critical', { member: m.name });
    await this.register(m, 'critical', undefined);
  }

  private async deregister(m: ReconcileMember, reason: string): Promise<void> {
    if (m.name === this.deps.nodeName) {
      this.deps.logger.warn('deregistering self should be done by follower', { name: m.name });
      return;
    }
    if (!getNode(this.deps.store, m.name)) return;
    this.deps.logger.info('deregistering member', { member: m.name, reason });
    await this.deps.log.apply({ type: 'deregister', node: m.name, serviceID: '', checkID: '' });
  }

  private async register(m: ReconcileMember, status: 'passing' | 'critical', service: ServiceWrite | undefined): Promise<void> {
    await this.deps.log.apply({
      type: 'register',
      req: {
        node: { id: m.tags['id'] ?? '', node: m.name, address: m.address, datacenter: this.deps.datacenter, taggedAddresses: {}, meta: {} },
        skipNodeUpdate: true,
        service,
        checks: [serfCheck(m.name, status)],
      },
    });
  }
}

/** A member's serfHealth check: passing while gossip finds it, critical once it failed. */
export function serfCheck(node: string, status: 'passing' | 'critical'): CheckWrite {
  return {
    node,
    checkID: serfCheckID,
    name: serfCheckName,
    status,
    notes: '',
    output: status === 'passing' ? serfCheckAliveOutput : serfCheckFailedOutput,
    serviceID: '',
    type: '',
    definition: emptyCheckDefinition(),
  };
}

/** The `consul` service a server member runs (Consul's handleAliveMember). */
export function consulService(m: ReconcileMember): ServiceWrite | undefined {
  if (m.tags['role'] !== 'consul') return undefined;
  const port = Number(m.tags['port'] ?? '');
  if (!Number.isInteger(port) || port <= 0) return undefined;
  const build = (m.tags['build'] ?? '').split(':')[0] ?? '';
  return {
    kind: '',
    id: 'consul',
    service: 'consul',
    tags: [],
    address: '',
    taggedAddresses: {},
    meta: {
      raft_version: m.tags['raft_vsn'] ?? '',
      serf_protocol_current: String(m.protocol.cur),
      serf_protocol_max: String(m.protocol.max),
      serf_protocol_min: String(m.protocol.min),
      version: build,
    },
    port,
    weights: { passing: 1, warning: 1 },
    enableTagOverride: false,
    proxy: null,
    connect: null,
  };
}

function sameMeta(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
