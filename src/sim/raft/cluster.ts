/**
 * A simulated cluster for one seed: the event queue, the network, 3 or 5 servers (each with
 * its own drifted tick rate, disk and real FSM), the clients, the fault injector and the
 * checkers, all drawing randomness from separate streams derived from the seed (so adding a
 * fault class to a swarm does not reshuffle the clients' choices). Pure.
 */
import { SeededRng } from '../../lib/index.js';
import type { Rng } from '../../lib/index.js';
import { HistoryRecorder } from '../linearizability/index.js';
import type { KvInput, KvOutput } from '../linearizability/index.js';
import { Checkers } from './checkers.js';
import { EventQueue } from './event-queue.js';
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
  readonly servers: SimServer[] = [];
  readonly clients: SimClient[] = [];
  readonly nemesis: Nemesis;
  private readonly byId = new Map<string, SimServer>();
  private readonly disks = new Map<string, SimDisk>();

  constructor(readonly swarm: Swarm, traceCapacity: number) {
    const master = new SeededRng(swarm.seed);
    const stream = (): Rng => new SeededRng(master.int(0x7fffffff));
    this.trace = new Trace(traceCapacity);
    this.net = new SimNetwork(this.q, stream(), swarm);
    const ids = Array.from({ length: swarm.nodes }, (_, i) => `n${i + 1}`);
    const driftRng = stream();
    const env: ServerEnv = {
      q: this.q, net: this.net, swarm, rng: stream(), checkers: this.checkers, trace: this.trace, ids,
      server: (id) => this.byId.get(id), disks: this.disks,
      reply: (client, r) => this.net.sendClient(() => this.clients[client - 1]?.answer(r)),
      onLeader: (s) => this.nemesis.newLeader(s),
    };
    for (const id of ids) {
      const drift = (2 * driftRng.next() - 1) * swarm.driftMax;
      const s = new SimServer(id, swarm.tickMs * (1 + drift), env);
      this.servers.push(s);
      this.byId.set(id, s);
      this.disks.set(id, s.disk);
    }
    for (let c = 1; c <= swarm.clients; c++) {
      this.clients.push(new SimClient(c, stream(), {
        q: this.q, net: this.net, swarm, recorder: this.recorder, trace: this.trace, ids,
        deliver: (server, r) => this.byId.get(server)?.request(r),
      }));
    }
    this.nemesis = new Nemesis({
      q: this.q, net: this.net, rng: stream(), swarm, trace: this.trace, servers: this.servers, leader: () => this.leader(),
    });
  }

  start(): void {
    for (const s of this.servers) s.start();
    for (const c of this.clients) c.start();
    this.nemesis.start();
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
      if (st === undefined) return `${s.id}: down (disk term=${s.disk.hardState.term} last=${s.disk.lastIndex()})`;
      const prog = st.progress === undefined ? '' : ' ' + [...st.progress].map(([id, p]) => `${id}:${p.state}/${p.match}/${p.next}`).join(' ');
      return `${s.id}: ${st.role} t${st.term} v=${st.vote || '-'} lead=${st.leader || '-'} commit=${st.commit} applied=${st.applied} ` +
        `log=${st.firstIndex}..${st.lastIndex} snap=${st.snapshotIndex} tick=${s.tickMs.toFixed(2)}ms${prog}`;
    });
  }
}
