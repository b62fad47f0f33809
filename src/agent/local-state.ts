/**
 * The agent's own services and checks (Consul's agent/local/state.go): the source of truth for
 * what this node runs, kept in sync with the catalog by anti-entropy. Each entry carries an
 * `inSync` flag; every change clears it and pokes the syncer.
 *
 * Invariants:
 * - A check belongs to a service only if that service is here; removing a service removes its
 *   checks.
 * - A check whose status stays the same but whose output changes is synced at most once per
 *   `checkUpdateIntervalMs` (Consul's check_update_interval): output churn must not turn
 *   into a stream of Raft writes. A status change syncs at once.
 * - Critical-since times are tracked for `deregister_critical_service_after`.
 */
import type { Clock, Timer } from '../lib/index.js';
import type { CheckEntry, HealthStatus, ServiceWrite } from '../state/index.js';

export interface LocalService extends ServiceWrite {
  /** ACL token registered with it (kept for when ACLs arrive). */
  token: string;
}

/** A check of this agent: the catalog's check without node and indexes, plus its token. */
export interface LocalCheck extends Omit<CheckEntry, 'node' | 'createIndex' | 'modifyIndex'> {
  token: string;
}

interface ServiceState {
  service: LocalService;
  inSync: boolean;
  deleted: boolean;
}

interface CheckState {
  check: LocalCheck;
  inSync: boolean;
  deleted: boolean;
  deferTimer: Timer | undefined;
  criticalSinceMs: number | undefined;
}

export class LocalStateError extends Error {}

export class LocalState {
  private readonly services = new Map<string, ServiceState>();
  private readonly checks = new Map<string, CheckState>();
  private nodeInSync = false;
  /** Bumped on every change; the agent's hash-based blocking reads compare it. */
  private version = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly clock: Clock,
    private readonly checkUpdateIntervalMs: number,
    /** Called whenever something needs syncing (the anti-entropy trigger). */
    private readonly onChange: () => void,
  ) {}

  // ---- services ----

  addService(service: LocalService): void {
    this.services.set(service.id, { service, inSync: false, deleted: false });
    // The service's checks carry its name and tags.
    for (const cs of this.checks.values()) {
      if (!cs.deleted && cs.check.serviceID === service.id) {
        cs.check = { ...cs.check, serviceName: service.service, serviceTags: service.tags };
        cs.inSync = false;
      }
    }
    this.changed();
  }

  /** Removes a service and its checks; false if there was no such service. */
  removeService(id: string): boolean {
    const s = this.services.get(id);
    if (!s || s.deleted) return false;
    s.deleted = true;
    s.inSync = false;
    for (const [cid, cs] of this.checks) if (!cs.deleted && cs.check.serviceID === id) this.removeCheck(cid);
    this.changed();
    return true;
  }

  service(id: string): LocalService | undefined {
    const s = this.services.get(id);
    return s && !s.deleted ? s.service : undefined;
  }

  allServices(): LocalService[] {
    return [...this.services.values()].filter((s) => !s.deleted).map((s) => s.service);
  }

  // ---- checks ----

  addCheck(check: LocalCheck): void {
    if (check.serviceID !== '') {
      const svc = this.service(check.serviceID);
      if (!svc) throw new LocalStateError(`Check "${check.checkID}" refers to non-existent service "${check.serviceID}"`);
      check = { ...check, serviceName: svc.service, serviceTags: svc.tags };
    }
    const prev = this.checks.get(check.checkID);
    prev?.deferTimer?.cancel();
    this.checks.set(check.checkID, {
      check,
      inSync: false,
      deleted: false,
      deferTimer: undefined,
      criticalSinceMs: check.status === 'critical' ? (prev?.criticalSinceMs ?? this.clock.monotonicMs()) : undefined,
    });
    this.changed();
  }

  removeCheck(id: string): boolean {
    const cs = this.checks.get(id);
    if (!cs || cs.deleted) return false;
    cs.deferTimer?.cancel();
    cs.deferTimer = undefined;
    cs.deleted = true;
    cs.inSync = false;
    this.changed();
    return true;
  }

  check(id: string): LocalCheck | undefined {
    const cs = this.checks.get(id);
    return cs && !cs.deleted ? cs.check : undefined;
  }

  allChecks(): LocalCheck[] {
    return [...this.checks.values()].filter((c) => !c.deleted).map((c) => c.check);
  }

  checksOfService(serviceID: string): LocalCheck[] {
    return this.allChecks().filter((c) => c.serviceID === serviceID);
  }

  /** A runner's verdict, or a TTL update. Unknown checks are ignored (the runner is being stopped). */
  updateCheck(id: string, status: HealthStatus, output: string): void {
    const cs = this.checks.get(id);
    if (!cs || cs.deleted) return;
    const c = cs.check;
    if (c.status === status && c.output === output) return;
    if (status === 'critical') cs.criticalSinceMs ??= this.clock.monotonicMs();
    else cs.criticalSinceMs = undefined;
    if (c.status === status && this.checkUpdateIntervalMs > 0) {
      // Output only: keep it locally now, sync it later.
      cs.check = { ...c, output };
      this.version++;
      this.notify();
      if (!cs.deferTimer && cs.inSync) {
        cs.deferTimer = this.clock.setTimer(this.checkUpdateIntervalMs, () => {
          cs.deferTimer = undefined;
          if (cs.deleted) return;
          cs.inSync = false;
          this.changed();
        });
      }
      return;
    }
    cs.deferTimer?.cancel();
    cs.deferTimer = undefined;
    cs.check = { ...c, status, output };
    cs.inSync = false;
    this.changed();
  }

  /** Checks critical for at least `ms`, with how long (for deregister_critical_service_after). */
  criticalFor(id: string): number | undefined {
    const cs = this.checks.get(id);
    if (!cs || cs.deleted || cs.criticalSinceMs === undefined) return undefined;
    return this.clock.monotonicMs() - cs.criticalSinceMs;
  }

  // ---- sync bookkeeping (anti-entropy) ----

  markNodeOutOfSync(): void {
    this.nodeInSync = false;
    this.onChange();
  }

  get nodeIsInSync(): boolean {
    return this.nodeInSync;
  }

  setNodeInSync(): void {
    this.nodeInSync = true;
  }

  /** Services to push (or, deleted, to remove) and checks likewise. */
  pending(): { services: Array<{ id: string; deleted: boolean }>; checks: Array<{ id: string; deleted: boolean }> } {
    const services = [...this.services].filter(([, s]) => !s.inSync).map(([id, s]) => ({ id, deleted: s.deleted }));
    const checks = [...this.checks].filter(([, c]) => !c.inSync).map(([id, c]) => ({ id, deleted: c.deleted }));
    return { services, checks };
  }

  /** After a successful push: in sync, or forgotten if it was a deletion. */
  serviceSynced(id: string): void {
    const s = this.services.get(id);
    if (!s) return;
    if (s.deleted) this.services.delete(id);
    else s.inSync = true;
  }

  checkSynced(id: string): void {
    const cs = this.checks.get(id);
    if (!cs) return;
    if (cs.deleted) this.checks.delete(id);
    else cs.inSync = true;
  }

  /** Marks for re-push (the catalog differs) or for removal from the catalog (not ours). */
  serviceOutOfSync(id: string): void {
    const s = this.services.get(id);
    if (s) s.inSync = false;
  }

  checkOutOfSync(id: string): void {
    const cs = this.checks.get(id);
    if (cs) cs.inSync = false;
  }

  /** A catalog entry we do not have: remember it as deleted so the next push removes it. */
  forgetRemoteService(id: string, service: LocalService): void {
    if (!this.services.has(id)) this.services.set(id, { service, inSync: false, deleted: true });
  }

  forgetRemoteCheck(id: string, check: LocalCheck): void {
    if (!this.checks.has(id)) this.checks.set(id, { check, inSync: false, deleted: true, deferTimer: undefined, criticalSinceMs: undefined });
  }

  // ---- change notification ----

  /** Increments on every visible change (services, checks, statuses, outputs). */
  get changeVersion(): number {
    return this.version;
  }

  /** Calls `cb` on the next change (for the agent's blocking endpoints); returns a cancel. */
  onNextChange(cb: () => void): () => void {
    const once = (): void => {
      this.listeners.delete(once);
      cb();
    };
    this.listeners.add(once);
    return () => this.listeners.delete(once);
  }

  /** Stops every deferred-sync timer (agent shutdown). */
  close(): void {
    for (const cs of this.checks.values()) cs.deferTimer?.cancel();
  }

  private changed(): void {
    this.version++;
    this.notify();
    this.onChange();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}
