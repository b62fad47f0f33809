/**
 * A resolver over a real in-process catalog for tests: register nodes and services with
 * Consul's JSON (PUT /v1/catalog/register), then ask questions and read decoded replies.
 */
import { harness, type Harness } from '../http/test-harness.js';
import { SeededRng } from '../lib/index.js';
import { StoreCatalog } from './catalog.js';
import { Resolver, type Network } from './resolver/resolver.js';
import { consulDnsDefaults, type DnsConfig } from './resolver/config.js';
import { decodeMessage } from './wire/decode.js';
import { Encoder } from './wire/encode.js';
import { Type, emptyHeader, type Message, type ResourceRecord } from './wire/message.js';


export interface AskOptions {
  network?: Network;
  /** EDNS0 UDP size; undefined: no OPT record. */
  edns?: number;
  ednsOptions?: { code: number; data: Uint8Array }[];
  id?: number;
}

export interface DnsFixture {
  h: Harness;
  resolver: Resolver;
  register(body: Record<string, unknown>): Promise<void>;
  /** The request's bytes (for tests of the raw path). */
  packet(name: string, type: number, opts?: AskOptions): Uint8Array;
  ask(name: string, type?: number, opts?: AskOptions): Message & { size: number };
}

const encoder = new Encoder();

export function queryPacket(name: string, type: number, opts: AskOptions = {}): Uint8Array {
  const header = emptyHeader(opts.id ?? 0x1234);
  header.recursionDesired = true;
  const additionals: ResourceRecord[] =
    opts.edns === undefined ? [] : [{ type: Type.OPT, name: '.', udpSize: opts.edns, extendedRcode: 0, version: 0, flags: 0, options: opts.ednsOptions ?? [] }];
  return encoder.encode({ header, questions: [{ name, type, class: 1 }], answers: [], authorities: [], additionals });
}

export function dnsFixture(config: Partial<DnsConfig> = {}, seed = 1): DnsFixture {
  const h = harness();
  const resolver = new Resolver({ ...consulDnsDefaults, ...config }, new StoreCatalog(h.server), { clock: h.clock, rng: new SeededRng(seed) });
  return {
    h,
    resolver,
    async register(body) {
      const res = await h.request({ method: 'PUT', url: '/v1/catalog/register', payload: JSON.stringify(body) });
      if (res.statusCode !== 200) throw new Error(`register: ${res.statusCode} ${res.body}`);
    },
    packet: queryPacket,
    ask(name, type = Type.A, opts = {}) {
      const out = resolver.handle(queryPacket(name, type, opts), opts.network ?? 'udp');
      if (out.kind !== 'reply') throw new Error(`expected a reply, got ${out.kind}`);
      return { ...decodeMessage(out.bytes), size: out.bytes.length };
    },
  };
}

/** Records as short text lines (`A 10.0.0.1`, `SRV 1 1 80 n1.node.dc1.consul.`), sorted. */
export function lines(rrs: readonly ResourceRecord[]): string[] {
  return rrs.map(line).sort();
}

export function line(rr: ResourceRecord): string {
  const head = `${rr.name} ${'ttl' in rr ? rr.ttl : ''} `;
  switch (rr.type) {
    case Type.A:
      return `${head}A ${'ip' in rr ? [...rr.ip].join('.') : ''}`;
    case Type.AAAA:
      return `${head}AAAA ${'ip' in rr ? [...rr.ip].map((b) => b.toString(16).padStart(2, '0')).join('') : ''}`;
    case Type.CNAME:
    case Type.NS:
    case Type.PTR:
      return `${head}${rr.type === Type.CNAME ? 'CNAME' : rr.type === Type.NS ? 'NS' : 'PTR'} ${'target' in rr ? rr.target : ''}`;
    case Type.SRV:
      return 'priority' in rr ? `${head}SRV ${rr.priority} ${rr.weight} ${rr.port} ${rr.target}` : '';
    case Type.TXT:
      return 'txt' in rr ? `${head}TXT ${rr.txt.map((t) => JSON.stringify(t)).join(' ')}` : '';
    case Type.SOA:
      return 'mname' in rr ? `${head}SOA ${rr.mname} ${rr.rname} ${rr.refresh} ${rr.retry} ${rr.expire} ${rr.minimum}` : '';
    case Type.OPT:
      return 'udpSize' in rr ? `. OPT udp=${rr.udpSize}` : '';
    default:
      return `${head}TYPE${rr.type}`;
  }
}

export const check = (status: string, id = 'serfHealth', serviceID = ''): Record<string, unknown> => ({
  CheckID: id,
  Name: id,
  Status: status,
  ServiceID: serviceID,
});

/** Three nodes, `web` on each (tags), a node in maintenance, a critical instance, a warning one. */
export async function sampleCatalog(f: DnsFixture): Promise<void> {
  const n1 = { Node: 'n1', Address: '10.0.0.1', NodeMeta: { rack: 'r1', 'rfc1035-x': 'raw=text' } };
  await f.register({ ...n1, Check: check('passing') });
  await f.register({ Node: 'n2', Address: '10.0.0.2', Check: check('passing') });
  await f.register({ Node: 'db.1', Address: '10.0.0.3', Check: check('passing') });
  await f.register({ Node: 'v6', Address: '2001:db8::1', Check: check('passing') });
  await f.register({ Node: 'ext', Address: 'n1.node.consul' });
  await f.register({ ...n1, Service: { ID: 'web1', Service: 'web', Tags: ['primary', 'v1.2'], Port: 80 } });
  await f.register({ Node: 'n2', Address: '10.0.0.2', Service: { ID: 'web2', Service: 'web', Tags: ['secondary'], Port: 81 } });
  await f.register({
    Node: 'db.1',
    Address: '10.0.0.3',
    Service: { ID: 'web3', Service: 'web', Tags: ['secondary'], Port: 82, Address: '10.1.1.3', Weights: { Passing: 10, Warning: 1 } },
    Check: check('warning', 'web3-check', 'web3'),
  });
  await f.register({ Node: 'n2', Address: '10.0.0.2', Service: { ID: 'api', Service: 'api', Port: 90 }, Check: check('critical', 'api-check', 'api') });
  await f.register({ ...n1, Service: { ID: 'alias', Service: 'alias', Port: 1, Address: 'example.com' } });
}

