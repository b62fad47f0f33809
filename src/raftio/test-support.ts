/**
 * Fixtures for the driver and transport tests: a real clock, a trivial state machine (a Map
 * of strings, snapshotted as length-prefixed msgpack records), and servers on 127.0.0.1 with a
 * real RPC listener, transport and driver each, in temporary directories.
 */
import { performance } from 'node:perf_hooks';
import { CaptureLogger, decode, encode, SeededRng, type Clock, type LogRecord } from '../lib/index.js';
import type { Configuration, Entry, SnapshotMeta } from '../raft/index.js';
import { FrameDecoder, frameOf, RpcListener, RpcType } from '../rpc/index.js';
import { waitFor } from '../rpc/test-support.js';
import { RaftDriver, type RaftDriverOptions, type RaftFsm } from './driver.js';
import { tempDir } from './storage/test-support.js';
import { RaftTransport } from './transport.js';

export { waitFor, within, rejection } from '../rpc/test-support.js';
export { tempDir, removeTempDirs } from './storage/test-support.js';

export const host = '127.0.0.1';

export const realClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimer: (delayMs, fn) => {
    const t = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(t) };
  },
};

/** The state machine of the tests: `set k v` commands on a Map. */
export class MapFsm implements RaftFsm {
  map = new Map<string, string>();
  index = 0;
  restores = 0;

  apply(e: Entry): unknown {
    const c = decode<{ k: string; v: string }>(e.data);
    const prev = this.map.get(c.k);
    this.map.set(c.k, c.v);
    this.index = e.index;
    return { index: e.index, prev };
  }

  snapshot(): AsyncIterable<Uint8Array> {
    const rows = [...this.map];
    return (async function* () {
      for (let i = 0; i < rows.length; i += 50) yield frameOf(encode(rows.slice(i, i + 50)));
    })();
  }

  async restore(chunks: AsyncIterable<Uint8Array>, meta: SnapshotMeta): Promise<void> {
    const map = new Map<string, string>();
    const dec = new FrameDecoder();
    for await (const chunk of chunks) {
      dec.push(chunk);
      for (let p = dec.next(); p !== undefined; p = dec.next()) for (const [k, v] of decode<[string, string][]>(p)) map.set(k, v);
    }
    this.map = map;
    this.index = meta.index;
    this.restores++;
  }

  /** The state, comparable. */
  dump(): [string, string][] {
    return [...this.map].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }
}

export const setCommand = (k: string, v: string): Uint8Array => encode({ k, v });

export interface NodeSpec {
  id: string;
  dir: string;
  port: number;
}

export interface TestNode extends NodeSpec {
  listener: RpcListener;
  transport: RaftTransport;
  driver: RaftDriver;
  fsm: MapFsm;
  log: CaptureLogger;
}

export type DriverOverrides = Partial<Omit<RaftDriverOptions, 'id' | 'dataDir' | 'transport' | 'fsm' | 'logger'>>;

/**
 * Fast timing: a 20 ms tick, elections after 200–400 ms; 1 MiB segments (a new log's first
 * segment is zero-filled before the first append: 64 MiB would cost the first election).
 */
export const fastTiming: DriverOverrides = { tickMs: 20, raft: { electionTicks: 10, heartbeatTicks: 2 }, segmentBytes: 1024 * 1024 };

/** A listener on `spec.port` (0: any) with a transport and an opened driver. */
export async function startNode(
  spec: Omit<NodeSpec, 'port'> & { port?: number },
  overrides: DriverOverrides = {},
  fsm = new MapFsm(),
  wrap: (t: RaftTransport) => void = () => {},
): Promise<TestNode> {
  const log = new CaptureLogger();
  if (process.env.RAFTIO_TEST_LOG) log.records.push = (...r: LogRecord[]) => (r.forEach((x) => process.stderr.write(`${spec.id} ${x.level} ${x.module}: ${x.message} ${JSON.stringify(x.fields)}\n`)), 0);
  const listener = new RpcListener({ logger: log.logger });
  const transport = new RaftTransport({ logger: log.logger });
  wrap(transport);
  listener.handle(RpcType.raft, transport.accept);
  const port = await listener.listen(host, spec.port ?? 0);
  const driver = new RaftDriver({
    id: spec.id, dataDir: spec.dir, transport, fsm, logger: log.logger, clock: realClock, rng: new SeededRng(hashSeed(spec.id)),
    ...fastTiming, ...overrides, raft: { ...fastTiming.raft, ...overrides.raft },
  });
  await driver.open();
  return { ...spec, port, listener, transport, driver, fsm, log };
}

export async function stopNode(n: TestNode): Promise<void> {
  await n.driver.close();
  await n.listener.close();
}

function hashSeed(s: string): number {
  let h = 7;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}

/** What one server of a cluster gets besides the cluster's overrides. */
export interface PerNode {
  overrides?: DriverOverrides;
  wrap?: (t: RaftTransport) => void;
}

export class TestCluster {
  nodes: (TestNode | undefined)[] = [];
  specs: NodeSpec[] = [];

  constructor(
    readonly overrides: DriverOverrides,
    readonly perNode: (i: number) => PerNode,
  ) {}

  /** `size` brand-new servers bootstrapped with the same configuration. */
  static async start(size: number, overrides: DriverOverrides = {}, perNode: (i: number) => PerNode = () => ({})): Promise<TestCluster> {
    const c = new TestCluster(overrides, perNode);
    // Bind every listener first: the configuration needs their ports.
    const listeners: RpcListener[] = [];
    for (let i = 0; i < size; i++) {
      const l = new RpcListener({ logger: new CaptureLogger().logger });
      const port = await l.listen(host, 0);
      listeners.push(l);
      c.specs.push({ id: `server-${i + 1}`, dir: await tempDir('muster-raftio-driver-'), port });
    }
    await Promise.all(listeners.map((l) => l.close()));
    const bootstrap: Configuration = { servers: c.specs.map((s) => ({ id: s.id, address: `${host}:${s.port}`, suffrage: 'voter' })) };
    c.nodes = await Promise.all(c.specs.map((s, i) => c.startOne(i, new MapFsm(), bootstrap)));
    return c;
  }

  get live(): TestNode[] {
    return this.nodes.filter((n): n is TestNode => n !== undefined);
  }

  async stop(i: number): Promise<void> {
    const n = this.nodes[i];
    this.nodes[i] = undefined;
    if (n) await stopNode(n);
  }

  async restart(i: number, fsm = new MapFsm()): Promise<TestNode> {
    await this.stop(i);
    const n = await this.startOne(i, fsm);
    this.nodes[i] = n;
    return n;
  }

  private startOne(i: number, fsm: MapFsm, bootstrap?: Configuration): Promise<TestNode> {
    const p = this.perNode(i);
    const o = p.overrides ?? {};
    const overrides = { ...this.overrides, ...o, raft: { ...this.overrides.raft, ...o.raft }, ...(bootstrap ? { bootstrap } : {}) };
    return startNode(this.specs[i]!, overrides, fsm, p.wrap);
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((_, i) => this.stop(i)));
  }

  /** Waits until the live servers agree on one leader; returns it. */
  async leader(boundMs = 10_000): Promise<TestNode> {
    let found: TestNode | undefined;
    await waitFor(() => {
      const leaders = this.live.filter((n) => n.driver.isLeader);
      if (leaders.length !== 1) return false;
      const id = leaders[0]!.id;
      found = leaders[0];
      return this.live.every((n) => n.driver.status().leader === id);
    }, boundMs, 'one leader known to every live server');
    return found!;
  }

  /** Waits until every live server applied at least `index`. */
  async applied(index: number, boundMs = 10_000): Promise<void> {
    await waitFor(() => this.live.every((n) => n.driver.status().appliedIndex >= index), boundMs, `every server applied ${index}`);
  }

  /** Lines of every node's log containing `text`. */
  lines(text: string): string[] {
    return this.live.flatMap((n) => n.log.lines().filter((l) => l.includes(text)));
  }
}
