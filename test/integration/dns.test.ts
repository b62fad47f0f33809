/**
 * The DNS interface of a real agent, asked by real clients: `dig` (bind9-dnsutils) over UDP and
 * TCP with and without EDNS, dnsmasq forwarding the domain to the agent, and a local upstream
 * server behind `recursors`.
 */
import { execFile, spawn } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, connect, type Server as TcpServer } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { Encoder, Type, decodeMessage, emptyHeader, type Message, type ResourceRecord } from '../../src/dns/index.js';
import { freePort, startAgent, uniqueLoopback, waitFor, within, type DevAgent } from '../helpers/process.js';

const execFileP = promisify(execFile);
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface DnsAgent extends DevAgent {
  dnsPort: number;
}

async function dnsAgent(args: string[] = []): Promise<DnsAgent> {
  const host = uniqueLoopback();
  const dnsPort = await freePort(host);
  const a = await startAgent(['-dev', '-log-level', 'info', '-dns-port', String(dnsPort), ...args], { host });
  cleanups.push(() => a.stop('SIGKILL'));
  return { ...a, dnsPort };
}

async function register(a: DevAgent, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(a.url('/v1/catalog/register'), { method: 'PUT', body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

/** `dig` with bounded tries and time; returns its whole output. */
async function dig(server: string, port: number, ...args: string[]): Promise<string> {
  const { stdout } = await execFileP('dig', [`@${server}`, '-p', String(port), '+nocookie', '+tries=1', '+time=5', ...args], { timeout: 20_000 });
  return stdout;
}

/** The records of one section of dig's output, as `name ttl class type data` lines, sorted. */
function section(out: string, name: 'ANSWER' | 'AUTHORITY' | 'ADDITIONAL'): string[] {
  const m = new RegExp(`;; ${name} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(out);
  return m ? m[1]!.split('\n').filter(Boolean).map((l) => l.split(/\s+/).join(' ')).sort() : [];
}

const status = (out: string): string => /status: (\w+)/.exec(out)?.[1] ?? '';
const flags = (out: string): string[] => (/;; flags: ([a-z ]+);/.exec(out)?.[1] ?? '').trim().split(' ');

async function webInstances(a: DevAgent, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    await register(a, {
      Node: `web-node-${i}`,
      Address: `10.3.0.${i}`,
      NodeMeta: { rack: `r${i % 3}` },
      Service: { ID: `web${i}`, Service: 'web', Port: 8000 + i, Tags: [i === 1 ? 'primary' : 'secondary'] },
      Check: { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' },
    });
  }
}

describe('DNS with dig', () => {
  it('resolves nodes, services, tags and SRV over UDP, and the agent itself', async () => {
    const a = await dnsAgent(['-node', 'agent-one']);
    await webInstances(a, 3);
    const node = await dig(a.host, a.dnsPort, 'web-node-2.node.consul');
    expect(status(node)).toBe('NOERROR');
    expect(flags(node)).toEqual(expect.arrayContaining(['qr', 'aa']));
    expect(section(node, 'ANSWER')).toEqual(['web-node-2.node.consul. 0 IN A 10.3.0.2']);
    expect(section(node, 'ADDITIONAL')).toEqual(['web-node-2.node.consul. 0 IN TXT "rack=r2"']);
    expect(section(await dig(a.host, a.dnsPort, 'agent-one.node.consul'), 'ANSWER')).toEqual([`agent-one.node.consul. 0 IN A ${a.host}`]);

    expect(section(await dig(a.host, a.dnsPort, 'WEB.service.CONSUL'), 'ANSWER')).toEqual([
      'WEB.service.CONSUL. 0 IN A 10.3.0.1',
      'WEB.service.CONSUL. 0 IN A 10.3.0.2',
      'WEB.service.CONSUL. 0 IN A 10.3.0.3',
    ]);
    expect(section(await dig(a.host, a.dnsPort, 'primary.web.service.consul'), 'ANSWER')).toEqual(['primary.web.service.consul. 0 IN A 10.3.0.1']);
    const srv = await dig(a.host, a.dnsPort, '_web._secondary.service.consul', 'SRV');
    expect(section(srv, 'ANSWER')).toEqual([
      '_web._secondary.service.consul. 0 IN SRV 1 1 8002 web-node-2.node.dc1.consul.',
      '_web._secondary.service.consul. 0 IN SRV 1 1 8003 web-node-3.node.dc1.consul.',
    ]);
    expect(section(srv, 'ADDITIONAL')).toEqual([
      'web-node-2.node.dc1.consul. 0 IN A 10.3.0.2',
      'web-node-2.node.dc1.consul. 0 IN TXT "rack=r2"',
      'web-node-3.node.dc1.consul. 0 IN A 10.3.0.3',
      'web-node-3.node.dc1.consul. 0 IN TXT "rack=r0"',
    ]);
    const missing = await dig(a.host, a.dnsPort, 'nope.service.consul');
    expect(status(missing)).toBe('NXDOMAIN');
    expect(section(missing, 'AUTHORITY')[0]).toMatch(/^consul\. 0 IN SOA ns\.consul\. hostmaster\.consul\. \d+ 3600 600 86400 0$/);
    expect(section(await dig(a.host, a.dnsPort, '-x', '10.3.0.3'), 'ANSWER')).toEqual(['3.0.3.10.in-addr.arpa. 0 IN PTR web-node-3.node.dc1.consul.']);
    expect(status(await dig(a.host, a.dnsPort, 'example.org'))).toBe('REFUSED');
  });

  it('limits answers without EDNS, fills the EDNS buffer, and sets TC so dig retries over TCP', async () => {
    const a = await dnsAgent();
    await webInstances(a, 40);
    const plain = await dig(a.host, a.dnsPort, '+noedns', 'web.service.consul');
    expect(section(plain, 'ANSWER')).toHaveLength(3);
    expect(flags(plain)).not.toContain('tc');
    expect(section(await dig(a.host, a.dnsPort, '+bufsize=4096', 'web.service.consul'), 'ANSWER')).toHaveLength(40);

    // 40 SRV answers with their extras do not fit 1232 bytes: TC, and dig asks again over TCP.
    const ignored = await dig(a.host, a.dnsPort, '+bufsize=1232', '+ignore', 'web.service.consul', 'SRV');
    expect(flags(ignored)).toContain('tc');
    expect(Number(/MSG SIZE {2}rcvd: (\d+)/.exec(ignored)?.[1])).toBeLessThanOrEqual(1232);
    const retried = await dig(a.host, a.dnsPort, '+bufsize=1232', 'web.service.consul', 'SRV');
    expect(retried).toContain('Truncated, retrying in TCP mode');
    expect(section(retried, 'ANSWER')).toHaveLength(40);
    expect(section(await dig(a.host, a.dnsPort, '+tcp', 'web.service.consul', 'SRV'), 'ANSWER')).toHaveLength(40);
  });

  it('follows dns_config: only_passing, TTLs, enable_truncate, the alt domain', async () => {
    const a = await dnsAgent([
      '-alt-domain',
      'alt',
      '-hcl',
      'dns_config { only_passing = true, enable_truncate = true, node_ttl = "10s", service_ttl = { "*" = "5s", "web" = "30s" } }',
    ]);
    await webInstances(a, 5);
    await register(a, { Node: 'web-node-5', Address: '10.3.0.5', Check: { CheckID: 'web5-check', Name: 'w', Status: 'warning', ServiceID: 'web5' } });
    const web = await dig(a.host, a.dnsPort, '+noedns', '+ignore', 'web.service.alt');
    expect(section(web, 'ANSWER')).toHaveLength(3);
    expect(section(web, 'ANSWER').every((l) => l.startsWith('web.service.alt. 30 IN A 10.3.0.'))).toBe(true);
    expect(flags(web)).toContain('tc');
    const all = await dig(a.host, a.dnsPort, '+tcp', 'web.service.consul');
    expect(section(all, 'ANSWER')).toHaveLength(4); // the warning instance is left out
    expect(section(await dig(a.host, a.dnsPort, 'web-node-1.node.consul'), 'ANSWER')).toEqual(['web-node-1.node.consul. 10 IN A 10.3.0.1']);
  });
});

describe('DNS and reload', () => {
  it('applies a changed dns_config on SIGHUP and keeps the old one when the new file is broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'muster-dns-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'dns.hcl');
    writeFileSync(file, 'dns_config { node_ttl = "3s" }\n');
    const a = await dnsAgent(['-node', 'reloaded', '-config-file', file]);
    const ttl = async (): Promise<string> => section(await dig(a.host, a.dnsPort, 'reloaded.node.consul'), 'ANSWER')[0]?.split(' ')[1] ?? '';
    expect(await ttl()).toBe('3');
    writeFileSync(file, 'dns_config { node_ttl = "7s" }\n');
    a.proc.child.kill('SIGHUP');
    await waitFor('the new node_ttl', async () => ((await ttl()) === '7' ? true : undefined));
    writeFileSync(file, 'recursors = ["dns.example"]\n');
    a.proc.child.kill('SIGHUP');
    await waitFor('the reload error', () => (a.proc.stderr().includes('Invalid recursor address: dns.example') ? true : undefined));
    expect(await ttl()).toBe('7');
  });
});

describe('DNS through other servers', () => {
  it('answers through dnsmasq forwarding the domain to the agent', async () => {
    const a = await dnsAgent();
    await webInstances(a, 1);
    const host = uniqueLoopback();
    const port = await freePort(host);
    const dnsmasq = spawn(
      'dnsmasq',
      ['--keep-in-foreground', '--no-daemon', '--user=root', `--port=${port}`, `--listen-address=${host}`, '--bind-interfaces', '--no-resolv', '--no-hosts', `--server=/consul/${a.host}#${a.dnsPort}`],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => dnsmasq.on('exit', resolve));
    cleanups.push(() => {
      dnsmasq.kill('SIGKILL');
      return within(exited, 5_000, 'dnsmasq exit');
    });
    const out = await waitFor('dnsmasq to forward', async () => {
      const o = await dig(host, port, 'web-node-1.node.consul');
      return status(o) === 'NOERROR' ? o : undefined;
    });
    expect(section(out, 'ANSWER')).toEqual(['web-node-1.node.consul. 0 IN A 10.3.0.1']);
  });

  it('forwards other names to the recursors (TCP when the answer is truncated) and resolves CNAME targets through them', async () => {
    const upstream = await fakeUpstream();
    const down = `${uniqueLoopback()}:${await freePort('127.0.0.1')}`;
    const a = await dnsAgent(['-recursor', down, '-recursor', `${upstream.host}:${upstream.port}`, '-hcl', 'dns_config { recursor_timeout = "500ms" }']);
    await register(a, { Node: 'n1', Address: '10.4.0.1', Service: { ID: 'ext', Service: 'ext', Port: 1, Address: 'www.example.org' } });

    const out = await dig(a.host, a.dnsPort, 'www.example.org');
    expect(status(out)).toBe('NOERROR');
    expect(flags(out)).toContain('ra');
    expect(section(out, 'ANSWER')).toEqual(['www.example.org. 300 IN A 192.0.2.10']);

    const big = await dig(a.host, a.dnsPort, '+noedns', 'big.example.org');
    expect(big).toContain('Truncated, retrying in TCP mode');
    expect(section(big, 'ANSWER')).toHaveLength(60);
    expect(upstream.tcpQueries()).toBeGreaterThan(0);

    const cname = await dig(a.host, a.dnsPort, 'ext.service.consul');
    expect(section(cname, 'ANSWER')).toEqual(['ext.service.consul. 0 IN CNAME www.example.org.', 'www.example.org. 0 IN A 192.0.2.10']);
    expect(status(await dig(a.host, a.dnsPort, 'missing.example.org'))).toBe('NXDOMAIN');
  });

  it('answers SERVFAIL when every recursor fails', async () => {
    const down = `${uniqueLoopback()}:${await freePort('127.0.0.1')}`;
    const a = await dnsAgent(['-recursor', down, '-hcl', 'dns_config { recursor_timeout = "300ms" }']);
    const out = await dig(a.host, a.dnsPort, 'example.org');
    expect(status(out)).toBe('SERVFAIL');
    expect(flags(out)).toContain('ra');
  });
});

describe('DNS over TCP', () => {
  it('answers pipelined queries on one connection, in order', async () => {
    const a = await dnsAgent(['-node', 'piped']);
    const names = ['piped.node.consul.', 'consul.service.consul.', 'nope.node.consul.'];
    const encoder = new Encoder();
    const frames = names.map((name, i) => {
      const q = encoder.encode({ header: { ...emptyHeader(100 + i), recursionDesired: true }, questions: [{ name, type: Type.A, class: 1 }], answers: [], authorities: [], additionals: [] });
      const len = Buffer.alloc(2);
      len.writeUInt16BE(q.length);
      return Buffer.concat([len, q]);
    });
    const replies = await new Promise<Message[]>((resolve, reject) => {
      const s = connect({ host: a.host, port: a.dnsPort }, () => s.write(Buffer.concat(frames)));
      let buf = Buffer.alloc(0);
      const out: Message[] = [];
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          out.push(decodeMessage(buf.subarray(2, 2 + buf.readUInt16BE(0))));
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
        if (out.length === names.length) {
          s.end();
          resolve(out);
        }
      });
      s.on('error', reject);
    });
    expect(replies.map((r) => [r.header.id, r.header.rcode, r.answers.length])).toEqual([
      [100, 0, 1],
      [101, 0, 1],
      [102, 3, 0],
    ]);
  });
});

describe('DNS under bad input', () => {
  it('keeps answering after garbage over UDP and TCP', async () => {
    const a = await dnsAgent();
    const udp = createSocket('udp4');
    cleanups.push(() => udp.close());
    for (const junk of [Buffer.alloc(0), Buffer.from([1, 2, 3]), Buffer.alloc(600, 0xff), Buffer.from('000001000001000000000000c00c00010001', 'hex')]) {
      udp.send(junk, a.dnsPort, a.host);
    }
    await new Promise<void>((resolve, reject) => {
      const s = connect({ host: a.host, port: a.dnsPort }, () => {
        s.write(Buffer.from([0xff, 0xff, 1, 2, 3]));
        s.end();
      });
      s.on('close', () => resolve());
      s.on('error', reject);
    });
    expect(status(await dig(a.host, a.dnsPort, 'consul', 'SOA'))).toBe('NOERROR');
    expect(status(await dig(a.host, a.dnsPort, '+tcp', 'consul', 'SOA'))).toBe('NOERROR');
  });
});

/**
 * A small authoritative server for example.org on UDP and TCP: `www` → 192.0.2.10, `big` → 60
 * A records (too many for 512 bytes: over UDP it answers with TC and no records), anything else
 * NXDOMAIN.
 */
async function fakeUpstream(): Promise<{ host: string; port: number; tcpQueries: () => number }> {
  const host = uniqueLoopback();
  const port = await freePort(host);
  const encoder = new Encoder();
  let tcpCount = 0;
  const answer = (packet: Buffer, tcp: boolean): Uint8Array => {
    const req = decodeMessage(packet);
    const q = req.questions[0]!;
    const reply: Message = { header: { ...req.header, response: true, recursionAvailable: true }, questions: [q], answers: [], authorities: [], additionals: [] };
    const a = (ip: number[]): ResourceRecord => ({ type: Type.A, name: q.name, ttl: 300, ip: Uint8Array.from(ip) });
    const name = q.name.toLowerCase();
    if (name === 'www.example.org.') reply.answers.push(a([192, 0, 2, 10]));
    else if (name === 'big.example.org.') {
      if (tcp) for (let i = 1; i <= 60; i++) reply.answers.push(a([192, 0, 3, i]));
      else reply.header.truncated = true;
    } else reply.header.rcode = 3;
    return encoder.encode(reply);
  };
  const udp: UdpSocket = createSocket('udp4');
  udp.on('message', (msg, rinfo) => udp.send(answer(msg, false), rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => udp.bind(port, host, resolve));
  const tcp: TcpServer = createServer((socket) => {
    socket.once('data', (data: Buffer) => {
      tcpCount++;
      const out = answer(data.subarray(2, 2 + data.readUInt16BE(0)), true);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(out.length);
      socket.end(Buffer.concat([len, out]));
    });
  });
  await new Promise<void>((resolve) => tcp.listen(port, host, resolve));
  cleanups.push(() => new Promise((r) => udp.close(() => r(undefined))));
  cleanups.push(() => new Promise((r) => tcp.close(() => r(undefined))));
  return { host, port, tcpQueries: () => tcpCount };
}
