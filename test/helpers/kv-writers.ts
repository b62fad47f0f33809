/**
 * KV clients for cluster tests: concurrent writers of distinct keys that count every
 * acknowledged write (200 "true"), and the check that each acknowledged write is on a server.
 * A writer whose server fails (refused, reset, timeout, 5xx) moves to the next running server;
 * an unanswered or failed write is not counted (it may or may not have been applied).
 */
import { requestTimeoutMs, type Cluster, type ServerSlot } from './cluster.js';
import { waitFor } from './process.js';

export interface KvAnswer {
  status: number;
  body: string;
  index: number;
  knownLeader: string | null;
}

export async function kvGet(s: ServerSlot, path: string): Promise<KvAnswer> {
  const r = await fetch(s.url(path), { signal: AbortSignal.timeout(requestTimeoutMs) });
  return { status: r.status, body: await r.text(), index: Number(r.headers.get('x-consul-index') ?? 0), knownLeader: r.headers.get('x-consul-knownleader') };
}

export async function kvPut(s: ServerSlot, path: string, body: string): Promise<KvAnswer> {
  const r = await fetch(s.url(path), { method: 'PUT', body, signal: AbortSignal.timeout(requestTimeoutMs) });
  return { status: r.status, body: await r.text(), index: Number(r.headers.get('x-consul-index') ?? 0), knownLeader: r.headers.get('x-consul-knownleader') };
}

/** Bounds of one writer run: it stops at the first of these, or on stop(). */
export interface WriterBounds {
  clients: number;
  /** Acknowledged writes per client. */
  writesMax: number;
  /** From start(). */
  durationMs: number;
}

export class Writers {
  /** key → value of every acknowledged write. */
  readonly acked = new Map<string, string>();
  /** Monotonic times (ms) of the acknowledgements, in order. */
  readonly ackTimesMs: number[] = [];
  /** Failed or unanswered requests by their first line (status or error). */
  readonly failures = new Map<string, number>();
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly prefix: string,
    private readonly bounds: WriterBounds,
  ) {}

  start(): void {
    const deadline = performance.now() + this.bounds.durationMs;
    this.loops = Array.from({ length: this.bounds.clients }, (_, c) => this.loop(c, deadline));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  /** Resolves once `n` more writes than now were acknowledged (bounded). */
  async more(n: number, ms = 15_000): Promise<void> {
    const target = this.acked.size + n;
    await waitFor(`${n} more acknowledged writes (${this.summary()})`, () => (this.acked.size >= target ? true : undefined), ms);
  }

  summary(): string {
    const f = [...this.failures].map(([k, v]) => `${v}× ${k}`).join('; ');
    return `${this.acked.size} acknowledged${f ? `; failures: ${f}` : ''}`;
  }

  private async loop(client: number, deadline: number): Promise<void> {
    let seq = 0;
    let target = client;
    let acked = 0;
    while (!this.stopped && acked < this.bounds.writesMax && performance.now() < deadline) {
      const running = this.cluster.running();
      if (running.length === 0) {
        await pause(20);
        continue;
      }
      const server = running[target % running.length]!;
      const key = `${this.prefix}/c${client}-${seq}`;
      const value = `v${client}-${seq}`;
      seq++;
      try {
        const r = await kvPut(server, `/v1/kv/${key}`, value);
        if (r.status === 200 && r.body === 'true') {
          this.acked.set(key, value);
          this.ackTimesMs.push(performance.now());
          acked++;
          continue;
        }
        this.fail(`${r.status} ${r.body.split('\n')[0]}`);
      } catch (err) {
        this.fail(errorText(err));
      }
      target++;
      await pause(20);
    }
  }

  private fail(what: string): void {
    this.failures.set(what, (this.failures.get(what) ?? 0) + 1);
  }
}

function errorText(err: unknown): string {
  const e = err as Error & { cause?: { code?: string } };
  return e.cause?.code ?? e.name ?? String(err);
}

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The leader's index for `prefix` (a consistent read through `via`). */
export async function leaderIndex(via: ServerSlot, prefix: string): Promise<number> {
  const r = await kvGet(via, `/v1/kv/${prefix}/?recurse&consistent`);
  if (r.status !== 200 && r.status !== 404) throw new Error(`consistent read on ${via.name}: ${r.status} ${r.body}`);
  return r.index;
}

/**
 * Waits until `s` has applied at least `index` (a ?stale read answered locally), then returns
 * the acknowledged writes missing or different there.
 */
export async function missingOn(s: ServerSlot, prefix: string, acked: ReadonlyMap<string, string>, index: number, ms = 15_000): Promise<string[]> {
  const r = await waitFor(
    `${s.name} at index ${index}`,
    async () => {
      const a = await kvGet(s, `/v1/kv/${prefix}/?recurse&stale`);
      return a.index >= index && (a.status === 200 || a.status === 404) ? a : undefined;
    },
    ms,
  );
  const have = new Map<string, string>();
  if (r.status === 200) {
    for (const e of JSON.parse(r.body) as Array<{ Key: string; Value: string | null }>) have.set(e.Key, Buffer.from(e.Value ?? '', 'base64').toString());
  }
  return [...acked].filter(([k, v]) => have.get(k) !== v).map(([k]) => k);
}

/** Every acknowledged write, checked on every running server after the leader's index. */
export async function missingEverywhere(cluster: Cluster, prefix: string, acked: ReadonlyMap<string, string>): Promise<Record<string, string[]>> {
  const leader = await cluster.leader();
  const index = await leaderIndex(leader, prefix);
  const out: Record<string, string[]> = {};
  for (const s of cluster.running()) out[s.name] = await missingOn(s, prefix, acked, index);
  return out;
}
