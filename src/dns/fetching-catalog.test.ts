/**
 * A client agent's DNS: the DNS server answering from lookups sent to a server (FetchingCatalog,
 * in passes) must give the answers the server's own store gives, over a real UDP socket.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { MusterError, nullLogger } from '../lib/index.js';
import type { DnsLookupApi } from '../server/index.js';
import { DnsServer } from './server.js';
import { Resolver } from './resolver/resolver.js';
import { FetchingCatalog } from './fetching-catalog.js';
import { consulDnsDefaults } from './resolver/config.js';
import { SeededRng } from '../lib/index.js';
import { decodeMessage } from './wire/decode.js';
import { Rcode, Type, type Message } from './wire/message.js';
import { dnsFixture, lines, queryPacket, sampleCatalog, type DnsFixture } from './test-support.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A DNS server on 127.0.0.1 answering from `lookups`; returns a function that asks it. */
async function clientDns(f: DnsFixture, lookups: DnsLookupApi): Promise<(name: string, type: number) => Promise<Message>> {
  const resolver = new Resolver(consulDnsDefaults, new FetchingCatalog(lookups), { clock: f.h.clock, rng: new SeededRng(2) });
  const server = new DnsServer({ resolver, logger: nullLogger, recursors: [], recursorTimeoutMs: 1_000, lookups });
  const port = await server.listen('127.0.0.1', 0);
  const socket = createSocket('udp4');
  closers.push(() => server.close(), () => new Promise((resolve) => socket.close(() => resolve())));
  let id = 1;
  return (name, type) =>
    new Promise((resolve, reject) => {
      const packet = queryPacket(name, type, { id: ++id });
      const timer = setTimeout(() => reject(new Error(`no answer to ${name}`)), 5_000);
      const onMessage = (msg: Buffer): void => {
        const m = decodeMessage(msg);
        if (m.header.id !== id) return;
        clearTimeout(timer);
        socket.off('message', onMessage);
        resolve(m);
      };
      socket.on('message', onMessage);
      socket.send(packet, port, '127.0.0.1');
    });
}

/** The server's lookups, counted. */
function counted(f: DnsFixture): { lookups: DnsLookupApi; calls: string[] } {
  const calls: string[] = [];
  const real = f.h.server.dns;
  return {
    calls,
    lookups: {
      node: (dc, name) => (calls.push(`node ${name}`), real.node(dc, name)),
      serviceNodes: (dc, service) => (calls.push(`service ${service}`), real.serviceNodes(dc, service)),
      nodes: (dc) => (calls.push('nodes'), real.nodes(dc)),
      services: (dc) => (calls.push('services'), real.services(dc)),
    },
  };
}

const questions: Array<[string, number]> = [
  ['n1.node.consul.', Type.A],
  ['N1.node.dc1.consul.', Type.ANY],
  ['n1.node.consul.', Type.TXT],
  ['v6.node.consul.', Type.AAAA],
  ['ext.node.consul.', Type.A],
  ['db.1.node.consul.', Type.A],
  ['missing.node.consul.', Type.A],
  ['n1.node.dc9.consul.', Type.A],
  ['web.service.consul.', Type.A],
  ['web.service.consul.', Type.SRV],
  ['secondary.web.service.consul.', Type.SRV],
  ['_web._primary.service.consul.', Type.SRV],
  ['api.service.consul.', Type.A],
  ['nothing.service.consul.', Type.SRV],
  ['1.0.0.10.in-addr.arpa.', Type.PTR],
  ['3.1.1.10.in-addr.arpa.', Type.PTR],
  ['0a000001.addr.dc1.consul.', Type.A],
  ['consul.', Type.SOA],
];

describe('DNS on a client agent', () => {
  it('answers every question as the server would from its own store', async () => {
    const f = dnsFixture();
    await sampleCatalog(f);
    const ask = await clientDns(f, f.h.server.dns);
    for (const [name, type] of questions) {
      const want = f.ask(name, type);
      const got = await ask(name, type);
      const what = `${name} ${type}`;
      expect({ what, rcode: got.header.rcode, answers: lines(got.answers), extra: lines(got.additionals), ns: lines(got.authorities) }).toEqual({
        what,
        rcode: want.header.rcode,
        answers: lines(want.answers),
        extra: lines(want.additionals),
        ns: lines(want.authorities),
      });
    }
  });

  it('asks the server once per lookup the answer needs', async () => {
    const f = dnsFixture();
    await sampleCatalog(f);
    const { lookups, calls } = counted(f);
    const ask = await clientDns(f, lookups);
    await ask('web.service.consul.', Type.SRV);
    expect(calls).toEqual(['service web']);
    calls.length = 0;
    await ask('ext.node.consul.', Type.A);
    // ext's address is n1's name: a second pass looks n1 up.
    expect(calls).toEqual(['node ext', 'node n1']);
  });

  it('answers SERVFAIL when the servers cannot be reached, NXDOMAIN for an unknown datacenter', async () => {
    const f = dnsFixture();
    const failing: DnsLookupApi = {
      node: async (dc) => {
        if (dc === 'dc9') throw new MusterError('ERR_NO_PATH_TO_DC', 'No path to datacenter');
        throw new MusterError('ERR_RPC', 'No known Consul servers');
      },
      serviceNodes: async () => {
        throw new MusterError('ERR_RPC', 'No known Consul servers');
      },
      nodes: async () => [],
      services: async () => [],
    };
    const ask = await clientDns(f, failing);
    expect((await ask('n1.node.consul.', Type.A)).header.rcode).toBe(Rcode.SERVFAIL);
    expect((await ask('web.service.consul.', Type.SRV)).header.rcode).toBe(Rcode.SERVFAIL);
    expect((await ask('n1.node.dc9.consul.', Type.A)).header.rcode).toBe(Rcode.NXDOMAIN);
  });
});
