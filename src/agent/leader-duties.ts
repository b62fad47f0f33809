/**
 * What the leader does while it leads (Consul's leader.go establishLeadership and
 * revokeLeadership): a barrier (everything committed before this term is applied here), this
 * node in the catalog with the `consul` service, the session TTL timers, and gossip membership
 * reconciled into the catalog and into the Raft configuration, at once on each member event
 * and every minute (catalog) or two seconds (Raft: promotions wait for stability).
 * Leadership may be lost at any await: each pass checks it still leads in the same term.
 */
import type { RuntimeConfig } from '../config/index.js';
import type { CommandLog } from '../fsm/index.js';
import type { Clock, Logger, Timer } from '../lib/index.js';
import type { ConfigurationChange } from '../raft/index.js';
import type { MemberEventKind, SerfMember } from '../serf/index.js';
import { consulService, nextMembershipChange, reconcileIntervalMs, serfCheck, type RaftView, type Reconciler, type Server } from '../server/index.js';
import { autopilotConfigGet, type NodeWrite } from '../state/index.js';
import { reconcileMember } from './gossip.js';
import { serverMembers } from './server-members.js';

export interface LeaderDutiesDeps {
  config: RuntimeConfig;
  clock: Clock;
  logger: Logger;
  log: CommandLog;
  server: Server;
  raft: RaftView;
  reconciler: Reconciler;
  nodeInfo: () => NodeWrite;
  selfMember: () => SerfMember;
  members: () => SerfMember[];
  /** One Raft membership change (absent with an in-memory log). */
  changeConfiguration?: (c: ConfigurationChange) => Promise<unknown>;
}

/** How often the leader re-checks the Raft configuration against gossip (Consul's ServerHealthInterval). */
const membershipIntervalMs = 2_000;

export class LeaderDuties {
  /** Bumped on every gain and loss: a pass that started under another leadership stops. */
  private term = 0;
  private leading = false;
  private reconcileTimer: Timer | undefined;
  private membershipTimer: Timer | undefined;
  private changing = false;
  private readonly liveSinceMs = new Map<string, number>();

  constructor(private readonly deps: LeaderDutiesDeps) {}

  get isLeading(): boolean {
    return this.leading;
  }

  /** Leadership gained: barrier, then the duties. */
  async establish(): Promise<void> {
    const { config: c, logger, log } = this.deps;
    const term = ++this.term;
    this.leading = true;
    try {
      await log.apply({ type: 'noop' });
    } catch (err) {
      logger.named('agent.leader').error('failed to wait for barrier', { error: (err as Error).message });
      return;
    }
    if (!this.still(term)) return;
    const serverLogger = logger.named('agent.server');
    serverLogger.info('cluster leadership acquired');
    serverLogger.info('New leader elected', { payload: c.nodeName });
    try {
      // Consul's initializeACLs: the builtin policy, the master token, the anonymous token.
      await this.deps.server.acl.initialize();
    } catch (err) {
      logger.named('agent.leader').error('failed to initialize ACLs', { error: (err as Error).message });
    }
    if (!this.still(term)) return;
    const now = this.deps.clock.monotonicMs();
    for (const s of serverMembers(this.deps.members(), c.datacenter)) if (s.status === 'alive') this.liveSinceMs.set(s.id, now);
    try {
      await log.apply({
        type: 'register',
        req: { node: this.deps.nodeInfo(), skipNodeUpdate: false, service: consulService(reconcileMember(this.deps.selfMember())), checks: [serfCheck(c.nodeName, 'passing')] },
      });
    } catch (err) {
      logger.named('agent.leader').error('failed to register this server', { error: (err as Error).message });
    }
    if (!this.still(term)) return;
    logger.named('agent.leader').info('member joined, marking health alive', { member: c.nodeName });
    this.deps.server.sessions.initializeTimers();
    await this.deps.server.operator.startAutopilot(c.autopilot);
    if (!this.still(term)) return;
    const reconcileEvery = (): void => {
      this.reconcileTimer = this.deps.clock.setTimer(reconcileIntervalMs, () => {
        void this.reconcileAll(term).finally(() => this.still(term) && reconcileEvery());
      });
    };
    reconcileEvery();
    const membershipEvery = (): void => {
      this.membershipTimer = this.deps.clock.setTimer(membershipIntervalMs, () => {
        this.stepMembership(term);
        if (this.still(term)) membershipEvery();
      });
    };
    membershipEvery();
    void this.reconcileAll(term);
    this.stepMembership(term);
  }

  /** Leadership lost (or the server stops): the leader's timers stop. */
  revoke(): void {
    const wasLeading = this.leading;
    this.term++;
    this.leading = false;
    this.reconcileTimer?.cancel();
    this.membershipTimer?.cancel();
    this.reconcileTimer = this.membershipTimer = undefined;
    this.deps.server.sessions.clearAllTimers();
    this.deps.server.operator.stopAutopilot();
    if (wasLeading) this.deps.logger.named('agent.server').info('cluster leadership lost');
  }

  /** A LAN member event: the catalog and the Raft configuration follow at once. */
  memberEvent(kind: MemberEventKind, m: SerfMember): void {
    const s = serverMembers([m], this.deps.config.datacenter)[0];
    if (s !== undefined) {
      if (m.status === 'alive') {
        if (!this.liveSinceMs.has(s.id)) this.liveSinceMs.set(s.id, this.deps.clock.monotonicMs());
      } else this.liveSinceMs.delete(s.id);
    }
    if (!this.leading) return;
    const r = reconcileMember(m);
    if (kind === 'reap') r.status = 'reaped';
    this.deps.reconciler.member(r).catch((err: Error) => this.deps.logger.named('agent').error('failed to reconcile member', { member: m.name, error: err.message }));
    if (s !== undefined) this.stepMembership(this.term);
  }

  private still(term: number): boolean {
    return this.leading && this.term === term;
  }

  /** Every LAN member into the catalog, and nodes gossip forgot out of it. */
  private async reconcileAll(term: number): Promise<void> {
    const members = this.deps.members();
    try {
      for (const m of members) {
        if (!this.still(term)) return;
        await this.deps.reconciler.member(reconcileMember(m));
      }
      if (this.still(term)) await this.deps.reconciler.reaped(new Set(members.map((m) => m.name)));
    } catch (err) {
      this.deps.logger.named('agent').error('failed to reconcile members', { error: (err as Error).message });
    }
  }

  /** At most one Raft configuration change towards what gossip shows; the next follows when it is done. */
  private stepMembership(term: number): void {
    const change = this.deps.changeConfiguration;
    if (change === undefined || this.changing || !this.still(term)) return;
    const { raft, config: c } = this.deps;
    const progress = raft.progress();
    if (progress === undefined) return;
    const self = c.nodeID;
    // The cluster's autopilot configuration (operator autopilot set-config), else the agent's own block.
    const ap = autopilotConfigGet(this.deps.server.deps.store).config ?? c.autopilot;
    const next = nextMembershipChange(self, raft.configuration(), serverMembers(this.deps.members(), c.datacenter), progress, this.liveSinceMs, this.deps.clock.monotonicMs(), {
      cleanupDeadServers: ap.cleanupDeadServers,
      stabilizationMs: ap.serverStabilizationTimeMs,
      maxTrailingLogs: ap.maxTrailingLogs,
      minQuorum: ap.minQuorum,
    });
    if (next === undefined) return;
    const logger = this.deps.logger.named('agent.leader');
    let request: ConfigurationChange;
    if (next.op === 'add-nonvoter') {
      logger.info('Adding LAN server', { server: `${next.name} (Addr: tcp/${next.address}) (DC: ${c.datacenter})` });
      request = { op: 'add-nonvoter', id: next.id, address: next.address };
    } else if (next.op === 'promote') {
      logger.named('autopilot').info('Promoting server', { id: next.id, name: next.name });
      request = { op: 'promote', id: next.id };
    } else {
      if (next.why === 'failed') logger.named('autopilot').info('Attempting removal of failed server node', { id: next.id, name: next.name });
      else logger.info('removing server', { id: next.id, name: next.name });
      request = { op: 'remove', id: next.id };
    }
    this.changing = true;
    change(request)
      .catch((err: Error) => logger.error('failed to change the Raft configuration', { op: request.op, id: request.id, error: err.message }))
      .finally(() => {
        this.changing = false;
        if (this.still(term)) this.deps.clock.setTimer(0, () => this.stepMembership(term));
      });
  }
}
