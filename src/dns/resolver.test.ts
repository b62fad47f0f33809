import { describe, expect, it } from 'vitest';
import { decodeMessage } from './wire/decode.js';
import { Rcode, Type } from './wire/message.js';
import { dnsFixture, lines, sampleCatalog, type DnsFixture } from './test-support.js';

async function fixture(config: Parameters<typeof dnsFixture>[0] = {}): Promise<DnsFixture> {
  const f = dnsFixture(config);
  await sampleCatalog(f);
  return f;
}

describe('node lookups', () => {
  it('answers A with the meta as TXT in the additional section, case-insensitively, with or without the datacenter', async () => {
    const f = await fixture();
    for (const name of ['n1.node.consul.', 'N1.Node.Consul.', 'n1.node.dc1.consul.']) {
      const r = f.ask(name);
      expect(r.header.rcode).toBe(Rcode.NOERROR);
      expect(r.header.authoritative).toBe(true);
      expect(lines(r.answers)).toEqual([`${name} 0 A 10.0.0.1`]);
      expect(lines(r.additionals)).toEqual([`${name} 0 TXT "rack=r1"`, `${name} 0 TXT "raw=text"`]);
    }
  });

  it('joins labels into a node name with dots', async () => {
    const f = await fixture();
    expect(lines(f.ask('db.1.node.consul.').answers)).toEqual(['db.1.node.consul. 0 A 10.0.0.3']);
  });

  it('answers TXT and ANY with the meta in the answer section', async () => {
    const f = await fixture();
    expect(lines(f.ask('n1.node.consul.', Type.TXT).answers)).toEqual(['n1.node.consul. 0 TXT "rack=r1"', 'n1.node.consul. 0 TXT "raw=text"']);
    expect(lines(f.ask('n1.node.consul.', Type.ANY).answers)).toEqual([
      'n1.node.consul. 0 A 10.0.0.1',
      'n1.node.consul. 0 TXT "rack=r1"',
      'n1.node.consul. 0 TXT "raw=text"',
    ]);
  });

  it('gives AAAA for an IPv6 node, and an empty NOERROR without SOA for a type it does not have', async () => {
    const f = await fixture();
    expect(lines(f.ask('v6.node.consul.', Type.AAAA).answers)).toEqual(['v6.node.consul. 0 AAAA 20010db8000000000000000000000001']);
    const none = f.ask('v6.node.consul.', Type.A);
    expect([none.header.rcode, none.answers.length, none.authorities.length]).toEqual([Rcode.NOERROR, 0, 0]);
    const mx = f.ask('n1.node.consul.', Type.MX);
    expect([mx.header.rcode, mx.answers.length, mx.authorities.length, mx.additionals.length]).toEqual([Rcode.NOERROR, 0, 0, 0]);
  });

  it('answers a host-name address with a CNAME, resolving our own names', async () => {
    const f = await fixture();
    expect(lines(f.ask('ext.node.consul.').answers)).toEqual(['ext.node.consul. 0 CNAME n1.node.consul.', 'n1.node.consul. 0 A 10.0.0.1', 'n1.node.consul. 0 TXT "rack=r1"', 'n1.node.consul. 0 TXT "raw=text"']);
  });

  it('is NXDOMAIN with the SOA for an unknown node, a wrong datacenter and a malformed name', async () => {
    const f = await fixture();
    for (const name of ['nope.node.consul.', 'n1.node.dc2.consul.', 'n1.node.a.b.consul.', 'consul.', 'foo.consul.', 'node.consul.']) {
      const r = f.ask(name);
      expect(r.header.rcode, name).toBe(Rcode.NXDOMAIN);
      expect(lines(r.authorities), name).toEqual(['consul. 0 SOA ns.consul. hostmaster.consul. 3600 600 86400 0']);
    }
  });
});

describe('service lookups', () => {
  it('leaves out critical instances and keeps warning ones; only_passing drops those too', async () => {
    const f = await fixture({ udpAnswerLimit: 8 });
    expect(lines(f.ask('web.service.consul.').answers)).toEqual([
      'web.service.consul. 0 A 10.0.0.1',
      'web.service.consul. 0 A 10.0.0.2',
      'web.service.consul. 0 A 10.1.1.3',
    ]);
    expect(f.ask('api.service.consul.').header.rcode).toBe(Rcode.NXDOMAIN);
    const strict = await fixture({ onlyPassing: true });
    expect(lines(strict.ask('web.service.consul.').answers)).toEqual(['web.service.consul. 0 A 10.0.0.1', 'web.service.consul. 0 A 10.0.0.2']);
  });

  it('leaves out instances on a node in maintenance and instances in maintenance', async () => {
    const f = await fixture();
    await f.register({ Node: 'n1', Address: '10.0.0.1', Check: { CheckID: '_node_maintenance', Name: 'Node Maintenance Mode', Status: 'critical' } });
    await f.register({ Node: 'n2', Address: '10.0.0.2', Check: { CheckID: '_service_maintenance:web2', Name: 'Service Maintenance Mode', Status: 'critical', ServiceID: 'web2' } });
    expect(lines(f.ask('web.service.consul.').answers)).toEqual(['web.service.consul. 0 A 10.1.1.3']);
  });

  it('filters by tag (dots allowed, case-insensitive) and by the RFC 2782 form', async () => {
    const f = await fixture();
    expect(lines(f.ask('primary.web.service.consul.').answers)).toEqual(['primary.web.service.consul. 0 A 10.0.0.1']);
    expect(lines(f.ask('v1.2.web.service.consul.').answers)).toEqual(['v1.2.web.service.consul. 0 A 10.0.0.1']);
    expect(f.ask('SECONDARY.web.service.consul.').answers).toHaveLength(2);
    expect(f.ask('_web._secondary.service.consul.', Type.SRV).answers).toHaveLength(2);
    expect(f.ask('_web._tcp.service.consul.', Type.SRV).answers).toHaveLength(3);
    // For SRV the `service` label may be left out.
    expect(f.ask('_web._tcp.consul.', Type.SRV).answers).toHaveLength(3);
    expect(f.ask('nope.web.service.consul.').header.rcode).toBe(Rcode.NXDOMAIN);
  });

  it('answers SRV with node or addr targets, weights by health, and the addresses and meta as extras', async () => {
    const f = await fixture();
    const r = f.ask('web.service.consul.', Type.SRV, { edns: 4096 });
    expect(lines(r.answers)).toEqual([
      'web.service.consul. 0 SRV 1 1 80 n1.node.dc1.consul.',
      'web.service.consul. 0 SRV 1 1 81 n2.node.dc1.consul.',
      'web.service.consul. 0 SRV 1 1 82 0a010103.addr.dc1.consul.',
    ]);
    expect(lines(r.additionals)).toEqual([
      '. OPT udp=4096',
      '0a010103.addr.dc1.consul. 0 A 10.1.1.3',
      'n1.node.dc1.consul. 0 A 10.0.0.1',
      'n1.node.dc1.consul. 0 TXT "rack=r1"',
      'n1.node.dc1.consul. 0 TXT "raw=text"',
      'n2.node.dc1.consul. 0 A 10.0.0.2',
    ]);
    // Weights: passing instances 1 (the default), the warning one Weights.Warning.
    const weights = f.ask('secondary.web.service.consul.', Type.SRV).answers.map((rr) => ('weight' in rr ? rr.weight : -1));
    expect(weights.sort()).toEqual([1, 1]);
  });

  it('answers a host-name service address with a CNAME (and SOA on NODATA)', async () => {
    const f = await fixture();
    const r = f.ask('alias.service.consul.');
    expect(lines(r.answers)).toEqual(['alias.service.consul. 0 CNAME example.com.']);
    const mx = f.ask('web.service.consul.', Type.MX);
    expect([mx.header.rcode, mx.answers.length]).toEqual([Rcode.NOERROR, 0]);
    expect(lines(mx.authorities)).toEqual(['consul. 0 SOA ns.consul. hostmaster.consul. 3600 600 86400 0']);
  });

  it('resolves a name many instances point to once per query', async () => {
    const f = dnsFixture({ udpAnswerLimit: 8 });
    for (let i = 1; i <= 50; i++) {
      await f.register({ Node: `b${i}`, Address: `10.5.0.${i}`, Service: { ID: 'back', Service: 'back', Port: 1 } });
      await f.register({ Node: `f${i}`, Address: `10.6.0.${i}`, Service: { ID: 'front', Service: 'front', Port: 1, Address: 'back.service.consul' } });
    }
    const inner = f.resolver.catalog;
    let backReads = 0;
    const counting = { ...inner, node: inner.node.bind(inner), nodes: inner.nodes.bind(inner), services: inner.services.bind(inner), external: inner.external.bind(inner), version: () => undefined,
      serviceNodes: (dc: string, service: string, tag: string) => {
        if (service === 'back') backReads++;
        return inner.serviceNodes(dc, service, tag);
      } };
    const out = f.resolver.handle(f.packet('front.service.consul.', Type.SRV, { edns: 4096 }), 'udp', counting);
    expect(out.kind).toBe('reply');
    expect(backReads).toBe(1);
  });

  it('asks the recursors about an outside host name and uses what they say', async () => {
    const f = await fixture({ recursion: true });
    const first = f.resolver.handle(f.packet('alias.service.consul.', Type.A), 'udp');
    expect(first.kind === 'reply' && first.needs).toEqual(['example.com.']);
  });

  it('shuffles the answers on every query', async () => {
    const f = await fixture({ udpAnswerLimit: 8 });
    const orders = new Set<string>();
    for (let i = 0; i < 30; i++) orders.add(f.ask('web.service.consul.').answers.map((rr) => ('ip' in rr ? rr.ip.join('.') : '')).join(','));
    expect(orders.size).toBeGreaterThan(1);
  });

  it('uses service_ttl (exact, then the longest prefix*) and node_ttl', async () => {
    const f = await fixture({ nodeTtlS: 7, serviceTtlS: new Map([['*', 5], ['we*', 6], ['web', 30]]) });
    expect(f.ask('web.service.consul.').answers[0]!.type === Type.A && f.ask('web.service.consul.').answers.every((rr) => 'ttl' in rr && rr.ttl === 30)).toBe(true);
    expect(f.ask('alias.service.consul.').answers.every((rr) => 'ttl' in rr && rr.ttl === 5)).toBe(true);
    expect(f.ask('n1.node.consul.').answers.every((rr) => 'ttl' in rr && rr.ttl === 7)).toBe(true);
  });
});

describe('other names', () => {
  it('answers <hex>.addr with the address it encodes', async () => {
    const f = await fixture();
    expect(lines(f.ask('0a010103.addr.dc1.consul.').answers)).toEqual(['0a010103.addr.dc1.consul. 0 A 10.1.1.3']);
    expect(lines(f.ask('20010db8000000000000000000000001.addr.dc1.consul.', Type.AAAA).answers)).toEqual([
      '20010db8000000000000000000000001.addr.dc1.consul. 0 AAAA 20010db8000000000000000000000001',
    ]);
    expect(f.ask('0a01010g.addr.dc1.consul.').header.rcode).toBe(Rcode.NXDOMAIN);
  });

  it('answers reverse lookups for node and service addresses', async () => {
    const f = await fixture();
    expect(lines(f.ask('1.0.0.10.in-addr.arpa.', Type.PTR).answers)).toEqual(['1.0.0.10.in-addr.arpa. 0 PTR n1.node.dc1.consul.']);
    expect(lines(f.ask('3.1.1.10.in-addr.arpa.', Type.PTR).answers)).toEqual(['3.1.1.10.in-addr.arpa. 0 PTR web.service.dc1.consul.']);
    const v6 = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.';
    expect(lines(f.ask(v6, Type.PTR).answers)).toEqual([`${v6} 0 PTR v6.node.dc1.consul.`]);
    const unknown = f.resolver.handle(f.packet('9.9.9.9.in-addr.arpa.', Type.PTR), 'udp');
    expect(unknown.kind).toBe('recurse');
  });

  it('answers SOA with NS and glue, NS with up to three servers', async () => {
    const f = await fixture();
    await f.register({ Node: 'n1', Address: '10.0.0.1', Service: { ID: 'consul', Service: 'consul', Port: 8300 } });
    const soa = f.ask('consul.', Type.SOA);
    expect(lines(soa.answers)).toEqual(['consul. 0 SOA ns.consul. hostmaster.consul. 3600 600 86400 0']);
    expect(lines(soa.authorities)).toEqual(['consul. 0 NS n1.node.dc1.consul.']);
    expect(lines(soa.additionals)).toEqual(['n1.node.dc1.consul. 0 A 10.0.0.1']);
    expect(lines(f.ask('consul.', Type.NS).answers)).toEqual(['consul. 0 NS n1.node.dc1.consul.']);
  });

  it('refuses AXFR (NOTIMP) and names outside the domain without recursors (REFUSED)', async () => {
    const f = await fixture();
    expect(f.ask('consul.', Type.AXFR, { network: 'tcp' }).header.rcode).toBe(Rcode.NOTIMP);
    const r = f.ask('example.org.');
    expect([r.header.rcode, r.header.authoritative]).toEqual([Rcode.REFUSED, false]);
    const withRecursors = dnsFixture({ recursion: true });
    expect(withRecursors.resolver.handle(withRecursors.packet('example.org.', Type.A), 'udp').kind).toBe('recurse');
  });

  it('answers the alt domain too', async () => {
    const f = await fixture({ altDomain: 'alt.' });
    expect(lines(f.ask('n1.node.alt.').answers)).toEqual(['n1.node.alt. 0 A 10.0.0.1']);
    expect(f.ask('web.service.alt.').answers.length).toBeGreaterThan(0);
  });
});

describe('sizes', () => {
  async function many(f: DnsFixture, n: number): Promise<void> {
    for (let i = 1; i <= n; i++) {
      await f.register({ Node: `node-with-a-longish-name-${i}`, Address: `10.2.${i >> 8}.${i & 255}`, Service: { ID: `big${i}`, Service: 'big', Port: 1000 + i } });
    }
  }

  it('gives a client without EDNS udp_answer_limit answers, TC only with enable_truncate', async () => {
    const f = dnsFixture();
    await many(f, 12);
    const r = f.ask('big.service.consul.');
    expect([r.answers.length, r.header.truncated]).toEqual([3, false]);
    f.resolver.config = { ...f.resolver.config, enableTruncate: true };
    const t = f.ask('big.service.consul.');
    expect([t.answers.length, t.header.truncated]).toEqual([3, true]);
  });

  it('fills an EDNS buffer and sets TC when the rest does not fit; TCP carries everything', async () => {
    const f = dnsFixture();
    await many(f, 60);
    const all = f.ask('big.service.consul.', Type.SRV, { network: 'tcp' });
    expect(all.answers).toHaveLength(60);
    expect(all.header.truncated).toBe(false);
    const udp = f.ask('big.service.consul.', Type.SRV, { edns: 1232 });
    expect(udp.size).toBeLessThanOrEqual(1232);
    expect(udp.answers.length).toBeGreaterThan(3);
    expect(udp.answers.length).toBeLessThan(60);
    expect(udp.header.truncated).toBe(true);
    // Every SRV answer kept has its address in the additional section.
    const extras = new Set(udp.additionals.map((rr) => rr.name));
    for (const rr of udp.answers) expect(extras.has('target' in rr ? rr.target : '')).toBe(true);
  });

  it('never sends more than 512 bytes to a client without EDNS', async () => {
    const f = dnsFixture({ udpAnswerLimit: 8 });
    const meta = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key${i}`, 'v'.repeat(40)]));
    await f.register({ Node: 'fat', Address: '10.9.9.9', NodeMeta: meta });
    const r = f.ask('fat.node.consul.');
    expect(r.size).toBeLessThanOrEqual(512);
    expect(r.header.truncated).toBe(true);
    expect(lines(r.answers)).toEqual(['fat.node.consul. 0 A 10.9.9.9']);
  });

  it('compresses names: a 10-instance answer is far smaller than its names written out', async () => {
    const f = dnsFixture({ udpAnswerLimit: 8 });
    await many(f, 10);
    const r = f.ask('big.service.consul.', Type.A, { edns: 4096 });
    // 12 header + 24 question + 10 × (2 pointer + 10 fixed + 4 address) + 11 OPT
    expect(r.size).toBe(12 + 24 + 10 * 16 + 11);
  });

  it('echoes EDNS with the client subnet option at scope 0', async () => {
    const f = await fixture();
    const ecs = { code: 8, data: Uint8Array.from([0, 1, 24, 0, 192, 168, 1]) };
    const r = f.ask('n1.node.consul.', Type.A, { edns: 1400, ednsOptions: [ecs] });
    const opt = r.additionals.find((rr) => rr.type === Type.OPT);
    expect(opt && 'udpSize' in opt ? [opt.udpSize, [...opt.options[0]!.data]] : undefined).toEqual([1400, [0, 1, 24, 0, 192, 168, 1]]);
  });
});

describe('replies kept between queries', () => {
  it('answers a repeated query again from the kept reply: its ID and RD, a fresh order, the same cut', async () => {
    const f = dnsFixture();
    for (let i = 1; i <= 12; i++) await f.register({ Node: `k${i}`, Address: `10.7.0.${i}`, Service: { ID: 'kept', Service: 'kept', Port: 1 } });
    const subsets = new Set<string>();
    for (let id = 1; id <= 40; id++) {
      const out = f.resolver.handle(f.packet('kept.service.consul.', Type.A, { id }), 'udp');
      const r = decodeMessage(out.kind === 'reply' ? out.bytes : new Uint8Array());
      expect([r.header.id, r.header.recursionDesired, r.answers.length, r.header.truncated]).toEqual([id, true, 3, false]);
      expect(new Set(r.answers.map((rr) => ('ip' in rr ? rr.ip.join('.') : ''))).size).toBe(3);
      subsets.add(lines(r.answers).join());
    }
    expect(subsets.size).toBeGreaterThan(10);
    const noRd = f.packet('kept.service.consul.', Type.A, { id: 77 });
    noRd[2] = noRd[2]! & 0xfe;
    const out = f.resolver.handle(noRd, 'udp');
    expect(out.kind === 'reply' && decodeMessage(out.bytes).header.recursionDesired).toBe(false);
  });

  it('puts kept SRV replies together in a fresh order, each target with its own address', async () => {
    const f = dnsFixture();
    for (let i = 1; i <= 8; i++) {
      await f.register({ Node: `s${i}`, Address: `10.8.0.${i}`, NodeMeta: { idx: String(i) }, Service: { ID: 'srv', Service: 'srv', Port: 9000 + i } });
    }
    const orders = new Set<string>();
    for (let id = 1; id <= 20; id++) {
      const r = f.ask('srv.service.consul.', Type.SRV, { edns: 4096, id });
      expect(r.header.id).toBe(id);
      const targets = r.answers.map((rr) => ('target' in rr ? rr.target : ''));
      orders.add(targets.join());
      expect(targets).toHaveLength(8);
      for (const rr of r.answers) {
        const i = 'port' in rr ? rr.port - 9000 : 0;
        expect('target' in rr && rr.target).toBe(`s${i}.node.dc1.consul.`);
        expect(lines(r.additionals.filter((x) => x.name === `s${i}.node.dc1.consul.`))).toEqual([`s${i}.node.dc1.consul. 0 A 10.8.0.${i}`, `s${i}.node.dc1.consul. 0 TXT "idx=${i}"`]);
      }
    }
    expect(orders.size).toBeGreaterThan(10);
  });

  it('forgets kept replies when the catalog changes, and replies with an SOA when the second turns', async () => {
    const f = await fixture();
    expect(f.ask('n9.node.consul.').header.rcode).toBe(Rcode.NXDOMAIN);
    expect(f.ask('n9.node.consul.').header.rcode).toBe(Rcode.NXDOMAIN);
    await f.register({ Node: 'n9', Address: '10.0.0.9' });
    expect(lines(f.ask('n9.node.consul.').answers)).toEqual(['n9.node.consul. 0 A 10.0.0.9']);
    const serial = (): number => {
      const soa = f.ask('nope.node.consul.').authorities[0]!;
      return 'serial' in soa ? soa.serial : -1;
    };
    const before = serial();
    expect(serial()).toBe(before);
    f.h.clock.advance(1000);
    expect(serial()).toBe(before + 1);
  });
});

describe('bad packets', () => {
  it('drops replies and runts, answers bad counts with FORMERR and other opcodes with NOTIMP', async () => {
    const f = await fixture();
    const good = f.packet('n1.node.consul.', Type.A);
    expect(f.resolver.handle(good.slice(0, 11), 'udp').kind).toBe('drop');
    const reply = good.slice();
    reply[2]! |= 0x80;
    expect(f.resolver.handle(reply, 'udp').kind).toBe('drop');
    const twoQuestions = good.slice();
    twoQuestions[5] = 2;
    const r = f.resolver.handle(twoQuestions, 'udp');
    expect(r.kind === 'reply' && r.bytes[3]! & 0xf).toBe(Rcode.FORMERR);
    const update = good.slice();
    update[2] = (update[2]! & 0x87) | (5 << 3);
    const u = f.resolver.handle(update, 'udp');
    expect(u.kind === 'reply' && u.bytes[3]! & 0xf).toBe(Rcode.NOTIMP);
    const cut = f.resolver.handle(good.slice(0, good.length - 3), 'udp');
    expect(cut.kind === 'reply' && [cut.bytes[0], cut.bytes[1], cut.bytes[3]! & 0xf]).toEqual([0x12, 0x34, Rcode.FORMERR]);
  });
});
