/**
 * The local agent's services and checks (Consul's AgentServiceRegistration, AgentServiceCheck,
 * AgentCheck), encoded exactly as Go's client sends them, and the /v1/agent/monitor log stream.
 */
import type http from 'node:http';
import { nodeHttp, nodeHttps, nodeReadline } from '../host/index.js';
import type { ServiceAddress, Weights } from './catalog.js';
import type { ApiClient } from './client.js';
import { ApiError, goDialReason, goUrlErrorPrefix, statusError, type DialTarget } from './errors.js';
import { encodeGoJson, fromPlain, goMap, GoStruct, type GoJsonValue } from './go-json.js';
import { goEncodeQuery, goPathEscape, type QueryParam } from './url.js';

/** A check inside a service registration (Go's AgentServiceCheck); durations as Go text. */
export interface AgentServiceCheck {
  checkId?: string;
  name?: string;
  args?: string[];
  dockerContainerId?: string;
  shell?: string;
  interval?: string;
  timeout?: string;
  ttl?: string;
  http?: string;
  header?: Record<string, string[]>;
  method?: string;
  body?: string;
  tcp?: string;
  status?: string;
  notes?: string;
  tlsSkipVerify?: boolean;
  grpc?: string;
  grpcUseTls?: boolean;
  aliasNode?: string;
  aliasService?: string;
  successBeforePassing?: number;
  failuresBeforeCritical?: number;
  deregisterCriticalServiceAfter?: string;
}

/** PUT /v1/agent/service/register's body (Go's AgentServiceRegistration). */
export interface AgentServiceRegistration {
  kind?: string;
  id?: string;
  name?: string;
  tags?: string[];
  port?: number;
  address?: string;
  taggedAddresses?: Record<string, ServiceAddress>;
  enableTagOverride?: boolean;
  meta?: Record<string, string>;
  weights?: Weights;
  check?: AgentServiceCheck;
  /** undefined is sent as null, [] as [] (Go's nil and empty slices). */
  checks?: AgentServiceCheck[];
  /** Passed through as given, in Consul's PascalCase. */
  proxy?: Record<string, unknown>;
  connect?: Record<string, unknown>;
}

type Fields = Array<[string, GoJsonValue]>;

function omitEmpty(fields: Fields, name: string, v: string | number | boolean | undefined): void {
  if (v !== undefined && v !== '' && v !== 0 && v !== false) fields.push([name, v]);
}

function checkJson(c: AgentServiceCheck): GoStruct {
  const f: Fields = [];
  omitEmpty(f, 'CheckID', c.checkId);
  omitEmpty(f, 'Name', c.name);
  if (c.args?.length) f.push(['ScriptArgs', c.args]);
  omitEmpty(f, 'DockerContainerID', c.dockerContainerId);
  omitEmpty(f, 'Shell', c.shell);
  omitEmpty(f, 'Interval', c.interval);
  omitEmpty(f, 'Timeout', c.timeout);
  omitEmpty(f, 'TTL', c.ttl);
  omitEmpty(f, 'HTTP', c.http);
  if (c.header && Object.keys(c.header).length > 0) f.push(['Header', goMap(c.header, (v) => v)]);
  omitEmpty(f, 'Method', c.method);
  omitEmpty(f, 'Body', c.body);
  omitEmpty(f, 'TCP', c.tcp);
  omitEmpty(f, 'Status', c.status);
  omitEmpty(f, 'Notes', c.notes);
  omitEmpty(f, 'TLSSkipVerify', c.tlsSkipVerify);
  omitEmpty(f, 'GRPC', c.grpc);
  omitEmpty(f, 'GRPCUseTLS', c.grpcUseTls);
  omitEmpty(f, 'AliasNode', c.aliasNode);
  omitEmpty(f, 'AliasService', c.aliasService);
  omitEmpty(f, 'SuccessBeforePassing', c.successBeforePassing);
  omitEmpty(f, 'FailuresBeforeCritical', c.failuresBeforeCritical);
  omitEmpty(f, 'DeregisterCriticalServiceAfter', c.deregisterCriticalServiceAfter);
  return new GoStruct(f);
}

/** json.Marshal of Go's AgentServiceRegistration: field order and omitempty as in Go. */
export function encodeServiceRegistration(s: AgentServiceRegistration): string {
  const f: Fields = [];
  omitEmpty(f, 'Kind', s.kind);
  omitEmpty(f, 'ID', s.id);
  omitEmpty(f, 'Name', s.name);
  if (s.tags?.length) f.push(['Tags', s.tags]);
  omitEmpty(f, 'Port', s.port);
  omitEmpty(f, 'Address', s.address);
  if (s.taggedAddresses && Object.keys(s.taggedAddresses).length > 0) {
    f.push(['TaggedAddresses', goMap(s.taggedAddresses, (a) => new GoStruct([['Address', a.address], ['Port', a.port]]))]);
  }
  omitEmpty(f, 'EnableTagOverride', s.enableTagOverride);
  if (s.meta && Object.keys(s.meta).length > 0) f.push(['Meta', goMap(s.meta, (v) => v)]);
  if (s.weights) f.push(['Weights', new GoStruct([['Passing', s.weights.passing], ['Warning', s.weights.warning]])]);
  f.push(['Check', s.check ? checkJson(s.check) : null]);
  f.push(['Checks', s.checks ? s.checks.map(checkJson) : null]);
  if (s.proxy) f.push(['Proxy', fromPlain(s.proxy)]);
  if (s.connect) f.push(['Connect', fromPlain(s.connect)]);
  return encodeGoJson(new GoStruct(f));
}

/** A check as /v1/agent/checks returns it (Go's AgentCheck). */
export interface WireAgentCheck {
  Node?: string;
  CheckID: string;
  Name?: string;
  Status?: string;
  Notes?: string;
  Output?: string;
  ServiceID?: string;
  ServiceName?: string;
  Type?: string;
  Definition?: Record<string, unknown>;
}

export interface AgentCheck {
  node: string;
  checkId: string;
  name: string;
  status: string;
  notes: string;
  output: string;
  serviceId: string;
  serviceName: string;
  type: string;
  definition: Record<string, unknown>;
}

export function agentCheckFromWire(w: WireAgentCheck): AgentCheck {
  return {
    node: w.Node ?? '',
    checkId: w.CheckID,
    name: w.Name ?? '',
    status: w.Status ?? '',
    notes: w.Notes ?? '',
    output: w.Output ?? '',
    serviceId: w.ServiceID ?? '',
    serviceName: w.ServiceName ?? '',
    type: w.Type ?? '',
    definition: w.Definition ?? {},
  };
}

/** Lines of the agent's log as they are written; iterate, and `close()` to stop early. */
export interface LogStream extends AsyncIterable<string> {
  close(): void;
}

interface TransportInternals {
  endpoint: DialTarget & { scheme: 'http' | 'https' };
  httpAgent: http.Agent;
  token: string;
}

/**
 * GET /v1/agent/monitor, kept open. Resolves once the agent answered 200; a different status
 * rejects with Go's `Unexpected response code: N (body)`. Each line comes out as the Go
 * client's scanner gives it: an empty line as " ", the end of the stream ends the iteration.
 */
export function openLogStream(client: ApiClient, params: readonly QueryParam[]): Promise<LogStream> {
  // The buffered ApiClient.request cannot stream; reuse its socket pool, address and token.
  const t: TransportInternals = { endpoint: client['endpoint'], httpAgent: client['httpAgent'], token: client['token'] };
  const query = goEncodeQuery([...client.queryParams({}), ...params]);
  const pathAndQuery = goPathEscape('/v1/agent/monitor') + (query ? `?${query}` : '');
  const prefix = goUrlErrorPrefix('GET', client.baseUrl + pathAndQuery);
  const ep = t.endpoint;
  return new Promise<LogStream>((resolve, reject) => {
    const req = (ep.scheme === 'https' ? nodeHttps() : nodeHttp()).request({
      method: 'GET',
      path: pathAndQuery,
      headers: t.token ? { 'X-Consul-Token': t.token } : {},
      agent: t.httpAgent,
      ...(ep.socketPath !== undefined ? { socketPath: ep.socketPath } : { host: ep.host, port: ep.port }),
    });
    req.on('error', (e) => reject(new ApiError('ERR_API_TRANSPORT', prefix + goDialReason(e, ep), { cause: e })));
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => reject(statusError(res.statusCode ?? 0, Buffer.concat(chunks))));
        return;
      }
      res.on('error', () => undefined);
      const lines = nodeReadline().createInterface({ input: res, crlfDelay: Infinity });
      // Start buffering lines now: the interface drops lines no iterator is waiting for yet.
      const iterator = lines[Symbol.asyncIterator]();
      resolve({
        close: () => {
          lines.close();
          req.destroy();
        },
        async *[Symbol.asyncIterator]() {
          try {
            for (;;) {
              const next = await iterator.next();
              if (next.done) return;
              yield next.value === '' ? ' ' : next.value;
            }
          } catch {
            // A reset stream ends like a closed one (Go's scanner stops).
          }
        },
      });
    });
    req.end();
  });
}
