/**
 * A simulated cluster for one seed: the event queue, the network, 3 or 5 servers (each with
 * its own drifted tick rate, disk and real FSM) and up to SPARES_MAX spares that join later,
 * the clients, the fault injector, the membership operator and the checkers, all drawing
 * randomness from separate streams derived from the seed (so adding a fault class to a swarm
 * does not reshuffle the clients' choices). Pure.
 */
import { SeededRng } from '../../lib/index.js';
import type { Rng } from '../../lib/index.js';
import type { Message } from '../../raft/index.js';
import { HistoryRecorder } from '../linearizability/index.js';
import type { KvInput, KvOutput } from '../linearizability/index.js';
import { Checkers } from './checkers.js';
import { describeConfig } from './config-checks.js';
import { EventQueue } from './event-queue.js';
import { Operator, addressOf } from './membership.js';
import { Nemesis } from './nemesis.js';
import { SimServer } from './server.js';
import type { ServerEnv } from './server.js';
import type { SimDisk } from './sim-disk.js';
import { SimNetwork } from './sim-network.js';
import type { Swarm } from './swarm.js';
import { Trace } from './trace.js';
import { SimClient } from './workload.js';

export class Cluster {
  readonly q = new EventQueue();
  readonly checkers = new Checkers();
  readonly recorder = new HistoryRecorder<KvInput, KvOutput>();
  readonly trace: Trace;
  readonly net: SimNetwork;
  /** Every server: the initial ones, then the spares. */
  readonly servers: SimServer[] = [];
  /** The servers started so far (a spare once it joined). */
  readonly members: SimServer[] = [];
  readonly clients: SimClient[] = [];
  readonly nemesis: Nemesis;
  readonly operator: Operator;
  /** Set by the quiet check: sees every message that raised a server's term. */
  termWatch: ((s: SimServer, m: Message, before: number) => void) | undefined;
  /** The ids of `members`: where clients send requests. */
  private readonly memberIds: string[] = [];
  private readonly byId = new Map<string, SimServer>();
  private readonly disks = new Map<string, SimDisk>();

  constructor(readonly swarm: Swarm, traceCapacity: number) {
    const master = new SeededRng(swarm.seed);
    const stream = (): Rng => new SeededRng(master.int(0x7fffffff));
    this.trace = new Trace(traceCapacity);
    this.net = new SimNetwork(this.q, stream(), swarm);
    const ids = Array.from({ length: swarm.nodes + swarm.spares }, (_, i) => `n${i + 1}`);
    const bootstrap = { servers: ids.slice(0, swarm.nodes).map((id) => ({ id, address: addressOf(id), suffrage: 'voter' as const })) };
    const driftRng = stream();
    const env: ServerEnv = {
      q: this.q, net: this.net, swarm, rng: stream(), checkers: this.checkers, trace: this.trace,
      server: (id) => this.byId.get(id), all: this.servers, disks: this.disks,
      reply: (client, r) => this.net.sendClient(() => this.clients[client - 1]?.answer(r)),
      onLeader: (s) => this.nemesis.newLeader(s),
      termRaised: (s, m, before) => this.termWatch?.(s, m, before),
    };
    for (const [i, id] of ids.entries()) {
      const drift = (2 * driftRng.next() - 1) * swarm.driftMax;
      const s = new SimServer(id, swarm.tickMs * (1 + drift), env, i < swarm.nodes ? bootstrap : undefined);
      this.servers.push(s);
      if (i < swarm.nodes) {
        this.members.push(s);
        this.memberIds.push(id);
      }
      this.byId.set(id, s);
      this.disks.set(id, s.disk);
    }
    for (let c = 1; c <= swarm.clients; c++) {
      this.clients.push(new SimClient(c, stream(), {
        q: this.q, net: this.net, swarm, recorder: this.recorder, trace: this.trace, ids: this.memberIds,
        deliver: (server, r) => this.byId.get(server)?.request(r),
      }));
    }
    this.nemesis = new Nemesis({
      q: this.q, net: this.net, rng: stream(), swarm, trace: this.trace, servers: this.members, leader: () => this.leader(),
    });
    this.operator = new Operator({
      q: this.q, rng: stream(), swarm, trace: this.trace, all: this.servers, members: this.members, leader: () => this.leader(),
      join: (s) => {
        this.members.push(s);
        this.memberIds.push(s.id);
        s.start();
      },
    });
  }

  start(): void {
    for (const s of this.members) s.start();
    for (const c of this.clients) c.start();
    this.nemesis.start();
    this.operator.start();
  }

  /** The heal: no more faults nor membership changes; every member up. */
  heal(): void {
    this.operator.heal();
    this.nemesis.heal();
  }

  /**
   * A leader with a commit of its term, and every server of its configuration up and applied
   * exactly up to it (servers removed, or never added, are left out).
   */
  converged(): boolean {
    const raft = this.leader()?.raft;
    if (raft === undefined) return false;
    const commit = raft.log.committed;
    if (raft.log.term(commit) !== raft.term) return false;
    return raft.configuration.servers.every((m) => {
      const s = this.byId.get(m.id);
      return s?.raft !== undefined && s.applied === commit && s.raft.log.committed === commit;
    });
  }

  /** The servers of the leader's configuration (all members when there is no leader). */
  finalMembers(): SimServer[] {
    const conf = this.leader()?.raft?.configuration;
    if (conf === undefined) return this.members.slice();
    return conf.servers.map((m) => this.byId.get(m.id)).filter((s): s is SimServer => s !== undefined);
  }

  /** The up server leading the highest term, if any. */
  leader(): SimServer | undefined {
    let best: SimServer | undefined;
    for (const s of this.servers) {
      if (s.raft === undefined || s.role !== 'leader') continue;
      if (best === undefined || s.raft.term > (best.raft?.term ?? 0)) best = s;
    }
    return best;
  }

  /** One line per server: role, term, commit, applied, log bounds, disk, progress. */
  describe(): string[] {
    return this.servers.map((s) => {
      const st = s.raft?.status();
      if (!this.members.includes(s)) return `${s.id}: spare, never started`;
      if (st === undefined) return `${s.id}: down (disk term=${s.disk.hardState.term} last=${s.disk.lastIndex()})`;
      const prog = st.progress === undefined ? '' : ' ' + [...st.progress].map(([id, p]) => `${id}:${p.state}/${p.match}/${p.next}`).join(' ');
      return `${s.id}: ${st.role} t${st.term} v=${st.vote || '-'} lead=${st.leader || '-'} commit=${st.commit} applied=${st.applied} ` +
        `log=${st.firstIndex}..${st.lastIndex} snap=${st.snapshotIndex} tick=${s.tickMs.toFixed(2)}ms conf@${st.configurationIndex}=${describeConfig(st.configuration)}${prog}`;
    });
  }
}
