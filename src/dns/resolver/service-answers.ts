/**
 * Service lookups (Consul's serviceLookup, serviceNodeRecords, serviceSRVRecords and
 * nodeServiceRecords): healthy instances, shuffled, as A/AAAA (or CNAME for a host-name address)
 * records, or SRV records with the targets' addresses in the additional section.
 */
import type { CheckServiceNodeView } from '../../state/index.js';
import { Type, ednsOf, type Message, type ResourceRecord, type SrvRR } from '../wire/message.js';
import { serviceTtlS } from './config.js';
import { hexOf, parseIP } from './ip.js';
import { Accept, acceptFor, addressRecord, fqdn, isHealthy, metaRecords, nodeAddress, nodeFqdn, serviceAddress, srvWeight, withTtl } from './records.js';
import type { Query, Resolver } from './resolver.js';

/** Records resolved behind a host name that one instance may add without EDNS (maxRecurseRecords). */
const recurseRecordsMax = 5;
/**
 * With EDNS Consul adds them all; we stop at this many, so instances pointing at a large service
 * cannot build an answer of millions of records (a reply holds at most ~4,000 anyway).
 */
const recurseRecordsEdnsMax = 64;

type Records = [answers: ResourceRecord[], extra: ResourceRecord[]];
const none: Records = [[], []];

/** One SRV instance: its answer and its additional records. */
interface SrvUnit {
  answers: ResourceRecord[];
  extra: ResourceRecord[];
}

/** SRV answers kept for this many distinct questions at most. */
const srvUnitEntriesMax = 1024;

export class ServiceAnswers {
  private readonly units = new Map<string, { version: unknown; config: unknown; units: SrvUnit[] }>();

  constructor(private readonly r: Resolver) {}

  lookup(q: Query, m: Message, dc: string, service: string, tag: string, levels: number): void {
    const cfg = this.r.config;
    let views: CheckServiceNodeView[];
    try {
      views = q.catalog.serviceNodes(dc, service, tag).filter((v) => isHealthy(v, cfg.onlyPassing));
    } catch (err) {
      return this.r.lookupFailed(q, m, err);
    }
    if (views.length === 0) return this.r.nxdomain(m);
    const ttl = serviceTtlS(cfg, service);
    if (q.req.questions[0]!.type === Type.SRV) {
      // Built once per catalog version, shuffled per query (the reply cache may reorder it again).
      const units = this.srvUnits(q, dc, service, tag, views, ttl, levels);
      const order = this.r.shuffle(units.map((_, i) => i));
      for (const i of order) {
        m.answers.push(...units[i]!.answers);
        m.additionals.push(...units[i]!.extra);
      }
      q.srv = { units, order };
    } else {
      this.addressRecords(q, m, dc, this.r.shuffle(views), ttl, levels);
      // Address records of one type owned by the question can be shuffled again by the reply
      // cache (unless a_record_limit chose among them); anything else is one order among many.
      if (cfg.aRecordLimit === 0 && isShufflable(m, q.req.questions[0]!.name)) q.shuffled = m.answers.slice();
      else q.volatile = true;
    }
    this.r.trim(q, m);
    if (m.answers.length === 0 && !m.header.truncated) m.authorities.push(this.r.soa());
  }

  /** One answer per distinct address; host-name instances only when no instance has an address. */
  private addressRecords(q: Query, m: Message, dc: string, views: CheckServiceNodeView[], ttl: number, levels: number): void {
    const seen = new Set<string | number>();
    let cname: ResourceRecord[] | undefined;
    let count = 0;
    const limit = this.r.config.aRecordLimit;
    for (const v of views) {
      const [records] = this.instanceRecords(q, dc, v, ttl, levels);
      const first = records[0];
      if (!first) continue;
      const key = recordKey(first);
      if (seen.has(key)) continue;
      seen.add(key);
      if (first.type === Type.CNAME) {
        cname ??= records;
        continue;
      }
      m.answers.push(...records);
      if (++count === limit) return;
    }
    if (m.answers.length === 0 && cname) m.answers.push(...cname);
  }

  /**
   * Each instance's SRV answer and extras (its address, its node's meta), duplicates (same node,
   * address and port) left out. Kept while the catalog and the config stay the same.
   */
  private srvUnits(q: Query, dc: string, service: string, tag: string, views: CheckServiceNodeView[], ttl: number, levels: number): readonly SrvUnit[] {
    const cfg = this.r.config;
    const version = q.catalog.version();
    const key = `${dc}\u0000${service}\u0000${tag}\u0000${q.req.questions[0]!.name}\u0000${ednsOf(q.req) ? 1 : 0}`;
    const kept = this.units.get(key);
    if (kept && version !== undefined && kept.version === version && kept.config === cfg) return kept.units;
    const needsBefore = q.needs.length;
    const units: SrvUnit[] = [];
    const seen = new Set<string>();
    for (const v of views) {
      const tuple = `${v.node.node}:${serviceAddress(v, Accept.Any)}:${v.service.port}`;
      if (seen.has(tuple)) continue;
      seen.add(tuple);
      const [answers, extra] = this.instanceRecords(q, dc, v, ttl, levels);
      units.push({ answers, extra: cfg.nodeMetaTxt ? [...extra, ...metaRecords(v.node, nodeFqdn(v.node, dc, cfg.domain), ttl)] : extra });
    }
    // Built from what the recursors have not said yet: not kept.
    if (version !== undefined && q.needs.length === needsBefore) {
      if (this.units.size >= srvUnitEntriesMax) this.units.clear();
      this.units.set(key, { version, config: cfg, units });
    }
    return units;
  }

  /** Consul's nodeServiceRecords: which address an instance is reached at, and its records. */
  private instanceRecords(q: Query, dc: string, v: CheckServiceNodeView, ttl: number, levels: number): Records {
    const qType = q.req.questions[0]!.type;
    const accept = acceptFor(qType);
    const svcAddr = serviceAddress(v, accept);
    const nodeAddr = nodeAddress(v.node, accept);
    if (svcAddr === '' && nodeAddr === '') return none;
    const nodeIP = parseIP(nodeAddr);
    if (svcAddr === '') {
      if (!nodeIP) return this.fromHostName(q, v, nodeAddr, ttl, levels);
      const target = v.node.address !== nodeAddr ? this.addrName(dc, nodeIP) : nodeFqdn(v.node, dc, this.r.config.domain);
      return this.fromIP(q, v, nodeIP, target, ttl);
    }
    const svcIP = parseIP(svcAddr);
    if (svcIP) return this.fromIP(q, v, svcIP, this.addrName(dc, svcIP), ttl);
    // A service address naming the very service asked for: use the node's address.
    if (fqdn(svcAddr) === q.req.questions[0]!.name && nodeIP) {
      return this.fromIP(q, v, nodeIP, nodeFqdn(v.node, dc, this.r.config.domain), ttl);
    }
    return this.fromHostName(q, v, svcAddr, ttl, levels);
  }

  private addrName(dc: string, ip: Uint8Array): string {
    return `${hexOf(ip)}.addr.${dc}.${this.r.config.domain}`;
  }

  /** An address record for the question, or for SRV one SRV answer to `target` with the address as extra. */
  private fromIP(q: Query, v: CheckServiceNodeView, ip: Uint8Array, target: string, ttl: number): Records {
    const question = q.req.questions[0]!;
    if (question.type === Type.SRV) {
      const rr = addressRecord(question.type, ip, target, ttl);
      return rr ? [[this.srv(q, v, target, ttl)], [rr]] : none;
    }
    const rr = addressRecord(question.type, ip, question.name, ttl);
    return rr ? [[rr], []] : none;
  }

  /** A host-name address: a CNAME (or SRV target) plus what the name resolves to. */
  private fromHostName(q: Query, v: CheckServiceNodeView, host: string, ttl: number, levels: number): Records {
    const question = q.req.questions[0]!;
    const target = fqdn(host);
    const edns = ednsOf(q.req) !== undefined;
    const extra: ResourceRecord[] = [];
    for (const rr of this.r.resolveCname(q, target, levels)) {
      if (rr.type !== Type.CNAME && rr.type !== Type.A && rr.type !== Type.AAAA) continue;
      extra.push(withTtl(rr, ttl));
      if (extra.length === (edns ? recurseRecordsEdnsMax : recurseRecordsMax)) break;
    }
    if (question.type === Type.SRV) return [[this.srv(q, v, target, ttl)], extra];
    return [[{ type: Type.CNAME, name: question.name, ttl, target }, ...extra], []];
  }

  private srv(q: Query, v: CheckServiceNodeView, target: string, ttl: number): SrvRR {
    return { type: Type.SRV, name: q.req.questions[0]!.name, ttl, priority: 1, weight: srvWeight(v), port: v.service.port, target };
  }
}

function isShufflable(m: Message, name: string): boolean {
  const first = m.answers[0];
  if (!first || (first.type !== Type.A && first.type !== Type.AAAA) || m.additionals.length > 0 || m.authorities.length > 0) return false;
  return m.answers.every((rr) => rr.type === first.type && rr.name === name);
}

/** What makes two answers duplicates (Consul compares the records' text: same owner, so type and data). */
function recordKey(rr: ResourceRecord): string | number {
  if ('ip' in rr) {
    const ip = rr.ip;
    if (ip.length === 4) return ((ip[0]! << 24) | (ip[1]! << 16) | (ip[2]! << 8) | ip[3]!) >>> 0;
    let hex = '6:';
    for (const b of ip) hex += b.toString(16);
    return hex;
  }
  if ('target' in rr) return `${rr.type}|${rr.target}`;
  return `${rr.type}`;
}
