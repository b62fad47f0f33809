/**
 * Anti-entropy (Consul's agent/ae and local/state.go SyncFull/SyncChanges): pushes the agent's
 * services, checks and node info to the catalog.
 *
 * - Every local change triggers a partial sync of what is out of sync, at once (coalesced).
 * - A full sync every `intervalMs` (Consul: 1 minute, scaled up for clusters over 128 nodes,
 *   plus a random stagger) compares the catalog with local state first, so a catalog that
 *   drifted (a server restored from an old snapshot, someone deregistered our service through
 *   /v1/catalog) is repaired: missing or different entries are re-registered, entries of this
 *   node that the agent does not know are removed (except `serfHealth`, owned by the servers).
 * - A failed sync is retried after `retryMs` (Consul: 15s) plus stagger.
 * Runs are serialized: a trigger during a run schedules one more run after it.
 */
import type { Clock, Logger, Rng, Timer } from '../lib/index.js';
import type { CheckEntry, CheckWrite, NodeEntry, NodeWrite, RegisterRequest, ServiceEntry, ServiceWrite } from '../state/index.js';
import type { LocalCheck, LocalService, LocalState } from './local-state.js';

/** How the syncer reaches the catalog (in-process on a server; over RPC on a client agent). */
export interface CatalogAccess {
  register(req: RegisterRequest, token: string): Promise<void>;
  deregister(node: string, serviceID: string, checkID: string, token: string): Promise<void>;
  node(name: string): Promise<{ node: NodeEntry | undefined; services: ServiceEntry[]; checks: CheckEntry[] }>;
}

export interface SyncerDeps {
  clock: Clock;
  rng: Rng;
  logger: Logger;
  catalog: CatalogAccess;
  local: LocalState;
  /** This node as the catalog should show it. */
  nodeInfo: () => NodeWrite;
  /**
   * ACL tokens of the agent's own writes (Consul's token store): `agent` for the node and for
   * removals, `user` (acl.tokens.default) for a service or check registered without a token.
   */
  tokens?: { agent: () => string; user: () => string };
  intervalMs?: number;
  retryMs?: number;
}

/** Services and checks of this node that anti-entropy never removes (owned by the servers). */
const serverOwnedChecks = new Set(['serfHealth']);
const serverOwnedServices = new Set(['consul']);

/** Consul's serverUpIntv. */
const serverUpMs = 3_000;

export class AntiEntropy {
  private running = false;
  private again = false;
  private partialTimer: Timer | undefined;
  private fullTimer: Timer | undefined;
  private stopped = false;
  /** The sync running now, if any. */
  private current: Promise<void> = Promise.resolve();
  private fullPending = false;
  /** Resolves waiters of `synced()` after the next completed run. */
  private waiters: Array<() => void> = [];

  constructor(private readonly deps: SyncerDeps) {}

  /** Starts with a full sync, then the periodic schedule. */
  start(): void {
    this.fullPending = true;
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    this.partialTimer?.cancel();
    this.fullTimer?.cancel();
  }

  /**
   * Stops, and resolves once a sync in progress has finished: nothing this agent sends to the
   * catalog afterwards (before a graceful leave, so no late write puts the node back after the
   * servers deregistered it).
   */
  async stopAndDrain(): Promise<void> {
    this.stop();
    await this.current;
  }

  /** A local change: sync what is out of sync, soon. */
  trigger(): void {
    if (this.stopped) return;
    this.kick();
  }

  /**
   * A server joined (a client agent learned of one): a full sync within a random 0–3 s
   * (Consul's serverUpIntv; the spread keeps a fleet of clients from syncing at one instant).
   */
  serverUp(): void {
    if (this.stopped) return;
    this.schedule(Math.floor(this.deps.rng.next() * serverUpMs));
  }

  /** Resolves once a sync run that started after this call has finished (for tests and reload). */
  synced(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.kick();
    });
  }

  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.partialTimer) return;
    this.partialTimer = this.deps.clock.setTimer(0, () => {
      this.partialTimer = undefined;
      this.current = this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    this.running = true;
    this.again = false;
    const waiters = this.waiters;
    this.waiters = [];
    const full = this.fullPending;
    this.fullPending = false;
    try {
      if (full) await this.updateSyncState();
      await this.syncChanges();
      if (full) {
        this.deps.logger.debug('Node info in sync');
        this.schedule(this.stagger(this.deps.intervalMs ?? 60_000));
      }
    } catch (err) {
      this.deps.logger.error('failed to sync remote state', { error: String((err as Error).message ?? err) });
      this.fullPending = true;
      this.schedule(this.stagger(this.deps.retryMs ?? 15_000));
    } finally {
      this.running = false;
      for (const w of waiters) w();
      if (this.again && !this.stopped) this.kick();
    }
  }

  private schedule(delayMs: number): void {
    this.fullTimer?.cancel();
    if (this.stopped) return;
    this.fullTimer = this.deps.clock.setTimer(delayMs, () => {
      this.fullTimer = undefined;
      this.fullPending = true;
      this.kick();
    });
  }

  private stagger(ms: number): number {
    return ms + Math.floor(this.deps.rng.next() * ms);
  }

  /** Compares the catalog's view of this node with local state (Consul's updateSyncState). */
  private async updateSyncState(): Promise<void> {
    const { local } = this.deps;
    const want = this.deps.nodeInfo();
    const remote = await this.deps.catalog.node(want.node);
    if (!remote.node || !sameNode(remote.node, want)) local.markNodeOutOfSync();
    else local.setNodeInSync();
    const remoteServices = new Map(remote.services.map((s) => [s.id, s]));
    for (const [id, s] of remoteServices) {
      if (serverOwnedServices.has(id)) continue;
      const mine = local.service(id);
      if (!mine) local.forgetRemoteService(id, { ...s, token: '' });
      else if (!sameService(mine, s)) local.serviceOutOfSync(id);
    }
    for (const s of local.allServices()) if (!remoteServices.has(s.id)) local.serviceOutOfSync(s.id);
    const remoteChecks = new Map(remote.checks.map((c) => [c.checkID, c]));
    for (const [id, c] of remoteChecks) {
      if (serverOwnedChecks.has(id)) continue;
      const mine = local.check(id);
      if (!mine) local.forgetRemoteCheck(id, { ...c, token: '' });
      else if (!sameCheck(mine, c)) local.checkOutOfSync(id);
    }
    for (const c of local.allChecks()) if (!remoteChecks.has(c.checkID)) local.checkOutOfSync(c.checkID);
  }

  /** Pushes everything out of sync (Consul's SyncChanges). */
  private async syncChanges(): Promise<void> {
    const { local, catalog } = this.deps;
    const node = this.deps.nodeInfo();
    const pending = local.pending();
    const agentToken = this.deps.tokens?.agent() ?? '';
    const userToken = this.deps.tokens?.user() ?? '';
    for (const s of pending.services) {
      if (s.deleted) {
        await catalog.deregister(node.node, s.id, '', agentToken);
        this.deps.logger.info('Deregistered service', { service: s.id });
      } else {
        const svc = local.service(s.id)!;
        const checks = local.checksOfService(s.id).map((c) => checkWrite(node.node, c));
        await catalog.register({ node, skipNodeUpdate: local.nodeIsInSync, service: serviceWrite(svc), checks }, svc.token || userToken);
        for (const c of checks) local.checkSynced(c.checkID);
        local.setNodeInSync();
        this.deps.logger.info('Synced service', { service: s.id });
      }
      local.serviceSynced(s.id);
    }
    for (const c of local.pending().checks) {
      if (c.deleted) {
        await catalog.deregister(node.node, '', c.id, agentToken);
        this.deps.logger.info('Deregistered check', { check: c.id });
      } else {
        const chk = local.check(c.id)!;
        await catalog.register({ node, skipNodeUpdate: local.nodeIsInSync, checks: [checkWrite(node.node, chk)] }, chk.token || userToken);
        local.setNodeInSync();
        this.deps.logger.info('Synced check', { check: c.id });
      }
      local.checkSynced(c.id);
    }
    if (!local.nodeIsInSync) {
      await catalog.register({ node, skipNodeUpdate: false, checks: [] }, agentToken);
      local.setNodeInSync();
      this.deps.logger.info('Synced node info');
    }
  }
}

function serviceWrite(s: LocalService): ServiceWrite {
  const { token: _t, ...rest } = s;
  return rest;
}

function checkWrite(node: string, c: LocalCheck): CheckWrite {
  return {
    node,
    checkID: c.checkID,
    name: c.name,
    status: c.status,
    notes: c.notes,
    output: c.output,
    serviceID: c.serviceID,
    serviceName: c.serviceName,
    serviceTags: c.serviceTags,
    type: c.type,
    definition: c.definition,
  };
}

function sameNode(n: NodeEntry, w: NodeWrite): boolean {
  return n.id === w.id && n.address === w.address && same(n.taggedAddresses, w.taggedAddresses) && same(n.meta, w.meta);
}

function sameService(mine: LocalService, remote: ServiceEntry): boolean {
  const { createIndex: _c, modifyIndex: _m, node: _n, ...r } = remote;
  return same(serviceWrite(mine), r);
}

function sameCheck(mine: LocalCheck, remote: CheckEntry): boolean {
  return (
    mine.name === remote.name &&
    mine.status === remote.status &&
    mine.notes === remote.notes &&
    mine.output === remote.output &&
    mine.serviceID === remote.serviceID &&
    mine.serviceName === remote.serviceName &&
    same(mine.serviceTags, remote.serviceTags) &&
    same(mine.definition, remote.definition)
  );
}

/** Structural equality that ignores object key order (maps from different sources). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}
