/**
 * Muster against what Consul 1.8.7 answered, transcript for transcript: the battery of
 * test/dns-compat/ (≈190 dig queries over UDP and TCP, EDNS on and off, tags, SRV, PTR, addr,
 * the alt domain, truncation, recursors, a dnsmasq forwarder) run against `bin/muster` with the
 * config and catalog Consul had, and compared byte for byte with expected/consul-1.8.7/.
 *
 * The transcripts name their addresses, so this test uses the ones they were recorded with:
 * the agent on 127.0.0.41 (ports 345xx/346xx/343xx), upstream and forwarder dnsmasq on
 * 127.0.0.42:34653–34654. uniqueLoopback() never hands out 127.0.0.40–49, so no other test
 * shares them. The recursor-failure configs (c, d) compare timings and are left to record.sh.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot, run, waitFor, within, type Proc } from '../helpers/process.js';

const execFileP = promisify(execFile);
const dir = `${repoRoot}test/dns-compat`;
const agentIP = '127.0.0.41';
const upstreamIP = '127.0.0.42';
const httpPort = 34500;
const dnsPort = 34600;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function stopOnCleanup(child: ChildProcess, exited: Promise<unknown>): void {
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return within(exited, 10_000, 'process exit');
  });
}

function dnsmasq(args: string[]): void {
  const child = spawn('dnsmasq', ['--no-daemon', '--conf-file=/dev/null', '--bind-interfaces', '--no-resolv', '--no-hosts', '--pid-file=', '--user=root', ...args], { stdio: 'ignore' });
  stopOnCleanup(child, new Promise((resolve) => child.on('exit', resolve)));
}

async function digShort(ip: string, port: number, ...args: string[]): Promise<string> {
  try {
    return (await execFileP('dig', [`@${ip}`, '-p', String(port), '+short', '+tries=1', '+time=1', ...args], { timeout: 5_000 })).stdout.trim();
  } catch {
    return '';
  }
}

async function startMuster(config: string): Promise<Proc> {
  const p = run([
    'agent', '-dev', '-node', 'Ref-DNS', '-bind', agentIP, '-client', agentIP, '-http-port', String(httpPort), '-dns-port', String(dnsPort),
    '-serf-lan-port', '34301', '-serf-wan-port', '34302', '-server-port', '34300', '-grpc-port', '-1', '-log-level', 'info',
    '-config-file', `${dir}/consul-configs/${config}.hcl`,
  ]);
  stopOnCleanup(p.child, p.exited);
  // Ready when the agent's own node serves consul.service, as record.sh waits for Consul.
  await waitFor(`muster (${config}) to answer DNS: ${p.stderr()}`, async () => ((await digShort(agentIP, dnsPort, 'consul.service.consul')) === agentIP ? true : undefined), 20_000);
  await execFileP(`${dir}/catalog.sh`, [`http://${agentIP}:${httpPort}`], { timeout: 30_000 });
  return p;
}

async function transcript(ip: string, port: number, queries?: string): Promise<string> {
  const args = [ip, String(port), ...(queries ? [`${dir}/${queries}`] : [])];
  return (await execFileP(`${dir}/run.sh`, args, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 })).stdout;
}

const expected = (name: string): string => readFileSync(`${dir}/expected/consul-1.8.7/${name}.txt`, 'utf8');

describe('DNS answers as Consul 1.8.7 gave them (test/dns-compat)', () => {
  it('config a (defaults, alt domain), and through a dnsmasq forwarder', async () => {
    await startMuster('a-default');
    expect(await transcript(agentIP, dnsPort)).toBe(expected('a-default'));
    dnsmasq([`--port=34653`, `--listen-address=${upstreamIP}`, `--server=/consul/${agentIP}#${dnsPort}`]);
    await waitFor('the forwarder', async () => ((await digShort(upstreamIP, 34653, 'consul.service.consul')) === agentIP ? true : undefined));
    expect(await transcript(upstreamIP, 34653, 'queries-forwarder.txt')).toBe(expected('forwarder'));
  }, 180_000);

  it('config b (only_passing, TTLs, enable_truncate, udp_answer_limit, recursors)', async () => {
    dnsmasq([`--port=34654`, `--listen-address=${upstreamIP}`, `--addn-hosts=${dir}/upstream/hosts`, '--local=/example.org/']);
    await waitFor('the upstream', async () => ((await digShort(upstreamIP, 34654, 'www.example.org')) !== '' ? true : undefined));
    await startMuster('b-tuned');
    expect(await transcript(agentIP, dnsPort)).toBe(expected('b-tuned'));
  }, 180_000);
});
