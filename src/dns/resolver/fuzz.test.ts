/**
 * The DNS interface against bad packets (the issue: "Bad packets (truncated, wrong counts,
 * pointer loops, huge labels) get FORMERR or are dropped, and never crash or slow the server").
 * A seeded generator makes at least 100,000 inputs — random bytes, mutated valid queries and
 * hand-made nasty ones — and each goes through `Resolver.handle` over UDP and over TCP against a
 * small catalog. Set MUSTER_DNS_FUZZ_SEED to replay another seed, MUSTER_DNS_FUZZ_INPUTS to run more.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock, SeededRng } from '../../lib/index.js';
import { emptyCheckDefinition, type CheckEntry, type CheckServiceNodeView, type HealthStatus, type NodeEntry, type ServiceEntry } from '../../state/index.js';
import { WireError, decodeMessage } from '../wire/decode.js';
import { Encoder } from '../wire/encode.js';
import { Opcode, Rcode, Type, ednsOf, emptyHeader, type EdnsOptionValue, type Message, type ResourceRecord } from '../wire/message.js';
import { DnsLookupError, consulDnsDefaults, type DnsCatalog, type DnsConfig } from './config.js';
import { Resolver, type Network, type Outcome } from './resolver.js';

const INPUTS_MIN = 100_000;
/** One handle() call slower than this fails the run (after one retry, so a GC pause is not a failure). */
const SLOW_MS = 50;
const FAILURES_SHOWN = 10;
const UDP_BYTES_MIN = 512;
const BYTES_MAX = 65535;

const seed = Number(process.env['MUSTER_DNS_FUZZ_SEED'] ?? 0x5eed_d115);
const inputs = Math.max(INPUTS_MIN, Number(process.env['MUSTER_DNS_FUZZ_INPUTS'] ?? 0));

// ---------------------------------------------------------------------------------------------
// The catalog: a few nodes (one IPv6, one with a host name, CNAMEs into the domain and a CNAME
// loop), services with many instances, tagged addresses, failing checks. dc1 only; `dcfail`
// fails (SERVFAIL), any other datacenter is unknown (NXDOMAIN).

const DC = 'dc1';
const MANY = 64;

function node(name: string, address: string, extra: Partial<NodeEntry> = {}): NodeEntry {
  return { id: '', node: name, address, datacenter: DC, taggedAddresses: {}, meta: {}, createIndex: 1, modifyIndex: 1, ...extra };
}

function check(n: NodeEntry, status: HealthStatus, service = ''): CheckEntry {
  return {
    node: n.node, checkID: `c-${service}`, name: 'c', status, notes: '', output: '', serviceID: service, serviceName: service, serviceTags: [],
    type: '', definition: emptyCheckDefinition(), createIndex: 1, modifyIndex: 1,
  };
}

function instance(n: NodeEntry, service: string, port: number, opts: { address?: string; tags?: string[]; status?: HealthStatus; v4?: string; v6?: string } = {}): CheckServiceNodeView {
  const tagged: ServiceEntry['taggedAddresses'] = {};
  if (opts.v4) tagged['lan_ipv4'] = { address: opts.v4, port };
  if (opts.v6) tagged['lan_ipv6'] = { address: opts.v6, port };
  const s: ServiceEntry = {
    node: n.node, kind: '', id: `${service}-${n.node}`, service, tags: opts.tags ?? [], address: opts.address ?? '', taggedAddresses: tagged, meta: {}, port,
    weights: { passing: 1, warning: 1 }, enableTagOverride: false, proxy: null, connect: null, createIndex: 1, modifyIndex: 1,
  };
  return { node: n, service: s, checks: [check(n, 'passing'), check(n, opts.status ?? 'passing', service)] };
}

function fakeCatalog(): DnsCatalog {
  const n1 = node('n1', '10.0.0.1', { meta: { rack: 'r1', 'rfc1035-x': 'raw=text', long: 'x'.repeat(600), 'ü key': 'välue' } });
  const n2 = node('n2', '10.0.0.2', { taggedAddresses: { lan_ipv4: '10.0.1.2', lan_ipv6: '2001:db8::2' } });
  const v6 = node('v6', '2001:db8::1');
  const host = node('host', 'host.example.com');
  const nodes = [n1, n2, v6, host, node('ext', 'n1.node.consul'), node('loop', 'loop.node.consul'), node('db.1', '10.0.0.3')];
  const many = Array.from({ length: MANY }, (_, i) => node(`many-${i}`, `10.1.${i >> 8}.${i & 0xff}`, { meta: { index: String(i), rack: `r${i % 4}` } }));
  nodes.push(...many);
  const views: CheckServiceNodeView[] = [
    instance(n1, 'consul', 8300),
    instance(n2, 'consul', 8300),
    instance(host, 'consul', 8300),
    instance(n1, 'web', 80, { tags: ['primary', 'v1'] }),
    instance(n2, 'web', 81, { tags: ['secondary'], v4: '10.9.0.2', v6: '2001:db8::99' }),
    instance(v6, 'web', 82),
    instance(host, 'web', 83),
    instance(n1, 'alias', 1, { address: 'example.com' }),
    instance(n1, 'own', 2, { address: 'web.service.consul' }),
    instance(n1, 'ping', 3, { address: 'pong.service.consul' }),
    instance(n2, 'pong', 4, { address: 'ping.service.consul' }),
    instance(n2, 'crit', 5, { status: 'critical' }),
    instance(n2, 'warn', 6, { status: 'warning' }),
    instance(v6, 'v6svc', 7, { address: '2001:db8::7' }),
    ...many.map((n, i) => instance(n, 'many', 9000 + i, { tags: [`t${i % 3}`], address: i % 5 === 0 ? `10.2.0.${i}` : i % 7 === 0 ? `2001:db8::${i.toString(16)}` : '' })),
  ];
  const checkDc = (dc: string): void => {
    if (dc === DC) return;
    throw new DnsLookupError(dc === 'dcfail' ? 'failed' : 'no-dc', `No path to datacenter`);
  };
  // The catalog never changes: one version for the whole run, so the reply cache is exercised.
  const version = {};
  return {
    version: () => version,
    node(dc, name) {
      checkDc(dc);
      return nodes.find((n) => n.node.toLowerCase() === name.toLowerCase());
    },
    serviceNodes(dc, service, tag) {
      checkDc(dc);
      return views.filter((v) => v.service.service === service && (tag === '' || v.service.tags.some((t) => t.toLowerCase() === tag)));
    },
    nodes(dc) {
      checkDc(dc);
      return nodes;
    },
    services(dc) {
      checkDc(dc);
      return views.map((v) => v.service);
    },
    external: () => undefined,
  };
}

const config: DnsConfig = { ...consulDnsDefaults, altDomain: 'alt.', datacenter: DC };

function newResolver(): Resolver {
  return new Resolver(config, fakeCatalog(), { clock: new ManualClock(1_600_000_000_000), rng: new SeededRng(seed) });
}

// ---------------------------------------------------------------------------------------------
// Inputs.

class Gen {
  readonly rng: SeededRng;
  constructor(s: number) {
    this.rng = new SeededRng(s);
  }
  next(): number {
    return this.rng.next();
  }
  int(n: number): number {
    return this.rng.int(n);
  }
  chance(p: number): boolean {
    return this.rng.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  /** n random bytes, four from each draw (next() is a 32-bit draw over 2^32). */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      let x = this.rng.next() * 0x1_0000_0000;
      for (let j = i; j < i + 4 && j < n; j++, x >>>= 8) out[j] = x & 0xff;
    }
    return out;
  }
}

const names = [
  'n1.node.consul.', 'n1.node.dc1.consul.', 'N1.NoDe.Consul.', 'v6.node.consul.', 'host.node.consul.', 'ext.node.consul.', 'loop.node.consul.',
  'db.1.node.consul.', 'missing.node.consul.', 'n1.node.dc2.consul.', 'n1.node.dcfail.consul.', 'n1.node.alt.', 'n1.node.dc1.alt.',
  'web.service.consul.', 'primary.web.service.consul.', 'web.service.dc1.consul.', 'many.service.consul.', 't1.many.service.consul.',
  '_many._tcp.service.consul.', '_web._tcp.consul.', '_many._t2.service.alt.', 'alias.service.consul.', 'own.service.consul.',
  'ping.service.consul.', 'crit.service.consul.', 'warn.service.consul.', 'v6svc.service.consul.', 'none.service.consul.', 'consul.service.consul.',
  '7f000001.addr.dc1.consul.', '20010db8000000000000000000000001.addr.consul.', 'zz.addr.consul.', '7f00000.addr.consul.', 'web.query.consul.',
  'web.connect.consul.', 'web.ingress.consul.', 'consul.', 'alt.', 'dc1.consul.', 'node.consul.', 'example.com.', '.',
  '1.0.0.10.in-addr.arpa.', '7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.', '9.9.9.9.in-addr.arpa.', 'arpa.',
];
const types = [Type.A, Type.AAAA, Type.SRV, Type.PTR, Type.SOA, Type.NS, Type.ANY, Type.TXT, Type.AXFR, Type.MX, Type.CNAME, 251];
const udpSizes = [0, 1, 511, 512, 513, 1232, 1400, 4096, 65535];

const encoder = new Encoder();

/** Client subnet (RFC 7871) options, valid and not, a cookie, anything. */
const ednsOptionMakers: ((g: Gen) => EdnsOptionValue)[] = [
  () => ({ code: 8, data: Uint8Array.of(0, 1, 24, 0, 10, 0, 0) }),
  () => ({ code: 8, data: Uint8Array.of(0, 2, 56, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0) }),
  () => ({ code: 8, data: Uint8Array.of(0, 1, 33, 0, 1, 2, 3, 4, 5) }),
  () => ({ code: 8, data: Uint8Array.of(0, 1) }),
  () => ({ code: 8, data: Uint8Array.of(0, 3, 8, 0, 1) }),
  (g) => ({ code: 10, data: g.bytes(8) }),
  (g) => ({ code: g.int(65536), data: g.bytes(g.int(40)) }),
];

function ednsOptions(g: Gen): EdnsOptionValue[] {
  return Array.from({ length: g.int(3) }, () => g.pick(ednsOptionMakers)(g));
}

function randomCase(g: Gen, name: string): string {
  if (!g.chance(0.2)) return name;
  return [...name].map((c) => (g.chance(0.5) ? c.toUpperCase() : c)).join('');
}

/** A well-formed query for a name the catalog knows (or nearly). */
function validQuery(g: Gen): Uint8Array {
  const header = emptyHeader(g.int(0x10000));
  header.recursionDesired = g.chance(0.7);
  header.checkingDisabled = g.chance(0.1);
  header.authenticData = g.chance(0.3);
  if (g.chance(0.05)) header.opcode = Opcode.NOTIFY;
  const type = g.chance(0.08) ? g.int(0x10000) : g.pick(types);
  const cls = g.chance(0.9) ? 1 : g.pick([3, 254, 255, g.int(0x10000)]);
  const additionals: ResourceRecord[] = [];
  if (g.chance(0.6)) {
    const udpSize = g.chance(0.9) ? g.pick(udpSizes) : g.int(0x10000);
    additionals.push({ type: Type.OPT, name: '.', udpSize, extendedRcode: 0, version: g.chance(0.05) ? 1 : 0, flags: g.chance(0.3) ? 0x8000 : 0, options: ednsOptions(g) });
  }
  if (g.chance(0.05)) additionals.unshift({ type: 250, name: 'key.', ttl: 0, class: 255, rdata: g.bytes(g.int(30)) });
  const msg: Message = { header, questions: [{ name: randomCase(g, g.pick(names)), type, class: cls }], answers: [], authorities: [], additionals };
  return encoder.encode(msg, g.chance(0.5));
}

function setU16(b: number[], at: number, v: number): void {
  if (at + 1 < b.length) {
    b[at] = (v >> 8) & 0xff;
    b[at + 1] = v & 0xff;
  }
}

function mutate(g: Gen, packet: Uint8Array): Uint8Array {
  const b = [...packet];
  for (let n = 1 + g.int(4); n > 0; n--) {
    const at = g.int(b.length + 1);
    switch (g.int(10)) {
      case 0:
        if (at < b.length) b[at]! ^= 1 << g.int(8);
        break;
      case 1:
        b.splice(at, 0, g.int(256));
        break;
      case 2:
        b.splice(at, 1);
        break;
      case 3:
        b.length = Math.min(b.length, at);
        break;
      case 4:
        setU16(b, g.pick([4, 6, 8, 10]), g.pick([0, 1, 2, 3, 0xffff, g.int(0x10000)]));
        break;
      case 5: {
        // A compression pointer: backwards, to itself, forwards, to the header, or as far as it goes.
        const pos = 12 + g.int(Math.max(1, b.length - 12));
        const target = g.pick([g.int(Math.max(1, pos)), pos, pos + 2, 12, 0x3fff, g.int(b.length + 1)]);
        b.splice(pos, g.chance(0.5) ? 2 : 0, 0xc0 | ((target >> 8) & 0x3f), target & 0xff);
        break;
      }
      case 6:
        if (at < b.length) b[at] = g.pick([0x00, 0x01, 0x3f, 0x40, 0x80, 0xc0, 0xff]);
        break;
      case 7:
        b.push(...(g.chance(0.5) ? g.bytes(g.int(40)) : b.slice(g.int(b.length + 1), g.int(b.length + 1))));
        break;
      case 8:
        if (b.length > 3) [b[2], b[3]] = [b[2]! ^ g.pick([0x80, 0x78, 0x08, 0x02, g.int(256)]), g.int(256)];
        break;
      default:
        if (at < b.length) b[at] = g.int(256);
    }
  }
  return Uint8Array.from(b);
}

function header(flags: number, qd: number, an: number, ns: number, ar: number, id = 0x4242): number[] {
  return [id >> 8, id & 0xff, flags >> 8, flags & 0xff, qd >> 8, qd & 0xff, an >> 8, an & 0xff, ns >> 8, ns & 0xff, ar >> 8, ar & 0xff];
}

function wireName(labels: string[]): number[] {
  return [...labels.flatMap((l) => [l.length, ...[...l].map((c) => c.charCodeAt(0))]), 0];
}

/** Labels of up to 63 octets, then `suffix`: a name of exactly `octets` octets on the wire. */
function nameOf(octets: number, suffix: string[], fill = 'a'): number[] {
  const labels: string[] = [];
  let left = octets - wireName(suffix).length;
  while (left > 1) {
    const len = left <= 64 ? left - 1 : left === 65 ? 62 : 63;
    labels.push(fill.repeat(len));
    left -= len + 1;
  }
  return wireName([...labels, ...suffix]);
}

const qtail = [0, Type.A, 0, 1];

/** Hand-made nasty cases, each run first. */
function nastyCases(g: Gen): { name: string; packet: Uint8Array }[] {
  const query = (name: number[], extra: number[] = [], counts: [number, number, number, number] = [1, 0, 0, 0], flags = 0x0100): Uint8Array =>
    Uint8Array.from([...header(flags, ...counts), ...name, ...qtail, ...extra]);
  const opt = (udp: number): number[] => [0, 0, Type.OPT, udp >> 8, udp & 0xff, 0, 0, 0, 0, 0, 0];
  const out: { name: string; packet: Uint8Array }[] = [
    { name: 'empty', packet: new Uint8Array() },
    { name: 'one byte', packet: Uint8Array.of(1) },
    { name: 'id only', packet: Uint8Array.of(0x12, 0x34) },
    { name: '11 bytes', packet: Uint8Array.from(header(0, 1, 0, 0, 0).slice(0, 11)) },
    { name: 'header only, qd=1', packet: Uint8Array.from(header(0, 1, 0, 0, 0)) },
    { name: 'self pointer', packet: query([0xc0, 12]) },
    { name: 'A→B→A', packet: Uint8Array.from([...header(0, 1, 0, 0, 0), 0xc0, 14, 0xc0, 12, ...qtail]) },
    { name: 'label then pointer to itself', packet: query([1, 0x61, 0xc0, 12]) },
    { name: '63-byte label then pointer to itself', packet: query([63, ...new Array<number>(63).fill(0x61), 0xc0, 12]) },
    { name: 'pointer beyond the message', packet: query([0xff, 0xff]) },
    { name: 'label type 0x40', packet: query([0x40, 0]) },
    { name: 'label type 0x80', packet: query([0x80, 0]) },
    { name: '63-byte label in the domain', packet: query(wireName(['a'.repeat(63), 'node', 'consul'])) },
    { name: '64-byte label', packet: query(wireName(['a'.repeat(64), 'node', 'consul'])) },
    { name: '255-octet node name', packet: query(nameOf(255, ['node', 'consul'])) },
    { name: '255-octet service name', packet: query(nameOf(255, ['service', 'consul'], 'b')) },
    { name: '255-octet arpa name', packet: query(nameOf(255, ['in-addr', 'arpa'], '1')) },
    { name: '256-octet name', packet: query(nameOf(256, ['node', 'consul'])) },
    { name: '255-octet name, 65535 additionals', packet: query(nameOf(255, ['consul']), [], [1, 0, 0, 0xffff]) },
    { name: 'qd=65535', packet: query(wireName(['consul']), [], [0xffff, 0, 0, 0]) },
    { name: 'all counts 65535', packet: query(wireName(['consul']), [], [0xffff, 0xffff, 0xffff, 0xffff]) },
    { name: 'an=1 but no answer', packet: query(wireName(['web', 'service', 'consul']), [], [1, 1, 0, 0]) },
    { name: 'ar=2 with one OPT', packet: query(wireName(['web', 'service', 'consul']), opt(4096), [1, 0, 0, 2]) },
    { name: 'OPT with rdlength past the end', packet: query(wireName(['consul']), [0, 0, Type.OPT, 0x10, 0, 0, 0, 0, 0, 0, 9, 0, 8], [1, 0, 0, 1]) },
    { name: 'two OPT records', packet: query(wireName(['many', 'service', 'consul']), [...opt(65535), ...opt(512)], [1, 0, 0, 2]) },
    { name: 'SRV over 64k EDNS', packet: Uint8Array.from([...header(0, 1, 0, 0, 1), ...wireName(['many', 'service', 'consul']), 0, Type.SRV, 0, 1, ...opt(65535)]) },
    { name: 'QR set', packet: query(wireName(['web', 'service', 'consul']), [], [1, 0, 0, 0], 0x8000) },
    { name: 'opcode UPDATE', packet: query(wireName(['consul']), [], [1, 0, 0, 0], 5 << 11) },
    { name: 'opcode 15 with bad counts', packet: query(wireName(['consul']), [], [3, 3, 3, 3], 15 << 11) },
    { name: 'AXFR', packet: Uint8Array.from([...header(0, 1, 0, 0, 0), ...wireName(['consul']), 0, Type.AXFR, 0, 1]) },
    {
      name: 'dig query',
      packet: Uint8Array.from([
        ...header(0x0120, 1, 0, 0, 1, 0xabcd), ...wireName(['web', 'service', 'consul']), ...qtail,
        0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 12, 0, 10, 0, 8, ...g.bytes(8),
      ]),
    },
    { name: 'a chain of 8,000 pointers walked by 9 names', packet: pointerChain() },
  ];
  return out;
}

/**
 * The most pointer hops a request can ask of the decoder: an answer whose data is a chain of
 * pointers, each to the one before (targets stay below 0x3fff), and the authority and the two
 * additional records (SOA, owner and both names) pointing to the chain's end.
 */
function pointerChain(): Uint8Array {
  const links = 8000;
  const start = 12 + wireName(['consul']).length + 4 + 11;
  const chain: number[] = [];
  for (let i = 0; i < links; i++) {
    const to = i === 0 ? 12 : start + 2 * (i - 1);
    chain.push(0xc0 | (to >> 8), to & 0xff);
  }
  const end = start + 2 * (links - 1);
  const ptr = [0xc0 | (end >> 8), end & 0xff];
  const soa = [...ptr, 0, Type.SOA, 0, 1, 0, 0, 0, 0, 0, 24, ...ptr, ...ptr, ...new Array<number>(20).fill(0)];
  return Uint8Array.from([...header(0, 1, 1, 1, 2), ...wireName(['consul']), ...qtail, 0, 0, 99, 0, 1, 0, 0, 0, 0, chain.length >> 8, chain.length & 0xff, ...chain, ...soa, ...soa, ...soa]);
}

const longFronts = [['7f000001', 'addr'], ['20010db8000000000000000000000001', 'addr'], ['n1', 'node'], ['web', 'service'], ['_web', '_tcp'], ['1', '0', '0', '10'], []];
const longSuffixes = [['consul'], ['dc1', 'consul'], ['alt'], ['in-addr', 'arpa'], ['ip6', 'arpa'], ['example']];

/** A name of 200 to 256 octets: a known front, labels of random sizes, one of the zones. */
function longNameQuery(g: Gen): Uint8Array {
  const front = g.pick(longFronts);
  const suffix = g.pick(longSuffixes);
  const labels = [...front];
  let left = 200 + g.int(57) - wireName([...front, ...suffix]).length;
  while (left > 1) {
    const len = Math.min(left - 1, 1 + g.int(63));
    if (left - (len + 1) === 1) continue;
    labels.push(String.fromCharCode(...Array.from({ length: len }, () => g.pick([0x61, 0x62, 0x30, 0x2d, 0x5f, 0x41, 0x2e, 0x00, 0xff]))));
    left -= len + 1;
  }
  const edns = g.chance(0.5);
  const type = g.pick(types);
  const opt = [0, 0, Type.OPT, 0x04, 0xd0, 0, 0, 0, 0, 0, 0];
  return Uint8Array.from([...header(0x0100, 1, 0, 0, edns ? 1 : 0, g.int(0x10000)), ...wireName([...labels, ...suffix]), type >> 8, type & 0xff, 0, 1, ...(edns ? opt : [])]);
}

type Kind = 'nasty' | 'random' | 'random after a plausible header' | 'valid' | 'mutated' | 'long name';

function nextInput(g: Gen): { kind: Kind; packet: Uint8Array } {
  const r = g.next();
  if (r < 0.12) return { kind: 'random', packet: g.bytes(g.int(601)) };
  if (r < 0.3) {
    const counts = [1, g.int(2), g.int(2), g.int(3)] as const;
    return { kind: 'random after a plausible header', packet: Uint8Array.from([...header(g.int(2) << 8, ...counts), ...g.bytes(g.int(589))]) };
  }
  if (r < 0.4) return { kind: 'valid', packet: validQuery(g) };
  if (r < 0.45) return { kind: 'long name', packet: longNameQuery(g) };
  return { kind: 'mutated', packet: mutate(g, validQuery(g)) };
}

// ---------------------------------------------------------------------------------------------
// What each input must get.

type Expected = { kind: 'drop' } | { kind: 'reject'; rcode: number; opcode: number; edns?: number } | { kind: 'query'; req: Message; edns?: number };

const drop: Expected = { kind: 'drop' };
const u16At = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;

/**
 * miekg's accept rules, then the decoder (itself tested in wire.test.ts), say what a packet gets;
 * `edns` is the client's buffer when the request decodes and has one.
 */
function expected(packet: Uint8Array): Expected {
  if (packet.length < 12) return drop;
  const flags = u16At(packet, 2);
  if (flags & 0x8000) return drop;
  let req: Message | undefined;
  try {
    req = decodeMessage(packet);
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
  }
  const edns = req && ednsOf(req)?.udpSize;
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== Opcode.QUERY && opcode !== Opcode.NOTIFY) return { kind: 'reject', rcode: Rcode.NOTIMP, opcode, edns };
  const [qd, an, ns, ar] = [4, 6, 8, 10].map((at) => u16At(packet, at)) as [number, number, number, number];
  if (!req || qd !== 1 || an > 1 || ns > 1 || ar > 2) return { kind: 'reject', rcode: Rcode.FORMERR, opcode: Opcode.QUERY, edns };
  return { kind: 'query', req, edns };
}

const under = (name: string, zone: string): boolean => {
  const n = name.toLowerCase();
  return n === zone || n.endsWith(`.${zone}`);
};
const inOurZones = (name: string): boolean => under(name, config.domain) || under(name, config.altDomain) || under(name, 'arpa.');

type Decoded = { reply: Message } | { error: string } | undefined;

function decodeReply(out: Outcome): Decoded {
  if (out.kind !== 'reply') return undefined;
  try {
    return { reply: decodeMessage(out.bytes) };
  } catch (err) {
    return { error: String(err) };
  }
}

/** What is wrong with `out` as the answer to `packet`, if anything. */
function problemWith(packet: Uint8Array, exp: Expected, out: Outcome, decoded: Decoded, network: Network): string | undefined {
  if (exp.kind === 'drop') return out.kind === 'drop' ? undefined : `expected no answer, got ${out.kind}`;
  if (out.kind === 'drop') return `dropped (expected ${exp.kind === 'reject' ? `rcode ${exp.rcode}` : 'an answer'})`;
  if (out.kind === 'recurse') return exp.kind === 'query' && under(exp.req.questions[0]!.name, 'arpa.') ? undefined : 'asked the recursors (recursion is off)';
  if (!decoded || 'error' in decoded) return `the reply does not decode: ${decoded?.error}`;
  const reply = decoded.reply;
  const h = reply.header;
  if (h.id !== u16At(packet, 0)) return `reply ID ${h.id} is not the request's ${u16At(packet, 0)}`;
  if (!h.response) return 'QR not set in the reply';
  const limit = network === 'tcp' ? BYTES_MAX : Math.max(UDP_BYTES_MIN, Math.min(exp.edns ?? 0, BYTES_MAX));
  if (out.bytes.length > limit) return `a reply of ${out.bytes.length} bytes to a client taking ${limit}`;
  if (exp.kind === 'reject') {
    if (h.rcode !== exp.rcode || h.opcode !== exp.opcode) return `rcode ${h.rcode} opcode ${h.opcode}, expected rcode ${exp.rcode} opcode ${exp.opcode}`;
    if (reply.questions.length > 1 || reply.answers.length + reply.authorities.length + reply.additionals.length > 0) return 'records in a rejection';
    return undefined;
  }
  const q = exp.req.questions[0]!;
  const allowed: number[] = [Rcode.NOERROR, Rcode.NXDOMAIN, Rcode.SERVFAIL];
  if (!inOurZones(q.name)) allowed.push(Rcode.REFUSED);
  if (q.type === Type.AXFR) allowed.push(Rcode.NOTIMP);
  if (!allowed.includes(h.rcode)) return `rcode ${h.rcode} for a well-formed ${q.type} query`;
  if (h.opcode !== exp.req.header.opcode) return `opcode ${h.opcode}, the request's was ${exp.req.header.opcode}`;
  const echoed = reply.questions[0];
  if (reply.questions.length !== 1 || echoed!.name !== q.name || echoed!.type !== q.type || echoed!.class !== q.class) return `question not echoed: ${JSON.stringify(reply.questions)}`;
  // An OPT answers an OPT (setEDNS), except in REFUSED, which miekg's mux writes bare (handleRefused).
  const reqEdns = h.rcode === Rcode.REFUSED ? undefined : exp.edns;
  const replyEdns = ednsOf(reply)?.udpSize;
  if (reqEdns !== replyEdns) return `OPT in the reply ${JSON.stringify(replyEdns)}, in the request ${JSON.stringify(reqEdns)}`;
  return undefined;
}

/** An EDNS client (buffer above 512) whose UDP answer is shorter than the TCP one must see TC. */
function truncationProblem(exp: Expected, udp: Decoded, tcp: Decoded): string | undefined {
  if (exp.kind !== 'query' || exp.edns === undefined || exp.edns <= UDP_BYTES_MIN) return undefined;
  if (!udp || !tcp || 'error' in udp || 'error' in tcp) return undefined;
  const [u, t] = [udp.reply, tcp.reply];
  if (u.answers.length < t.answers.length && !u.header.truncated) return `UDP reply has ${u.answers.length} of ${t.answers.length} answers and no TC`;
  return undefined;
}

const rcodeNames = new Map(Object.entries(Rcode).map(([k, v]) => [v as number, k]));

function outcomeLabel(out: Outcome, decoded: Decoded): string {
  if (!decoded || 'error' in decoded) return out.kind;
  const m = decoded.reply;
  return `${rcodeNames.get(m.header.rcode) ?? `rcode ${m.header.rcode}`}${m.answers.length > 0 ? ' with answers' : ''}${m.header.truncated ? ' TC' : ''}`;
}

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

interface Run {
  out: Outcome;
  ms: number;
}

/** One call, timed; a slow call is run again once so that a pause of the process (GC) is not blamed on it. */
function timed(resolver: Resolver, packet: Uint8Array, network: Network): Run {
  let best: Run | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    const t0 = performance.now();
    const out = resolver.handle(packet, network);
    const ms = performance.now() - t0;
    if (!best || ms < best.ms) best = { out, ms };
    if (ms <= SLOW_MS) break;
  }
  return best!;
}

// ---------------------------------------------------------------------------------------------

describe('the resolver against generated packets', () => {
  it(`answers ${inputs} inputs over UDP and TCP: no throw, no oversized reply, the right rcode, none slow`, async ({ annotate }) => {
    const resolver = newResolver();
    const g = new Gen(seed);
    const nasty = nastyCases(g);
    const failures: string[] = [];
    const stats: Record<string, number> = {};
    let slowest = { ms: 0, what: '' };
    let handleMs = 0;
    const started = performance.now();
    for (let i = 0; i < inputs && failures.length < FAILURES_SHOWN; i++) {
      const input = i < nasty.length ? { kind: `nasty: ${nasty[i]!.name}`, packet: nasty[i]!.packet } : nextInput(g);
      const where = (): string => `input #${i} (${input.kind}) ${hex(input.packet)}`;
      try {
        const exp = expected(input.packet);
        const udp = timed(resolver, input.packet, 'udp');
        const tcp = timed(resolver, input.packet, 'tcp');
        const udpReply = decodeReply(udp.out);
        const tcpReply = decodeReply(tcp.out);
        for (const [network, run, decoded] of [['udp', udp, udpReply], ['tcp', tcp, tcpReply]] as const) {
          handleMs += run.ms;
          if (run.ms > slowest.ms) slowest = { ms: run.ms, what: `${network} ${where()}` };
          if (run.ms > SLOW_MS) failures.push(`${network}: took ${run.ms.toFixed(1)} ms — ${where()}`);
          const problem = problemWith(input.packet, exp, run.out, decoded, network);
          if (problem) failures.push(`${network}: ${problem} — ${where()}`);
        }
        const tc = truncationProblem(exp, udpReply, tcpReply);
        if (tc) failures.push(`udp: ${tc} — ${where()}`);
        const label = `${exp.kind === 'query' ? 'query' : exp.kind}: ${outcomeLabel(udp.out, udpReply)}`;
        stats[label] = (stats[label] ?? 0) + 1;
      } catch (err) {
        failures.push(`threw ${err instanceof Error ? (err.stack ?? err.message) : String(err)} — ${where()}`);
      }
    }
    const elapsedMs = performance.now() - started;
    await annotate(`${inputs} inputs (×2 networks) in ${elapsedMs.toFixed(0)} ms (${handleMs.toFixed(0)} ms in handle), seed ${seed}; slowest call ${slowest.ms.toFixed(2)} ms (${slowest.what.slice(0, 200)})`);
    await annotate(`outcomes over UDP: ${JSON.stringify(stats)}`);
    expect(failures, `seed ${seed} (MUSTER_DNS_FUZZ_SEED=${seed} replays it):\n${failures.join('\n')}`).toEqual([]);
    // The generator reaches every kind of answer, not only the decoder's errors.
    for (const k of ['drop: drop', 'reject: FORMERR', 'reject: NOTIMP', 'query: NOERROR with answers', 'query: NOERROR with answers TC', 'query: NXDOMAIN', 'query: SERVFAIL', 'query: REFUSED', 'query: NOTIMP', 'query: recurse']) {
      expect(stats[k] ?? 0, `outcome "${k}" never reached`).toBeGreaterThan(0);
    }
  }, 180_000);
});

describe('replies never exceed what the client takes', () => {
  const resolver = newResolver();
  const ask = (type: number, network: Network, edns?: number): Uint8Array => {
    const additionals: ResourceRecord[] = edns === undefined ? [] : [{ type: Type.OPT, name: '.', udpSize: edns, extendedRcode: 0, version: 0, flags: 0, options: [] }];
    const packet = encoder.encode({ header: emptyHeader(7), questions: [{ name: 'many.service.consul.', type, class: 1 }], answers: [], authorities: [], additionals });
    const out = resolver.handle(packet, network);
    if (out.kind !== 'reply') throw new Error(out.kind);
    return out.bytes;
  };

  it.each([
    ['SRV, no EDNS', Type.SRV, undefined, 512, 3, false],
    ['SRV, EDNS 512', Type.SRV, 512, 512, 3, false],
    ['SRV, EDNS 1232', Type.SRV, 1232, 1232, undefined, true],
    ['A, EDNS 600', Type.A, 600, 600, undefined, true],
    ['SRV, EDNS 100 (taken as 512)', Type.SRV, 100, 512, 3, false],
    ['SRV, EDNS 65535', Type.SRV, 65535, 65535, MANY, false],
  ] as const)('%s over UDP', (_, type, edns, limit, answers, tc) => {
    const bytes = ask(type, 'udp', edns);
    const m = decodeMessage(bytes);
    expect(bytes.length).toBeLessThanOrEqual(limit);
    if (answers !== undefined) expect(m.answers).toHaveLength(answers);
    else expect(m.answers.length).toBeLessThan(MANY);
    expect(m.header.truncated).toBe(tc);
  });

  it('gives everything over TCP', () => {
    for (const type of [Type.SRV, Type.A, Type.ANY]) {
      const m = decodeMessage(ask(type, 'tcp'));
      expect(m.answers.length).toBeGreaterThanOrEqual(type === Type.SRV ? MANY : MANY - 9);
      expect(m.header.truncated).toBe(false);
    }
  });
});

/** Bugs this file found, fixed, and kept as regression tests. */
describe('regressions', () => {
  const resolver = newResolver();
  /** `<front>.<labels of d>.<suffix>`, exactly `octets` on the wire. */
  const padded = (front: string[], suffix: string[], octets: number): number[] => {
    const labels = [...front];
    let left = octets - wireName([...front, ...suffix]).length;
    while (left > 1) {
      const len = left <= 64 ? left - 1 : left === 65 ? 62 : 63;
      labels.push('d'.repeat(len));
      left -= len + 1;
    }
    return wireName([...labels, ...suffix]);
  };

  // `<hex>.addr.<...>.alt.` of 253–255 octets: the A record's owner is the name with the alt
  // domain swapped for the (longer) primary one (Consul's `qName + d.domain`), 256–258 octets,
  // which the encoder refuses. The reply is SERVFAIL (Consul fails to pack it and sends nothing).
  it('an addr name in the alt domain near 255 octets gets SERVFAIL, and handle does not throw', () => {
    for (const octets of [253, 254, 255]) {
      const packet = Uint8Array.from([...header(0x0100, 1, 0, 0, 0), ...padded(['7f000001', 'addr'], ['alt'], octets), ...qtail]);
      const out = resolver.handle(packet, 'udp');
      expect(out.kind === 'reply' && decodeMessage(out.bytes).header.rcode, hex(packet)).toBe(Rcode.SERVFAIL);
    }
  });

  // An escaped dot is not a label boundary: `foo\.consul.` is one label under the root, outside
  // the domain, so REFUSED, as miekg's mux (NextLabel skips `\.`) answers.
  it('a name whose only dot before the domain is escaped is outside the domain (REFUSED)', () => {
    for (const label of ['foo.consul', 'n1.node.consul', 'web.service.alt']) {
      const packet = Uint8Array.from([...header(0x0100, 1, 0, 0, 0), ...wireName([label]), ...qtail]);
      const out = resolver.handle(packet, 'udp');
      expect(out.kind === 'reply' && decodeMessage(out.bytes).header.rcode, hex(packet)).toBe(Rcode.REFUSED);
    }
  });
});
