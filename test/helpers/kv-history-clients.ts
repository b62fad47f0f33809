/**
 * Clients that record a KV history for the linearizability checker
 * (src/sim/linearizability): each client talks to one server and, in a loop, does a PUT of a
 * value unique to it, a CAS with an index it read earlier, or a `?consistent` GET, on a few
 * keys. Times are the test process's monotonic clock at invoke and at answer. Anything but a
 * clear answer (a timeout, a reset, a 5xx) is indeterminate: it may or may not have applied.
 */
import { HistoryRecorder, type KvInput, type KvOperation, type KvOutput } from '../../src/sim/linearizability/index.js';
import { SeededRng } from '../../src/lib/rng.js';
import type { ServerSlot } from './cluster.js';

export interface HistoryOptions {
  seed: number;
  keys: string[];
  /** Per request; after it the outcome is unknown. */
  requestTimeoutMs: number;
  /** Between two operations of one client (bounds the history's size). */
  pauseMs: number;
}

export class HistoryClients {
  readonly recorder = new HistoryRecorder<KvInput, KvOutput>();
  /** Answers by kind: ok / unknown. */
  readonly counts = { put: [0, 0], cas: [0, 0], get: [0, 0] };
  private stopped = false;
  private loops: Promise<void>[] = [];
  private readonly rng: SeededRng;
  private nextValue = 0;
  /** The last ModifyIndex each client read per key (its CAS target). */
  private readonly seen = new Map<string, number>();

  constructor(private readonly options: HistoryOptions) {
    this.rng = new SeededRng(options.seed);
  }

  /** One client per entry of `servers` (a server may appear more than once). */
  start(servers: ServerSlot[]): void {
    this.loops = servers.map((s, c) => this.loop(c, s));
  }

  async stop(): Promise<KvOperation[]> {
    this.stopped = true;
    await Promise.all(this.loops);
    return this.recorder.operations();
  }

  /** Operations with a known outcome so far. */
  answered(): number {
    return this.counts.put[0]! + this.counts.cas[0]! + this.counts.get[0]!;
  }

  summary(): string {
    return Object.entries(this.counts)
      .map(([k, [ok, unknown]]) => `${k} ${ok} answered, ${unknown} unknown`)
      .join('; ');
  }

  private async loop(client: number, server: ServerSlot): Promise<void> {
    while (!this.stopped) {
      const key = this.options.keys[this.rng.int(this.options.keys.length)]!;
      const roll = this.rng.int(10);
      if (roll < 4) await this.get(client, server, key);
      else if (roll < 7) await this.put(client, server, key);
      else await this.cas(client, server, key);
      await new Promise((r) => setTimeout(r, this.options.pauseMs));
    }
  }

  private async get(client: number, server: ServerSlot, key: string): Promise<void> {
    const call = this.recorder.invoke(client, { kind: 'get', key }, performance.now());
    const r = await this.request(server, `/v1/kv/${key}?consistent`, 'GET');
    if (r?.status === 404) return this.done('get', () => this.recorder.complete(call, null, performance.now()));
    if (r?.status === 200) {
      const [e] = JSON.parse(r.body) as Array<{ Value: string | null; ModifyIndex: number }>;
      const value = Buffer.from(e!.Value ?? '', 'base64').toString();
      this.seen.set(`${client}/${key}`, e!.ModifyIndex);
      return this.done('get', () => this.recorder.complete(call, { value, modifyIndex: e!.ModifyIndex }, performance.now()));
    }
    this.unknown('get', () => this.recorder.timeout(call));
  }

  private async put(client: number, server: ServerSlot, key: string): Promise<void> {
    const value = `c${client}-${this.nextValue++}`;
    const call = this.recorder.invoke(client, { kind: 'put', key, value }, performance.now());
    const r = await this.request(server, `/v1/kv/${key}`, 'PUT', value);
    if (r?.status === 200 && r.body === 'true') return this.done('put', () => this.recorder.complete(call, true, performance.now()));
    this.unknown('put', () => this.recorder.timeout(call));
  }

  private async cas(client: number, server: ServerSlot, key: string): Promise<void> {
    const value = `c${client}-${this.nextValue++}`;
    const index = this.seen.get(`${client}/${key}`) ?? 0;
    const call = this.recorder.invoke(client, { kind: 'cas', key, index, value }, performance.now());
    const r = await this.request(server, `/v1/kv/${key}?cas=${index}`, 'PUT', value);
    if (r?.status === 200 && (r.body === 'true' || r.body === 'false')) {
      return this.done('cas', () => this.recorder.complete(call, r.body === 'true', performance.now()));
    }
    this.unknown('cas', () => this.recorder.timeout(call));
  }

  private done(kind: 'put' | 'cas' | 'get', record: () => void): void {
    record();
    this.counts[kind][0]!++;
  }

  private unknown(kind: 'put' | 'cas' | 'get', record: () => void): void {
    record();
    this.counts[kind][1]!++;
  }

  private async request(server: ServerSlot, path: string, method: string, body?: string): Promise<{ status: number; body: string } | undefined> {
    try {
      const r = await fetch(server.url(path), { method, body, signal: AbortSignal.timeout(this.options.requestTimeoutMs) });
      return { status: r.status, body: await r.text() };
    } catch {
      return undefined;
    }
  }
}
