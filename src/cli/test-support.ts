/**
 * Test support for cli/ and api/: a small in-memory agent on node:http answering the KV,
 * agent and status requests as Consul does, recording every request; and a Ui that captures
 * output. Used only by tests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Ui } from './command.js';

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface Entry {
  value: Buffer;
  flags: string;
  createIndex: number;
  modifyIndex: number;
  lockIndex: number;
  session: string;
}

interface Reply {
  status: number;
  body: string | Buffer;
  json?: boolean;
  headers?: Record<string, string>;
}

export type Override = (req: RecordedRequest) => { status: number; body: string; headers?: Record<string, string> } | undefined;

export class FakeAgent {
  readonly requests: RecordedRequest[] = [];
  readonly kv = new Map<string, Entry>();
  index = 10;
  /** Answers a request before the built-in routes when it returns something. */
  override: Override | undefined;
  stats: Record<string, Record<string, string>> = { agent: { checks: '0' }, build: { version: '1.8.7' } };
  private server: http.Server | undefined;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  set(key: string, value: string | Buffer, flags = 0, session = ''): void {
    this.index++;
    const prev = this.kv.get(key);
    this.kv.set(key, {
      value: Buffer.isBuffer(value) ? value : Buffer.from(value),
      flags: String(flags),
      createIndex: prev?.createIndex ?? this.index,
      modifyIndex: this.index,
      lockIndex: prev?.lockIndex ?? 0,
      session,
    });
  }

  private handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const u = new URL(req.url ?? '/', 'http://x');
    const r: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', path: decodeURIComponent(u.pathname), query: u.searchParams, headers: req.headers, body };
    this.requests.push(r);
    const o = this.override?.(r);
    const reply: Reply = o ?? this.route(r);
    res.writeHead(reply.status, {
      'X-Consul-Index': String(this.index),
      'X-Consul-KnownLeader': 'true',
      'X-Consul-LastContact': '0',
      'Content-Type': reply.json ? 'application/json' : 'text/plain',
      ...reply.headers,
    });
    res.end(reply.body);
  }

  private route(r: RecordedRequest): Reply {
    const json = (v: unknown): { status: number; body: string; json: true } => ({ status: 200, body: JSON.stringify(v), json: true });
    if (r.path === '/v1/agent/self') return json({ Config: { Datacenter: 'dc1', NodeName: 'n1' }, Stats: this.stats });
    if (r.path === '/v1/agent/leave' && r.method === 'PUT') return { status: 200, body: '' };
    if (r.path === '/v1/status/leader') return json('127.0.0.1:8300');
    if (r.path === '/v1/status/peers') return json(['127.0.0.1:8300']);
    if (!r.path.startsWith('/v1/kv/')) return { status: 404, body: '' };
    const key = r.path.slice('/v1/kv/'.length);
    if (r.method === 'PUT') return { status: 200, body: String(this.put(key, r)) };
    if (r.method === 'DELETE') return { status: 200, body: String(this.del(key, r)) };
    return this.get(key, r);
  }

  private get(key: string, r: RecordedRequest): Reply {
    const q = r.query;
    const wire = (k: string, e: Entry): string =>
      `{"LockIndex":${e.lockIndex},"Key":${JSON.stringify(k)},"Flags":${e.flags},"Value":${e.value.length ? JSON.stringify(e.value.toString('base64')) : 'null'}` +
      `${e.session ? `,"Session":${JSON.stringify(e.session)}` : ''},"CreateIndex":${e.createIndex},"ModifyIndex":${e.modifyIndex}}`;
    const under = [...this.kv.keys()].filter((k) => k.startsWith(key)).sort();
    if (q.has('keys')) {
      const sep = q.get('separator') ?? '';
      const out = new Set<string>();
      for (const k of under) {
        const i = sep ? k.indexOf(sep, key.length) : -1;
        out.add(i >= 0 ? k.slice(0, i + sep.length) : k);
      }
      if (out.size === 0 && key !== '') return { status: 404, body: '' };
      return { status: 200, body: JSON.stringify([...out]), json: true };
    }
    if (q.has('recurse')) {
      if (under.length === 0) return { status: 404, body: '' };
      return { status: 200, body: `[${under.map((k) => wire(k, this.kv.get(k)!)).join(',')}]`, json: true };
    }
    const e = this.kv.get(key);
    if (!e) return { status: 404, body: '' };
    if (q.has('raw')) return { status: 200, body: e.value };
    return { status: 200, body: `[${wire(key, e)}]`, json: true };
  }

  private put(key: string, r: RecordedRequest): boolean {
    const q = r.query;
    const prev = this.kv.get(key);
    const flags = Number(q.get('flags') ?? '0');
    if (q.has('cas')) {
      const cas = Number(q.get('cas'));
      if ((cas === 0 && prev) || (cas !== 0 && prev?.modifyIndex !== cas)) return false;
    }
    const acquire = q.get('acquire');
    if (acquire !== null) {
      if (prev?.session && prev.session !== acquire) return false;
      this.set(key, r.body, flags, acquire);
      if (!prev?.session) this.kv.get(key)!.lockIndex++;
      return true;
    }
    const release = q.get('release');
    if (release !== null) {
      if (prev?.session !== release) return false;
      this.set(key, r.body, flags, '');
      return true;
    }
    this.set(key, r.body, flags, prev?.session ?? '');
    return true;
  }

  private del(key: string, r: RecordedRequest): boolean {
    if (r.query.has('recurse')) {
      for (const k of [...this.kv.keys()]) if (k.startsWith(key)) this.kv.delete(k);
      this.index++;
      return true;
    }
    if (r.query.has('cas') && this.kv.get(key)?.modifyIndex !== Number(r.query.get('cas'))) return false;
    this.kv.delete(key);
    this.index++;
    return true;
  }
}

/** A Ui that records stdout and stderr as text (bytes kept as latin1 in `stdoutBytes`). */
export class CaptureUi implements Ui {
  stdout = '';
  stderr = '';
  readonly stdoutChunks: Buffer[] = [];
  constructor(
    public env: Record<string, string | undefined> = {},
    private readonly stdin: Buffer = Buffer.alloc(0),
  ) {}
  out(text: string): void {
    this.stdout += text;
    this.stdoutChunks.push(Buffer.from(text));
  }
  err(text: string): void {
    this.stderr += text;
  }
  outBytes(data: Uint8Array): void {
    const b = Buffer.from(data);
    this.stdout += b.toString('utf8');
    this.stdoutChunks.push(b);
  }
  get stdoutBytes(): Buffer {
    return Buffer.concat(this.stdoutChunks);
  }
  async readStdin(): Promise<Buffer> {
    return this.stdin;
  }
}
