/**
 * One gossip pool of this agent (LAN, or the servers' WAN): serf over the SWIM core, on a real
 * UDP/TCP transport, sealed with the pool's keyring when encryption is on. Joins and push/pull
 * exchanges run over TCP; everything else is packets. What Consul's lib/serf.go and
 * agent/consul/server_serf.go set up for each pool.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { GossipTransport, type Address, type Sealer, type SwimTiming } from '../gossip/index.js';
import { open as openSealed, seal as sealWith, type Keyring } from '../gossip/index.js';
import { MusterError, multiErrorText, type Clock, type Logger, type Rng } from '../lib/index.js';
import { Serf, serfDefaults, type MemberEventKind, type SerfEvents, type SerfMember } from '../serf/index.js';
import { GossipSnapshot } from './gossip-snapshot.js';
import { listenError } from './listen-error.js';

export interface GossipPoolOptions {
  kind: 'lan' | 'wan';
  /** The member name: the node name on the LAN, `node.dc` on the WAN. */
  name: string;
  bindIp: string;
  advertiseIp: string;
  port: number;
  timing: SwimTiming;
  tags: Record<string, string>;
  reconnectTimeoutMs: number;
  keyring: Keyring | undefined;
  verifyIncoming: boolean;
  verifyOutgoing: boolean;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  events: SerfEvents;
  /** serf/local.snapshot or remote.snapshot in data_dir (absent: none, as in -dev). */
  snapshotPath?: string;
  rejoinAfterLeave: boolean;
}

export class GossipPool {
  readonly serf: Serf;
  readonly transport: GossipTransport;
  keyring: Keyring | undefined;
  private snapshot: GossipSnapshot | undefined;

  constructor(private readonly o: GossipPoolOptions) {
    this.keyring = o.keyring;
    const memberlistLogger = o.logger.named(`memberlist.${o.kind}`);
    this.transport = new GossipTransport(
      { ip: o.bindIp, port: o.port, logger: memberlistLogger, tcpTimeoutMs: o.timing.tcpTimeoutMs, sealer: () => this.sealer() },
      {
        packet: (from, bytes) => this.serf.swim.handlePacket(from, bytes),
        stream: (bytes) => this.serf.swim.handlePushPull(bytes),
      },
    );
    this.serf = new Serf({
      clock: o.clock,
      rng: o.rng,
      timing: o.timing,
      config: { ...serfDefaults, reconnectTimeoutMs: o.reconnectTimeoutMs },
      logger: o.logger.named(`serf.${o.kind}`),
      memberlistLogger,
      self: { name: o.name, address: { ip: o.advertiseIp, port: o.port }, tags: o.tags },
      send: (to, packet) => this.transport.sendPacket(to, packet),
      startPushPull: (to, state) => {
        this.transport.exchange(to, state).then(
          (reply) => this.serf.swim.mergeRemoteState(reply),
          (err: Error) => memberlistLogger.debug('memberlist: push/pull failed', { to: `${to.ip}:${to.port}`, error: err.message }),
        );
      },
      events: {
        member: (kind, m) => {
          this.record(kind, m);
          o.events.member?.(kind, m);
        },
        user: (e) => {
          this.snapshot?.clocks(this.clocks());
          o.events.user?.(e);
        },
      },
    });
  }

  private clocks(): { clock: number; eventClock: number; queryClock: number } {
    const s = this.serf;
    return { clock: s.clock.time(), eventClock: s.eventClock.time(), queryClock: s.queryClock.time() };
  }

  /** Members seen alive or gone, for the snapshot. */
  private record(kind: MemberEventKind, m: SerfMember): void {
    if (!this.snapshot || m.name === this.o.name) return;
    if (kind === 'join') this.snapshot.memberAlive(m.name, `${m.address.ip}:${m.address.port}`);
    else if (kind === 'leave' || kind === 'failed') this.snapshot.memberGone(m.name);
    this.snapshot.clocks(this.clocks());
  }

  private sealer(): Sealer | undefined {
    const ring = this.keyring;
    if (!ring || ring.size === 0) return undefined;
    return {
      seal: (plain) => sealWith(ring.primary()!, plain),
      open: (sealed) => openSealed(ring.keys(), sealed),
      verifyIncoming: this.o.verifyIncoming,
      verifyOutgoing: this.o.verifyOutgoing,
    };
  }

  /**
   * Binds the port and starts gossiping; with a snapshot, the Lamport clocks carry on from it
   * and the members it lists alive are asked to take us back (serf's handleRejoin).
   */
  async start(): Promise<void> {
    let previous: Array<[string, string]> = [];
    if (this.o.snapshotPath) {
      const opened = await GossipSnapshot.open(this.o.snapshotPath, this.o.rejoinAfterLeave, this.o.logger.named(`serf.${this.o.kind}`));
      this.snapshot = opened.snapshot;
      const p = opened.previous;
      this.serf.clock.witness(p.clock);
      this.serf.eventClock.witness(p.eventClock);
      this.serf.queryClock.witness(p.queryClock);
      previous = [...p.alive].filter(([name]) => name !== this.o.name);
    }
    try {
      await this.transport.listen();
    } catch (err) {
      const network = (err as { network?: 'udp' }).network ?? 'tcp';
      throw listenError(err, network, this.o.bindIp, this.o.port, `Serf ${this.o.kind.toUpperCase()}`);
    }
    this.serf.start();
    if (previous.length > 0) void this.rejoin(previous);
  }

  private async rejoin(previous: Array<[string, string]>): Promise<void> {
    const log = this.o.logger.named(`serf.${this.o.kind}`);
    for (const [name, addr] of previous) {
      log.info(`serf: Attempting re-join to previously known node: ${name}: ${addr}`);
      try {
        const [to] = await this.resolve(addr);
        if (to && this.serf.mergeJoinReply(await this.transport.exchange(to, this.serf.joinState()), false)) {
          log.info(`serf: Re-joined to previously known node: ${name}: ${addr}`);
          return;
        }
      } catch {
        // the next one
      }
    }
    log.warn('serf: Failed to re-join any previously known node');
  }

  members(): SerfMember[] {
    return this.serf.members();
  }

  /**
   * Joins through each address (memberlist's Join with serf's join intent after): resolves with
   * how many answered; if none did, throws with each failure as Consul lists them.
   */
  async join(addresses: readonly string[], ignoreOld: boolean): Promise<number> {
    let joined = 0;
    const errors: string[] = [];
    for (const text of addresses) {
      try {
        for (const to of await this.resolve(text)) {
          const reply = await this.transport.exchange(to, this.serf.joinState());
          if (!this.serf.mergeJoinReply(reply, ignoreOld)) throw new Error('malformed reply');
          joined++;
        }
      } catch (err) {
        errors.push(`Failed to join ${text}: ${(err as Error).message}`);
      }
    }
    if (joined > 0) this.serf.joined();
    if (joined === 0) throw new MusterError('ERR_RPC', multiErrorText(errors));
    return joined;
  }

  /** `host`, `host:port`, `[v6]:port`: each IP the host has, on the given or the pool's port. */
  private async resolve(text: string): Promise<Address[]> {
    let host = text;
    let port = this.o.port;
    const v6 = /^\[(.+)\](?::(\d+))?$/.exec(text);
    if (v6) {
      host = v6[1]!;
      if (v6[2]) port = Number(v6[2]);
    } else if (text.split(':').length === 2) {
      const [h, p] = text.split(':');
      host = h!;
      port = Number(p);
    }
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`address ${text}: invalid port`);
    if (isIP(host)) return [{ ip: host, port }];
    try {
      const found = await lookup(host, { all: true });
      return found.map((a) => ({ ip: a.address, port }));
    } catch {
      throw new Error(`lookup ${host}: no such host`);
    }
  }

  /** serf's Leave: the leave intent, the gossip leave, a moment for it to spread. */
  async leave(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.serf.leave((err) => {
        if (err) this.o.logger.warn(`(${this.o.kind.toUpperCase()}) leave: ${err}`);
        resolve();
      }),
    );
    await this.snapshot?.leave();
  }

  forceLeave(node: string, prune: boolean): Promise<void> {
    return new Promise((resolve, reject) => this.serf.forceLeave(node, prune, (err) => (err ? reject(new MusterError('ERR_RPC', err)) : resolve())));
  }

  async close(): Promise<void> {
    this.serf.stop();
    await this.snapshot?.flush();
    await this.transport.close();
  }
}
