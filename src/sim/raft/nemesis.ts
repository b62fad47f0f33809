/**
 * The fault injector of the safety phase. Every swarm.faultStepMs it may (each with the
 * swarm's probability): crash a server (it restarts after an exponential downtime), crash
 * every server at once, start a partition of one of the swarm's modes (one at a time, healed
 * after an exponential time), clog a directed link, make a server's disk slow for a while, or
 * ask the leader to transfer leadership. `heal` ends all of it for the liveness phase. Pure.
 */
import type { Rng } from '../../lib/index.js';
import type { EventQueue } from './event-queue.js';
import type { SimNetwork } from './sim-network.js';
import type { SimServer } from './server.js';
import type { PartitionMode, Swarm } from './swarm.js';
import type { Trace } from './trace.js';

export interface NemesisEnv {
  q: EventQueue;
  net: SimNetwork;
  rng: Rng;
  swarm: Swarm;
  trace: Trace;
  servers: readonly SimServer[];
  leader(): SimServer | undefined;
}

/** A new leader picked to crash early crashes within this many ticks of its election. */
export const NEW_LEADER_CRASH_TICKS = 3;

export class Nemesis {
  private active = true;
  private partitionGen = 0;
  private partitioned = false;
  readonly stats = { crashes: 0, restartAll: 0, partitions: 0, clogs: 0, slowDisks: 0, transfers: 0 };

  constructor(private readonly env: NemesisEnv) {}

  start(): void {
    this.env.q.after(this.env.swarm.faultStepMs, () => this.step());
  }

  private exp(mean: number): number {
    return -mean * Math.log(1 - this.env.rng.next());
  }

  private pick<T>(xs: readonly T[]): T | undefined {
    return xs.length === 0 ? undefined : xs[this.env.rng.int(xs.length)];
  }

  private step(): void {
    if (!this.active) return;
    const { rng, swarm, q, servers } = this.env;
    if (rng.next() < swarm.crashProb) {
      const s = this.target() ?? this.pick(servers.filter((x) => x.up));
      if (s !== undefined) this.crash(s);
    }
    if (rng.next() < swarm.restartAllProb) {
      this.stats.restartAll++;
      for (const s of servers) if (s.up) this.crash(s);
    }
    if (!this.partitioned && rng.next() < swarm.partitionProb) {
      const mode = this.pick(swarm.partitionModes);
      if (mode !== undefined) this.partition(mode);
    }
    if (rng.next() < swarm.clogProb) {
      const [a, b] = this.twoServers();
      const forMs = this.exp(swarm.clogMeanMs);
      this.env.net.clog(a.id, b.id, forMs);
      this.stats.clogs++;
      this.env.trace.add(q.now, a.id, `clog ${a.id}>${b.id} for ${forMs.toFixed(1)}ms`);
    }
    if (rng.next() < swarm.slowDiskProb) {
      const s = this.pick(servers) as SimServer;
      s.slowDiskUntil = q.now + this.exp(swarm.slowDiskSpanMs);
      this.stats.slowDisks++;
      this.env.trace.add(q.now, s.id, `slow disk until ${s.slowDiskUntil.toFixed(1)}`);
    }
    if (rng.next() < swarm.transferProb) {
      const l = this.env.leader();
      if (l?.raft !== undefined) {
        const r = l.raft.transferLeadership();
        this.stats.transfers++;
        this.env.trace.add(q.now, l.id, `transfer leadership: ${'ok' in r ? `to ${r.to}` : r.error}`);
        l.processReady();
      }
    }
    q.after(swarm.faultStepMs, () => this.step());
  }

  /** A server just became leader: with swarm.newLeaderCrashProb it crashes soon after. */
  newLeader(s: SimServer): void {
    const { rng, swarm, q } = this.env;
    if (!this.active || rng.next() >= swarm.newLeaderCrashProb) return;
    const inc = s.incarnation;
    q.after(rng.next() * NEW_LEADER_CRASH_TICKS * swarm.tickMs, () => {
      if (this.active && s.incarnation === inc && s.up) this.crash(s);
    });
  }

  /** The leader, with probability swarm.leaderBias. */
  private target(): SimServer | undefined {
    return this.env.rng.next() < this.env.swarm.leaderBias ? this.env.leader() : undefined;
  }

  private crash(s: SimServer): void {
    s.crash();
    this.stats.crashes++;
    const inc = s.incarnation;
    this.env.q.after(this.exp(this.env.swarm.downMeanMs), () => {
      if (this.active && !s.up && s.incarnation === inc) s.start();
    });
  }

  private twoServers(): [SimServer, SimServer] {
    const servers = this.env.servers;
    const a = this.env.rng.int(servers.length);
    const b = (a + 1 + this.env.rng.int(servers.length - 1)) % servers.length;
    return [servers[a] as SimServer, servers[b] as SimServer];
  }

  private shuffled(): string[] {
    const ids = this.env.servers.map((s) => s.id);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = this.env.rng.int(i + 1);
      [ids[i], ids[j]] = [ids[j] as string, ids[i] as string];
    }
    return ids;
  }

  private partition(mode: PartitionMode): void {
    const { net, rng, q, trace } = this.env;
    const ids = this.shuffled();
    const cutSides = (a: readonly string[], b: readonly string[]): void => {
      for (const x of a) for (const y of b) net.cutBoth(x, y);
    };
    switch (mode) {
      case 'isolate': {
        const x = this.target()?.id ?? (ids[0] as string);
        cutSides([x], ids.filter((y) => y !== x));
        break;
      }
      case 'halves': {
        const k = 1 + rng.int(ids.length - 1);
        cutSides(ids.slice(0, k), ids.slice(k));
        break;
      }
      case 'bridge': {
        const rest = ids.slice(1);
        const k = 1 + rng.int(rest.length - 1);
        cutSides(rest.slice(0, k), rest.slice(k));
        break;
      }
      case 'one-way': {
        const n = 1 + rng.int(ids.length);
        for (let i = 0; i < n; i++) {
          const [a, b] = this.twoServers();
          net.cutOneWay(a.id, b.id);
        }
        break;
      }
      case 'leader-one-way': {
        const l = this.env.leader()?.id ?? (ids[0] as string);
        const outbound = rng.next() < 0.5;
        for (const x of ids) {
          if (x === l) continue;
          if (outbound) net.cutOneWay(l, x);
          else net.cutOneWay(x, l);
        }
        break;
      }
    }
    this.stats.partitions++;
    this.partitioned = true;
    const gen = ++this.partitionGen;
    const forMs = this.exp(this.env.swarm.partitionMeanMs);
    trace.add(q.now, '-', `partition ${mode} for ${forMs.toFixed(1)}ms: ${net.cuts().join(' ')}`);
    q.after(forMs, () => {
      if (gen !== this.partitionGen || !this.active) return;
      net.clearCuts();
      this.partitioned = false;
      trace.add(q.now, '-', 'partition healed');
    });
  }

  /** The liveness phase begins: no more faults; every server up, every disk fast. */
  heal(): void {
    this.active = false;
    this.partitioned = false;
    this.env.net.heal();
    this.env.trace.add(this.env.q.now, '-', 'HEAL: faults off, all servers up');
    for (const s of this.env.servers) {
      s.slowDiskUntil = 0;
      if (!s.up) s.start();
    }
  }
}
