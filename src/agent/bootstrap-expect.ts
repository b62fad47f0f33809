/**
 * bootstrap_expect (Consul's Server.maybeBootstrap): a brand-new server waits, without any
 * election, until gossip shows the expected number of servers of its datacenter. It then asks
 * each of them for its Raft peers; if one already has some, a cluster exists and this server
 * waits to be added by its leader. Otherwise every server bootstraps the same configuration
 * (all of them as voters), which makes the race between them harmless: whichever wins the
 * first election replicates that same configuration.
 */
import type { Logger, Timer, Clock } from '../lib/index.js';
import type { Configuration } from '../raft/index.js';
import type { RpcCaller } from '../server/index.js';
import type { SerfMember } from '../serf/index.js';
import { serverMembers } from './server-members.js';

export interface ExpectBootstrapDeps {
  expect: number;
  datacenter: string;
  logger: Logger;
  clock: Clock;
  rpc: RpcCaller;
  members: () => SerfMember[];
  /** Whether this server has Raft state of its own (a log or a snapshot). */
  hasState: () => boolean;
  /** Bootstraps; false when this server turned out to have state after all. */
  bootstrap: (c: Configuration) => Promise<boolean>;
}

/** After a failed round (a peer did not answer), try again after this long. */
const retryMs = 1_000;
const peersCallTimeoutMs = 5_000;

export class ExpectBootstrap {
  private done = false;
  private running = false;
  /** A check came while one ran (gossip delivers joins in bursts): it runs again after. */
  private again = false;
  private lastWaiting = '';
  private retryTimer: Timer | undefined;

  constructor(private readonly deps: ExpectBootstrapDeps) {}

  /** Re-checks (at start and on every server join or update). */
  check(): void {
    if (this.done) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.again = false;
    void this.attempt()
      .catch((err: Error) => this.deps.logger.error('bootstrap failed', { error: err.message }))
      .finally(() => {
        this.running = false;
        if (this.again) this.check();
      });
  }

  stop(): void {
    this.done = true;
    this.retryTimer?.cancel();
  }

  private async attempt(): Promise<void> {
    const { logger, expect } = this.deps;
    if (this.deps.hasState()) {
      logger.info('Raft data found, disabling bootstrap mode');
      this.done = true;
      return;
    }
    const servers = serverMembers(this.deps.members(), this.deps.datacenter).filter((s) => s.status === 'alive');
    for (const s of servers) {
      if (s.expect !== 0 && s.expect !== expect) {
        logger.error('Member has a conflicting expect value. All nodes should expect the same number.', { member: s.name });
        return;
      }
      if (s.bootstrap) {
        logger.error('Member has bootstrap mode. Expect disabled.', { member: s.name });
        return;
      }
    }
    const voters = servers.filter((s) => !s.nonVoter);
    if (voters.length < expect) {
      const waiting = `${voters.length}/${expect}`;
      if (waiting !== this.lastWaiting) {
        this.lastWaiting = waiting;
        logger.info('waiting for servers to bootstrap the cluster', { bootstrap_expect: expect, servers_known: voters.length });
      }
      return;
    }
    for (const s of servers) {
      let peers: string[];
      try {
        peers = await this.deps.rpc.call<string[]>(s.address, 'Status.Peers', { args: [] }, { timeoutMs: peersCallTimeoutMs });
      } catch (err) {
        logger.error('Failed to confirm peer status for server (will retry).', { server: s.name, retry_interval: `${retryMs / 1000}s`, error: (err as Error).message });
        this.retryTimer = this.deps.clock.setTimer(retryMs, () => this.check());
        return;
      }
      if (peers.length > 0) {
        logger.info('Existing Raft peers reported by server, disabling bootstrap mode', { server: s.name });
        this.done = true;
        return;
      }
    }
    if (this.done) return;
    logger.info('Found expected number of peers, attempting bootstrap', { peers: servers.map((s) => s.address).join(',') });
    const configuration: Configuration = { servers: servers.map((s) => ({ id: s.id, address: s.address, suffrage: s.nonVoter ? 'nonvoter' : 'voter' })) };
    this.done = true;
    if (!(await this.deps.bootstrap(configuration))) logger.info('Raft data found, disabling bootstrap mode');
  }
}
