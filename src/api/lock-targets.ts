/**
 * Test support: the agents lock and semaphore tests run against. Always the in-memory fake;
 * also the reference Consul 1.8.7 when its binary is installed (set MUSTER_LOCK_REFERENCE=0 to
 * skip it), started on free loopback ports and stopped afterwards; and any running agent named
 * by MUSTER_LOCK_AGENT_ADDR (`127.0.0.2:8500`, e.g. a `muster agent -dev`). Used only by tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { Client } from './index.js';
import { FakeConsul } from './fake-consul.js';

export const referenceConsulBin = '/var/cache/muster-ref/consul/usr/bin/consul';
/** A loopback address of its own, so the reference agent never meets another test's agents. */
const referenceHost = '127.0.0.80';
const startDeadlineMs = 20_000;

export interface LockTarget {
  name: string;
  address: string;
  /** The fake, when this target is the fake (for TTL expiry and fault injection). */
  fake: FakeConsul | undefined;
  stop(): Promise<void>;
}

export function targetNames(): string[] {
  const names = ['fake'];
  if (existsSync(referenceConsulBin) && process.env.MUSTER_LOCK_REFERENCE !== '0') names.push('consul-1.8.7');
  if (process.env.MUSTER_LOCK_AGENT_ADDR) names.push(`agent at ${process.env.MUSTER_LOCK_AGENT_ADDR}`);
  return names;
}

export async function startTarget(name: string): Promise<LockTarget> {
  if (name === 'fake') {
    const fake = new FakeConsul();
    const address = await fake.start();
    return { name, address, fake, stop: () => fake.stop() };
  }
  if (name.startsWith('agent at ')) {
    return { name, address: name.slice('agent at '.length), fake: undefined, stop: async () => undefined };
  }
  return startReferenceConsul();
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function startReferenceConsul(): Promise<LockTarget> {
  const [http, serf, server] = [await freePort(referenceHost), await freePort(referenceHost), await freePort(referenceHost)];
  const args = ['agent', '-dev', '-node', `lock-test-${http}`, '-bind', referenceHost, '-client', referenceHost, '-http-port', String(http)];
  args.push('-dns-port', '-1', '-grpc-port', '-1', '-serf-wan-port', '-1', '-serf-lan-port', String(serf), '-server-port', String(server));
  const child: ChildProcess = spawn(referenceConsulBin, args, { stdio: 'ignore' });
  const address = `${referenceHost}:${http}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };
  const client = new Client({ address });
  const deadline = performance.now() + startDeadlineMs;
  try {
    for (;;) {
      try {
        // A session create needs a leader and the node registered: wait until one works.
        const id = await client.session.create({ name: 'probe' });
        await client.session.destroy(id);
        break;
      } catch (e) {
        if (performance.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (e) {
    await stop();
    throw e;
  } finally {
    client.close();
  }
  return { name: 'consul-1.8.7', address, fake: undefined, stop };
}

/** Polls `check` until it is true, at most `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
