/**
 * A cluster of real `bin/muster` servers for integration tests: each on its own loopback
 * address (uniqueLoopback: its fixed gossip and RPC ports 8300–8302 are its own) and data
 * dir, joined through `-retry-join`, with fast gossip and `performance.raft_multiplier`.
 * Servers are killed by PID and restarted on the same address and data dir; every wait is
 * bounded by a condition.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startAgent, uniqueLoopback, waitFor, within, type DevAgent } from './process.js';

/** The server RPC port: Raft and forwarded requests (fixed per address, as in Consul). */
export const rpcPort = 8300;
/** A single HTTP request gives up after this long (the answer is then unknown). */
export const requestTimeoutMs = 5_000;

const fastGossip = { probe_interval: '100ms', probe_timeout: '100ms', gossip_interval: '100ms', suspicion_mult: 3 };

export interface ClusterOptions {
  size: number;
  /** performance.raft_multiplier (1 unless a test checks the default). */
  raftMultiplier?: number;
  /** 'expect': all start with -bootstrap-expect N; 'first': only server 0 with -bootstrap. */
  bootstrap?: 'expect' | 'first';
  name?: string;
  /** More of the servers' shared config file (e.g. raft_trailing_logs). */
  config?: Record<string, unknown>;
}

export class ServerSlot {
  agent: DevAgent | undefined;
  /** Every agent this slot ran (for logs after a failure). */
  readonly history: DevAgent[] = [];

  constructor(
    readonly name: string,
    readonly host: string,
    readonly dataDir: string,
  ) {}

  get rpcAddr(): string {
    return `${this.host}:${rpcPort}`;
  }

  get pid(): number | undefined {
    return this.agent?.proc.child.pid;
  }

  get running(): boolean {
    const c = this.agent?.proc.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  url(path: string): string {
    if (this.agent === undefined) throw new Error(`${this.name} is not running`);
    return this.agent.url(path);
  }

  /** Everything this slot's agents wrote to stderr, each run headed by its PID. */
  logs(): string {
    return this.history.map((a) => `--- ${this.name} pid ${a.proc.child.pid}\n${a.proc.stderr()}`).join('\n');
  }
}

export class Cluster {
  readonly servers: ServerSlot[];

  private constructor(
    readonly options: Required<ClusterOptions>,
    private readonly configFile: string,
  ) {
    this.servers = Array.from({ length: options.size }, (_, i) => {
      const name = `${options.name}${i + 1}`;
      return new ServerSlot(name, uniqueLoopback(), mkdtempSync(join(tmpdir(), `muster-raft-${name}-`)));
    });
  }

  /** Starts every server at once and waits until each answers HTTP (not for a leader). */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const o: Required<ClusterOptions> = { raftMultiplier: 1, bootstrap: 'expect', name: 's', config: {}, ...options };
    const dir = mkdtempSync(join(tmpdir(), 'muster-raft-conf-'));
    const configFile = join(dir, 'cluster.json');
    writeFileSync(configFile, JSON.stringify({ gossip_lan: fastGossip, performance: { raft_multiplier: o.raftMultiplier }, ...o.config }));
    const cluster = new Cluster(o, configFile);
    live.add(cluster);
    await Promise.all(cluster.servers.map((_, i) => cluster.startServer(i)));
    return cluster;
  }

  /**
   * Starts server `i` on its address and data dir. `bootstrap` (default: as the cluster was
   * started, -bootstrap only for server 0 with 'first') may be turned off for a restart.
   */
  async startServer(i: number, opts: { bootstrap?: boolean } = {}): Promise<ServerSlot> {
    const slot = this.servers[i]!;
    if (slot.running) throw new Error(`${slot.name} is already running`);
    const others = this.servers.filter((s) => s !== slot).flatMap((s) => ['-retry-join', s.host]);
    const bootstrapFlags =
      this.options.bootstrap === 'expect' ? ['-bootstrap-expect', String(this.options.size)] : (opts.bootstrap ?? i === 0) ? ['-bootstrap'] : [];
    const args = ['-server', '-node', slot.name, '-data-dir', slot.dataDir, '-config-file', this.configFile, '-serf-wan-port', '-1', '-retry-interval', '1s', ...bootstrapFlags, ...others];
    const agent = await startAgent(args, { host: slot.host });
    slot.agent = agent;
    slot.history.push(agent);
    return slot;
  }

  /** SIGKILL by PID; resolves once the process has exited. */
  async kill(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const slot = this.servers[i]!;
    const a = slot.agent;
    if (a === undefined) return;
    await a.stop(signal);
    slot.agent = undefined;
  }

  /** Sends `signal` to server `i` by PID without waiting (SIGSTOP, SIGCONT). */
  signal(i: number, signal: NodeJS.Signals): void {
    const pid = this.servers[i]!.pid;
    if (pid === undefined) throw new Error(`${this.servers[i]!.name} is not running`);
    process.kill(pid, signal);
  }

  running(): ServerSlot[] {
    return this.servers.filter((s) => s.running);
  }

  indexOf(slot: ServerSlot): number {
    return this.servers.indexOf(slot);
  }

  /** The server whose RPC address is `addr`. */
  byRpcAddr(addr: string): ServerSlot | undefined {
    return this.servers.find((s) => s.rpcAddr === addr);
  }

  /**
   * Waits until every running server (or `among`) names the same leader, one of the running
   * servers, and returns it.
   */
  async leader(ms = 20_000, among: ServerSlot[] = this.running()): Promise<ServerSlot> {
    return waitFor(
      `one leader named by ${among.map((s) => s.name).join(', ')}`,
      async () => {
        const named = new Set<string>();
        for (const s of among) named.add(await statusLeader(s));
        if (named.size !== 1) return undefined;
        const leader = this.byRpcAddr([...named][0]!);
        return leader !== undefined && leader.running ? leader : undefined;
      },
      ms,
    );
  }

  /** Kills every server (SIGKILL by PID) and removes the data dirs. */
  async destroy(): Promise<void> {
    live.delete(this);
    await Promise.all(this.servers.map((_, i) => this.kill(i)));
    rmSync(dirname(this.configFile), { recursive: true, force: true });
    for (const s of this.servers) rmSync(s.dataDir, { recursive: true, force: true });
  }

  /** Every server's log, for a failure message. */
  logs(): string {
    return this.servers.map((s) => s.logs()).join('\n');
  }
}

const live = new Set<Cluster>();


/** Destroys every cluster still up (for afterEach). */
export async function destroyClusters(): Promise<void> {
  await within(Promise.all([...live].map((c) => c.destroy())), 30_000, 'stopping the clusters');
}

/** /v1/status/leader of one server: "" when it knows none. */
export async function statusLeader(s: ServerSlot): Promise<string> {
  const r = await fetch(s.url('/v1/status/leader'), { signal: AbortSignal.timeout(requestTimeoutMs) });
  if (!r.ok) throw new Error(`${s.name} /v1/status/leader: ${r.status} ${await r.text()}`);
  return (await r.json()) as string;
}

/** /v1/status/peers of one server, sorted. */
export async function statusPeers(s: ServerSlot): Promise<string[]> {
  const r = await fetch(s.url('/v1/status/peers'), { signal: AbortSignal.timeout(requestTimeoutMs) });
  if (!r.ok) throw new Error(`${s.name} /v1/status/peers: ${r.status} ${await r.text()}`);
  return ((await r.json()) as string[]).sort();
}
