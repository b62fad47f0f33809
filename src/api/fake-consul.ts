/**
 * Test support: an in-memory agent on node:http for api/ and cli/ tests of the catalog,
 * agent-services, maintenance, monitor, session, lock and semaphore code. KV and sessions
 * follow Consul's semantics (fake-kv-store.ts), with blocking queries; the agent and catalog
 * answer from plain fields a test fills in. Every request is recorded, and `override` can
 * answer any request first (to inject 500s). Used only by tests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WireAgentCheck } from './agent-services.js';
import type { WireMember } from './agent.js';
import type { WireAgentService, WireCatalogService, WireNode } from './catalog.js';
import { FakeKvStore } from './fake-kv-store.js';

export interface FakeRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface FakeReply {
  status: number;
  body: string | Buffer;
  headers?: Record<string, string>;
}

const json = (v: unknown): FakeReply => ({ status: 200, body: JSON.stringify(v), headers: { 'Content-Type': 'application/json' } });
const text = (status: number, body: string): FakeReply => ({ status, body });

export class FakeConsul {
  readonly requests: FakeRequest[] = [];
  readonly store = new FakeKvStore();
  override: ((req: FakeRequest) => FakeReply | undefined) | undefined;
  nodeName = 'fake-node';
  datacenters = ['dc1'];
  members: WireMember[] = [];
  wanMembers: WireMember[] = [];
  checks: Record<string, WireAgentCheck> = {};
  services: Record<string, WireAgentService> = {};
  /** Bodies of /v1/agent/service/register, parsed. */
  readonly registrations: unknown[] = [];
  nodes: WireNode[] = [];
  catalogServices: WireCatalogService[] = [];
  reloads = 0;
  /** Lines every new monitor stream starts with. */
  logLines: string[] = [];
  private readonly monitors = new Set<http.ServerResponse>();
  private server: http.Server | undefined;

  async start(host = '127.0.0.1'): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void this.handle(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    const { port } = this.server.address() as AddressInfo;
    return `${host}:${port}`;
  }

  async stop(): Promise<void> {
    this.store.close();
    for (const m of this.monitors) m.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Writes a line to every open monitor stream. */
  emitLog(line: string): void {
    for (const m of this.monitors) m.write(line + '\n');
  }

  /** Ends every open monitor stream (the agent went away). */
  endMonitors(): void {
    for (const m of this.monitors) m.end();
    this.monitors.clear();
  }

  get openMonitors(): number {
    return this.monitors.size;
  }

  /** A service on the agent and in the catalog (under this agent's node). */
  addService(s: WireAgentService): void {
    this.services[s.ID] = s;
    this.catalogServices.push({ Node: this.nodeName, Address: '127.0.0.1', Datacenter: 'dc1', ServiceID: s.ID, ServiceName: s.Service, ServiceTags: s.Tags ?? [], ServicePort: s.Port ?? 0 });
  }

  private async handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const r: FakeRequest = { method: req.method ?? '', url: req.url ?? '', path: decodeURIComponent(u.pathname), query: u.searchParams, headers: req.headers, body };
    this.requests.push(r);
    const o = this.override?.(r);
    if (!o && r.path === '/v1/agent/monitor') return this.monitor(r, res);
    const reply = o ?? (await this.route(r, req));
    res.writeHead(reply.status, { 'X-Consul-Index': String(this.store.index), 'X-Consul-KnownLeader': 'true', 'X-Consul-LastContact': '0', ...reply.headers });
    res.end(reply.body);
  }

  private monitor(r: FakeRequest, res: http.ServerResponse): void {
    const level = (r.query.get('loglevel') ?? 'INFO').toUpperCase();
    if (!['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERR', 'ERROR'].includes(level)) {
      res.writeHead(400).end(`Unknown log level: ${r.query.get('loglevel')}`);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.flushHeaders();
    for (const line of this.logLines) res.write(line + '\n');
    this.monitors.add(res);
    res.on('close', () => this.monitors.delete(res));
  }

  private async route(r: FakeRequest, req: http.IncomingMessage): Promise<FakeReply> {
    if (r.path.startsWith('/v1/kv/')) return this.kv(r, req);
    if (r.path.startsWith('/v1/session/')) return this.session(r);
    if (r.path.startsWith('/v1/agent/')) return this.agent(r);
    if (r.path.startsWith('/v1/catalog/')) return this.catalog(r);
    return text(404, '');
  }

  private async kv(r: FakeRequest, req: http.IncomingMessage): Promise<FakeReply> {
    const key = r.path.slice('/v1/kv/'.length);
    const s = this.store;
    if (r.method === 'PUT') {
      const out = s.put(key, r.body, r.query);
      return 'error' in out ? text(500, out.error) : text(200, String(out.ok));
    }
    if (r.method === 'DELETE') return text(200, String(s.delete(key, r.query)));
    const index = Number(r.query.get('index') ?? '0');
    if (index > 0) {
      const waitMs = Math.min(Number(/^(\d+)ms$/.exec(r.query.get('wait') ?? '')?.[1] ?? '300000'), 600_000);
      await s.waitFor(index, waitMs, () => req.socket.destroyed);
    }
    const under = [...s.entries.keys()].filter((k) => (r.query.has('recurse') ? k.startsWith(key) : k === key)).sort();
    if (under.length === 0) return text(404, '');
    return { status: 200, body: `[${under.map((k) => s.wire(k, s.entries.get(k)!)).join(',')}]`, headers: { 'Content-Type': 'application/json' } };
  }

  private session(r: FakeRequest): FakeReply {
    const s = this.store;
    const [, , , op, id = ''] = r.path.split('/');
    if (op === 'create' && r.method === 'PUT') {
      const body = r.body.length ? (JSON.parse(r.body.toString()) as Record<string, unknown>) : {};
      return json({ ID: s.createSession(body, this.nodeName).id });
    }
    if (op === 'destroy' && r.method === 'PUT') {
      s.destroySession(id);
      return json(true);
    }
    if (op === 'renew' && r.method === 'PUT') {
      const session = s.renew(id);
      return session ? json([s.sessionWire(session)]) : text(404, `Session id '${id}' not found`);
    }
    if (op === 'info') {
      const session = s.sessions.get(id);
      return json(session ? [s.sessionWire(session)] : []);
    }
    if (op === 'list') return json([...s.sessions.values()].map((x) => s.sessionWire(x)));
    if (op === 'node') return json([...s.sessions.values()].filter((x) => x.node === id).map((x) => s.sessionWire(x)));
    return text(404, '');
  }

  private agent(r: FakeRequest): FakeReply {
    const p = r.path.slice('/v1/agent/'.length);
    if (p === 'self') return json({ Config: { Datacenter: 'dc1', NodeName: this.nodeName } });
    if (p === 'members') return json(r.query.get('wan') === '1' ? this.wanMembers : this.members);
    if (p === 'checks') return json(this.checks);
    if (p === 'services') return json(this.services);
    if (p === 'reload' && r.method === 'PUT') {
      this.reloads++;
      return text(200, '');
    }
    if (p === 'service/register' && r.method === 'PUT') {
      const body = JSON.parse(r.body.toString()) as { Name?: string; ID?: string; Service?: string };
      if (!body.Name) return text(400, 'Missing service name');
      this.registrations.push(body);
      const id = body.ID || body.Name;
      this.services[id] = { ID: id, Service: body.Name };
      return text(200, '');
    }
    if (p.startsWith('service/deregister/') && r.method === 'PUT') {
      delete this.services[p.slice('service/deregister/'.length)];
      return text(200, '');
    }
    if (p === 'maintenance' && r.method === 'PUT') return this.maintenance('_node_maintenance', '', r);
    if (p.startsWith('service/maintenance/') && r.method === 'PUT') {
      const id = p.slice('service/maintenance/'.length);
      if (!this.services[id]) return text(404, `No service registered with ID "${id}"`);
      return this.maintenance(`_service_maintenance:${id}`, id, r);
    }
    return text(404, '');
  }

  private maintenance(checkId: string, serviceId: string, r: FakeRequest): FakeReply {
    const enable = r.query.get('enable');
    if (enable !== 'true' && enable !== 'false') return text(400, 'Missing value for enable');
    if (enable === 'false') delete this.checks[checkId];
    else {
      const what = serviceId ? 'service' : 'node';
      const notes = r.query.get('reason') || `Maintenance mode is enabled for this ${what}, but no reason was provided. This is a default message.`;
      this.checks[checkId] = { Node: this.nodeName, CheckID: checkId, Name: `${serviceId ? 'Service' : 'Node'} Maintenance Mode`, Status: 'critical', Notes: notes, ServiceID: serviceId };
    }
    return text(200, '');
  }

  private catalog(r: FakeRequest): FakeReply {
    const p = r.path.slice('/v1/catalog/'.length);
    const meta = r.query.getAll('node-meta').map((m) => m.split(':') as [string, string]);
    const nodeOk = (n: WireNode | undefined): boolean => meta.every(([k, v]) => n?.Meta?.[k] === v);
    const byName = (name: string): WireNode | undefined => this.nodes.find((n) => n.Node === name);
    if (p === 'datacenters') return json(this.datacenters);
    if (p === 'nodes') return json(this.nodes.filter(nodeOk));
    if (p === 'services') {
      const out: Record<string, string[]> = {};
      for (const s of this.catalogServices) {
        if (!nodeOk(byName(s.Node))) continue;
        out[s.ServiceName] = [...new Set([...(out[s.ServiceName] ?? []), ...(s.ServiceTags ?? [])])];
      }
      return json(out);
    }
    if (p.startsWith('service/')) {
      const name = p.slice('service/'.length);
      const tags = r.query.getAll('tag');
      return json(this.catalogServices.filter((s) => s.ServiceName === name && nodeOk(byName(s.Node)) && tags.every((t) => s.ServiceTags?.includes(t))));
    }
    if (p.startsWith('node/')) {
      const node = byName(p.slice('node/'.length));
      if (!node) return json(null);
      const services: Record<string, WireAgentService> = {};
      for (const s of this.catalogServices.filter((x) => x.Node === node.Node)) {
        services[s.ServiceID] = { ID: s.ServiceID, Service: s.ServiceName, Tags: s.ServiceTags ?? [], Port: s.ServicePort ?? 0 };
      }
      return json({ Node: node, Services: services });
    }
    return text(404, '');
  }
}
