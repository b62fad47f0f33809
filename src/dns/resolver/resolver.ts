/**
 * The DNS resolver: request bytes in, reply bytes out (or "ask the recursors", or nothing),
 * pure and synchronous. It follows Consul 1.8.7's agent/dns.go and the miekg/dns server it runs
 * on: the message accept rules (FORMERR, NOTIMP), the mux (the domain and alt domain, `arpa.`,
 * the recursors for everything else or REFUSED), then handleQuery / handlePtr.
 */
import type { Clock, Rng } from '../../lib/index.js';
import type { CheckServiceNodeView, NodeEntry } from '../../state/index.js';
import { WireError, decodeCounts, decodeHeader, decodeMessage } from '../wire/decode.js';
import { Encoder } from '../wire/encode.js';
import { Opcode, Rcode, Type, ednsOf, emptyHeader, replyTo, type Message, type NameRR, type ResourceRecord, type SoaRR } from '../wire/message.js';
import { DnsLookupError, type DnsCatalog, type DnsConfig } from './config.js';
import { setEdns } from './edns.js';
import { ipFromReverse, parseIP, reverseName, sameIP } from './ip.js';
import { parseQueryName } from './query-name.js';
import { acceptFor, addressRecord, invalidNameRe, isHealthy, metaRecords, nodeAddress, shuffle } from './records.js';
import { ServiceAnswers } from './service-answers.js';
import { ReplyCache, cacheKey, type CacheKey } from './reply-cache.js';
import { srvTemplate } from './srv-template.js';
import { fitReply, trimTcp, trimUdp } from './trim.js';

export type Network = 'udp' | 'tcp';

export type Outcome =
  /** Send these bytes. `needs`: host names outside the domain the answer would resolve through the recursors. */
  | { kind: 'reply'; bytes: Uint8Array; needs: string[] }
  /** Forward the request to the recursors (a name outside the domain, or an unknown reverse name). */
  | { kind: 'recurse'; request: Message }
  /** Send nothing (not a request, or too short to answer). */
  | { kind: 'drop' };

export interface ResolverDeps {
  clock: Clock;
  rng: Rng;
}

/** Levels of CNAME-to-our-own-names resolution (Consul's maxRecursionLevelDefault). */
const recursionLevels = 3;
const udpBytesDefault = 512;
const tcpBytesMax = 65535;

/** State of one query as it is answered. */
export interface Query {
  req: Message;
  network: Network;
  /** External names the answer wanted (filled by CNAME resolution). */
  needs: string[];
  catalog: DnsCatalog;
  /**
   * Our own names already resolved for this query, by level and name: a thousand instances
   * pointing at one name resolve it once (Consul resolves it per instance).
   */
  cnames?: Map<string, readonly ResourceRecord[]>;
  /** Set when the reply is one of many possible (shuffled, or a failure that may pass): not cached as is. */
  volatile?: boolean;
  /** Address records a reply cache may shuffle again (see reply-cache.ts): all of them, before trimming. */
  shuffled?: ResourceRecord[];
  /** SRV instances (catalog order) and the order this reply put them in (see srv-template.ts). */
  srv?: { units: ReadonlyArray<{ answers: ResourceRecord[]; extra: ResourceRecord[] }>; order: number[] };
  /** The reply as sent. */
  reply?: Message;
}

/**
 * Whether `name` is `zone` or below it (both lower-case, fully qualified, presentation form):
 * the zone must start at a label, so the dot before it must not be escaped (`foo\.consul.` is
 * one label under the root).
 */
function inZone(name: string, zone: string): boolean {
  if (!name.endsWith(zone)) return false;
  if (name.length === zone.length) return true;
  let i = name.length - zone.length - 1;
  if (name[i] !== '.') return false;
  let backslashes = 0;
  while (--i >= 0 && name[i] === '\\') backslashes++;
  return backslashes % 2 === 0;
}

export class Resolver {
  private readonly encoder = new Encoder();
  private readonly cache = new ReplyCache();
  readonly services: ServiceAnswers;

  constructor(
    public config: DnsConfig,
    readonly catalog: DnsCatalog,
    private readonly deps: ResolverDeps,
  ) {
    this.services = new ServiceAnswers(this);
  }

  /**
   * Answers one request packet. `catalog` replaces the resolver's own for this request (the
   * server passes one that also knows what the recursors said about host names).
   */
  handle(packet: Uint8Array, network: Network, catalog: DnsCatalog = this.catalog): Outcome {
    const key = catalog === this.catalog ? cacheKey(packet, network) : undefined;
    if (key) {
      const hit = this.cache.reply(key, packet, catalog.version(), this.config, this.nowS(), this.deps.rng);
      if (hit) return { kind: 'reply', bytes: hit, needs: [] };
    }
    let header;
    try {
      header = decodeHeader(packet);
    } catch {
      return { kind: 'drop' }; // miekg: "they are sending crap; any reply can be used to amplify"
    }
    if (header.response) return { kind: 'drop' };
    const [qd, an, ns, ar] = decodeCounts(packet);
    if (header.opcode !== Opcode.QUERY && header.opcode !== Opcode.NOTIFY) return this.reject({ header, questions: [] }, Rcode.NOTIMP, network);
    if (qd !== 1 || an > 1 || ns > 1 || ar > 2) return this.reject({ header, questions: [] }, Rcode.FORMERR, network);
    const partial: Partial<Message> = {};
    let req: Message;
    try {
      req = decodeMessage(packet, partial);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      return this.reject({ header, questions: partial.questions ?? [] }, Rcode.FORMERR, network);
    }
    const q: Query = { req, network, needs: [], catalog };
    const out = this.route(q);
    if (key && out.kind === 'reply') this.remember(key, q, out);
    return out;
  }

  private nowS(): number {
    return Math.floor(this.deps.clock.nowMs() / 1000);
  }

  /** Keeps a reply for the next identical query, when it is the same for everyone. */
  private remember(key: CacheKey, q: Query, out: { bytes: Uint8Array; needs: string[] }): void {
    const m = q.reply;
    if (!m || out.needs.length > 0 || q.volatile) return;
    let soaSecond: number | undefined;
    for (const rr of [...m.answers, ...m.authorities]) if (rr.type === Type.SOA && 'serial' in rr) soaSecond = rr.serial;
    const version = q.catalog.version();
    if (q.srv) {
      if (m.header.truncated || m.answers.length !== q.srv.units.length) return;
      const srv = srvTemplate(q.srv.units, q.srv.order, out.bytes, key.answersAt);
      if (srv) this.cache.put(key, out.bytes, version, this.config, soaSecond, { srv });
      return;
    }
    if (!q.shuffled) {
      this.cache.put(key, out.bytes, version, this.config, soaSecond);
      return;
    }
    const records = q.shuffled;
    const recordBytes = records[0]!.type === Type.A ? 16 : 28;
    const template = this.encoder.encode({ ...m, answers: records }, !this.config.disableCompression);
    const keep = m.answers.length;
    const tail = out.bytes.length - key.answersAt - keep * recordBytes;
    // Only when the bytes are laid out as expected: fixed-size records, the same tail.
    if (tail < 0 || template.length !== key.answersAt + records.length * recordBytes + tail) return;
    this.cache.put(key, template, version, this.config, soaSecond, { shuffled: { count: records.length, keep, recordBytes } });
  }

  /** miekg's reply to a rejected message: its header flags, QR set, the rcode, no records. */
  private reject(req: Pick<Message, 'header' | 'questions'>, rcode: number, network: Network): Outcome {
    const header = { ...req.header, response: true, authoritative: false, zero: false, rcode };
    if (rcode === Rcode.FORMERR) header.opcode = Opcode.QUERY;
    const msg: Message = { header, questions: req.questions.slice(0, 1), answers: [], authorities: [], additionals: [] };
    return this.reply(msg, undefined, network, []);
  }

  /** The mux: the most specific zone of the question's name answers it. */
  private route(q: Query): Outcome {
    const name = q.req.questions[0]!.name.toLowerCase();
    const cfg = this.config;
    let zone = '';
    for (const z of [cfg.domain, cfg.altDomain, 'arpa.']) {
      if (z !== '' && z.length > zone.length && inZone(name, z)) zone = z;
    }
    if (zone === 'arpa.') return this.handlePtr(q);
    if (zone !== '') return this.handleQuery(q);
    if (cfg.recursion) return { kind: 'recurse', request: q.req };
    const m = replyTo(q.req);
    m.header.rcode = Rcode.REFUSED;
    q.reply = m;
    return this.reply(m, undefined, q.network, []);
  }

  private handleQuery(q: Query): Outcome {
    const m = this.startReply(q.req);
    switch (q.req.questions[0]!.type) {
      case Type.SOA: {
        const { ns, glue } = this.nameservers(q);
        m.answers.push(this.soa());
        m.authorities.push(...ns);
        m.additionals.push(...glue);
        break;
      }
      case Type.NS: {
        const { ns, glue } = this.nameservers(q);
        m.answers = ns;
        m.additionals = glue;
        break;
      }
      case Type.AXFR:
        m.header.rcode = Rcode.NOTIMP;
        break;
      default:
        this.dispatch(q, m, recursionLevels);
    }
    // Every answer is the same for all clients (only prepared queries, not in Muster, vary).
    return this.finish(q, m);
  }

  /** Reverse lookups: a node's address, else a service's, else the recursors. */
  private handlePtr(q: Query): Outcome {
    const m = this.startReply(q.req);
    const question = q.req.questions[0]!;
    if (question.type === Type.SOA) m.authorities.push(this.soa());
    const cfg = this.config;
    const dc = cfg.datacenter;
    const qName = question.name.toLowerCase();
    const ptr = (target: string): NameRR => ({ type: Type.PTR, name: question.name, ttl: 0, target });
    try {
      for (const n of q.catalog.nodes(dc)) {
        const ip = parseIP(n.address);
        if (ip && reverseName(ip) === qName) {
          m.answers.push(ptr(`${n.node}.node.${dc}.${cfg.domain}`));
          break;
        }
      }
      const wanted = m.answers.length === 0 ? ipFromReverse(qName) : undefined;
      if (wanted) {
        for (const s of q.catalog.services(dc)) {
          const ip = s.address === '' ? undefined : parseIP(s.address);
          if (ip && sameIP(ip, wanted)) {
            m.answers.push(ptr(`${s.service}.service.${dc}.${cfg.domain}`));
            break;
          }
        }
      }
    } catch (err) {
      if (!(err instanceof DnsLookupError)) throw err;
    }
    if (m.answers.length === 0) return { kind: 'recurse', request: q.req };
    return this.finish(q, m);
  }

  private startReply(req: Message): Message {
    const m = replyTo(req);
    m.header.authoritative = true;
    m.header.recursionAvailable = this.config.recursion;
    return m;
  }

  private finish(q: Query, m: Message): Outcome {
    setEdns(q.req, m);
    q.reply = m;
    return this.reply(m, ednsOf(q.req)?.udpSize, q.network, q.needs);
  }

  private reply(m: Message, ednsSize: number | undefined, network: Network, needs: string[]): Outcome {
    const compress = !this.config.disableCompression;
    try {
      return { kind: 'reply', bytes: fitReply(this.encoder, m, this.limitFor(network, ednsSize), compress), needs };
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      // A record the wire cannot carry (a name made longer than 255 octets): SERVFAIL, which
      // only echoes the question, instead of nothing (Consul fails to pack it and stays silent).
      const failed: Message = { header: { ...m.header, rcode: Rcode.SERVFAIL, truncated: false }, questions: m.questions, answers: [], authorities: [], additionals: m.additionals.filter((rr) => rr.type === Type.OPT) };
      return { kind: 'reply', bytes: fitReply(this.encoder, failed, this.limitFor(network, ednsSize), compress), needs: [] };
    }
  }

  /** The reply when every recursor failed (or there are none): SERVFAIL, RA set. */
  servfail(req: Message, network: Network): Uint8Array {
    const m = replyTo(req);
    m.header.rcode = Rcode.SERVFAIL;
    m.header.recursionAvailable = true;
    setEdns(req, m);
    const out = this.reply(m, ednsOf(req)?.udpSize, network, []);
    return out.kind === 'reply' ? out.bytes : new Uint8Array();
  }

  /**
   * A recursor's reply as the client gets it: as is when it fits the client's limit (the
   * recursor saw the client's own EDNS size), else cut to fit with TC set.
   */
  fitForwarded(reply: Uint8Array, request: Message, network: Network): Uint8Array {
    const limit = this.limitFor(network, ednsOf(request)?.udpSize);
    if (reply.length <= limit) return reply;
    try {
      return fitReply(this.encoder, decodeMessage(reply), limit, !this.config.disableCompression);
    } catch (err) {
      if (err instanceof WireError) return this.servfail(request, network);
      throw err;
    }
  }

  private limitFor(network: Network, ednsSize: number | undefined): number {
    return network === 'tcp' ? tcpBytesMax : Math.max(udpBytesDefault, Math.min(ednsSize ?? 0, tcpBytesMax));
  }

  /** Parses the name and answers it into `m`. */
  dispatch(q: Query, m: Message, levels: number): void {
    const cfg = this.config;
    const question = q.req.questions[0]!;
    const parsed = parseQueryName(question.name, question.type, cfg);
    switch (parsed.kind) {
      case 'invalid':
        this.nxdomain(m);
        break;
      case 'node':
        this.nodeLookup(q, m, parsed.datacenter, parsed.node, levels);
        break;
      case 'service':
        this.services.lookup(q, m, parsed.datacenter, parsed.service, parsed.tag, levels);
        break;
      case 'connect':
      case 'ingress':
      case 'query':
        // The service mesh and prepared queries are not in Muster: answered as Consul answers
        // a service without instances, or an unknown prepared query.
        this.nxdomain(m);
        break;
      case 'addr':
        if (parsed.ip) m.answers.push({ type: parsed.ip.length === 4 ? Type.A : Type.AAAA, name: parsed.ownerName, ttl: cfg.nodeTtlS, ip: parsed.ip });
        break;
    }
  }

  nxdomain(m: Message): void {
    m.authorities.push(this.soa());
    m.header.rcode = Rcode.NXDOMAIN;
  }

  /** Consul's soa(): serial is the current Unix time. */
  soa(): SoaRR {
    const cfg = this.config;
    return {
      type: Type.SOA,
      name: cfg.domain,
      ttl: cfg.soa.minttl,
      mname: `ns.${cfg.domain}`,
      rname: `hostmaster.${cfg.domain}`,
      serial: Math.floor(this.deps.clock.nowMs() / 1000) >>> 0,
      refresh: cfg.soa.refresh,
      retry: cfg.soa.retry,
      expire: cfg.soa.expire,
      minimum: cfg.soa.minttl,
    };
  }

  private nodeLookup(q: Query, m: Message, dc: string, name: string, levels: number): void {
    const question = q.req.questions[0]!;
    const qType = question.type;
    if (qType !== Type.ANY && qType !== Type.A && qType !== Type.AAAA && qType !== Type.TXT) return;
    let node: NodeEntry | undefined;
    try {
      node = q.catalog.node(dc, name);
    } catch (err) {
      return this.lookupFailed(q, m, err);
    }
    if (!node) return this.nxdomain(m);
    const cfg = this.config;
    if (qType !== Type.TXT) m.answers.push(...this.nodeRecords(q, node, qType, question.name, cfg.nodeTtlS, levels));
    if (cfg.nodeMetaTxt || qType === Type.TXT || qType === Type.ANY) {
      const target = qType === Type.TXT || qType === Type.ANY ? m.answers : m.additionals;
      target.push(...metaRecords(node, question.name, cfg.nodeTtlS));
    }
  }

  /** A failed catalog read: NXDOMAIN with the SOA for an unknown datacenter, else SERVFAIL. */
  lookupFailed(q: Query, m: Message, err: unknown): void {
    if (!(err instanceof DnsLookupError)) throw err;
    if (err.kind === 'no-dc') this.nxdomain(m);
    else m.header.rcode = Rcode.SERVFAIL;
    q.volatile = true;
  }

  /** A node's address records, or a CNAME (and what it resolves to) when its address is a host name. */
  nodeRecords(q: Query, node: NodeEntry, qType: number, name: string, ttl: number, levels: number): ResourceRecord[] {
    const addr = nodeAddress(node, acceptFor(qType));
    const ip = parseIP(addr);
    if (!ip) {
      const target = node.address.endsWith('.') ? node.address : `${node.address}.`;
      const cname: NameRR = { type: Type.CNAME, name, ttl, target };
      return [cname, ...this.resolveCname(q, target, levels)];
    }
    const rr = addressRecord(qType, ip, name, ttl);
    return rr ? [rr] : [];
  }

  /**
   * What a CNAME target resolves to: our own names by a nested lookup of type ANY (at most
   * `levels` deep), others through the recursors.
   */
  resolveCname(q: Query, name: string, levels: number): readonly ResourceRecord[] {
    const cfg = this.config;
    const lower = name.toLowerCase();
    if (lower.endsWith(`.${cfg.domain}`) || (cfg.altDomain !== '' && lower.endsWith(`.${cfg.altDomain}`))) {
      if (levels < 1) return [];
      q.cnames ??= new Map();
      const key = `${levels}\u0000${lower}`;
      const known = q.cnames.get(key);
      if (known) return known;
      const sub: Query = {
        req: { header: emptyHeader(), questions: [{ name, type: Type.ANY, class: 1 }], answers: [], authorities: [], additionals: [] },
        network: 'udp',
        needs: q.needs,
        catalog: q.catalog,
        cnames: q.cnames,
      };
      const m = replyTo(sub.req);
      this.dispatch(sub, m, levels - 1);
      q.cnames.set(key, m.answers);
      return m.answers;
    }
    if (!cfg.recursion) return [];
    const known = q.catalog.external(name);
    if (known) return known;
    if (!q.needs.includes(name)) q.needs.push(name);
    return [];
  }

  /** Up to three healthy servers as NS records of the domain, their addresses as glue. */
  private nameservers(q: Query): { ns: ResourceRecord[]; glue: ResourceRecord[] } {
    const cfg = this.config;
    let servers: CheckServiceNodeView[];
    try {
      servers = q.catalog.serviceNodes(cfg.datacenter, 'consul', '').filter((v) => isHealthy(v, cfg.onlyPassing));
    } catch (err) {
      if (err instanceof DnsLookupError) return { ns: [], glue: [] };
      throw err;
    }
    const ns: ResourceRecord[] = [];
    const glue: ResourceRecord[] = [];
    q.volatile = true;
    for (const v of shuffle(servers, (n) => this.deps.rng.int(n))) {
      if (invalidNameRe.test(v.node.node)) continue;
      const target = `${v.node.node}.node.${v.node.datacenter}.${cfg.domain}`.toLowerCase();
      ns.push({ type: Type.NS, name: cfg.domain, ttl: cfg.nodeTtlS, target });
      glue.push(...this.nodeRecords(q, v.node, Type.ANY, target, cfg.nodeTtlS, recursionLevels));
      if (ns.length >= 3) break;
    }
    return { ns, glue };
  }

  /**
   * Consul's trimDNSResponse. TC marks a trimmed answer when enable_truncate is on (Consul), and
   * also, always, when a client announced an EDNS buffer above 512 bytes and the answer did not
   * fit it: the client then asks again over TCP and gets everything, instead of a silently short
   * list (GH#375, GH#788). A client at 512 bytes gets udp_answer_limit answers, as in Consul.
   */
  trim(q: Query, m: Message): void {
    const cfg = this.config;
    const compress = !cfg.disableCompression;
    const edns = ednsOf(q.req);
    const trimmed =
      q.network === 'tcp'
        ? trimTcp(this.encoder, m, q.req.questions[0]!.type, compress)
        : trimUdp(this.encoder, m, edns?.udpSize, cfg.udpAnswerLimit, compress);
    const overBuffer = q.network === 'udp' && edns !== undefined && edns.udpSize > 512;
    if (trimmed && (cfg.enableTruncate || overBuffer)) m.header.truncated = true;
  }

  shuffle<T>(items: T[]): T[] {
    return shuffle(items, (n) => this.deps.rng.int(n));
  }
}
