/**
 * Real processes for integration tests: `bin/muster` started on its own loopback address with
 * free ports chosen by the OS, output captured, waits bounded by conditions (never fixed
 * sleeps), stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const musterBin = `${repoRoot}bin/muster`;

const hostLocks = join(tmpdir(), 'muster-test-hosts');
const heldLocks: string[] = [];
process.on('exit', () => {
  for (const f of heldLocks) rmSync(f, { force: true });
});
let nextHost = process.pid % 960;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A loopback address no other test of any running test process uses (127.0.{0..3}.{10..249};
 * 127.0.0.40–49 are left to tests that need fixed addresses, dns-compat.test.ts). Agents bind
 * fixed gossip and RPC ports (8300–8302) on their address, so an address is held with a lock
 * file (exclusive create) until the test process exits; a lock of a dead process is taken over.
 */
export function uniqueLoopback(): string {
  mkdirSync(hostLocks, { recursive: true });
  for (let tries = 0; tries < 2 * 960; tries++) {
    nextHost = (nextHost + 1) % 960;
    const host = `127.0.${Math.floor(nextHost / 240)}.${10 + (nextHost % 240)}`;
    if (/^127\.0\.0\.4\d$/.test(host)) continue;
    const file = join(hostLocks, host);
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      heldLocks.push(file);
      return host;
    } catch {
      const owner = Number(readFileSync(file, 'utf8'));
      if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) rmSync(file, { force: true });
    }
  }
  throw new Error('no free loopback address for a test agent');
}

/** A TCP port the OS says is free on `host` right now. */
export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
}

export function run(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Proc {
  const child = spawn(process.execPath, [musterBin, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  if (options.input !== undefined) child.stdin!.end(options.input);
  else child.stdin!.end();
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs a CLI command to completion (bounded) and returns its exit code and output. */
export async function runToEnd(args: string[], options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const p = run(args, options);
  const code = await within(p.exited, options.timeoutMs ?? 20_000, `muster ${args.join(' ')}`, () => p.child.kill('SIGKILL'));
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

export async function within<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`${what}: not done within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns a value (not undefined), at most `ms`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface DevAgent {
  proc: Proc;
  host: string;
  httpPort: number;
  httpAddr: string;
  url(path: string): string;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts `muster agent -dev` on a fresh loopback address and waits until HTTP answers. */
export async function startDevAgent(extraArgs: string[] = []): Promise<DevAgent> {
  return startAgent(['-dev', ...extraArgs]);
}

/**
 * Starts `muster agent <args>` bound to a fresh loopback address (or `host`) with a free HTTP
 * port and DNS off (unless `args` set -dns-port), and waits until HTTP answers.
 */
export async function startAgent(args: string[], options: { host?: string; env?: Record<string, string> } = {}): Promise<DevAgent> {
  const host = options.host ?? uniqueLoopback();
  const httpPort = await freePort(host);
  const dns = args.some((a) => /^--?dns-port(=|$)/.test(a)) ? [] : ['-dns-port', '-1'];
  const proc = run(['agent', '-bind', host, '-client', host, '-http-port', String(httpPort), ...dns, ...args], { env: options.env });
  const httpAddr = `${host}:${httpPort}`;
  const agent: DevAgent = {
    proc,
    host,
    httpPort,
    httpAddr,
    url: (path) => `http://${httpAddr}${path}`,
    async stop(signal = 'SIGTERM') {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
      return within(proc.exited, 10_000, 'agent shutdown', () => proc.child.kill('SIGKILL'));
    },
  };
  const early = proc.exited.then((code) => {
    throw new Error(`agent exited early (${code}): ${proc.stderr()}`);
  });
  await Promise.race([
    early,
    // /v1/agent/self is the agent's own: it answers on a client agent that knows no server yet.
    waitFor('agent HTTP API', async () => ((await fetch(agent.url('/v1/agent/self'))).ok ? true : undefined)),
  ]);
  early.catch(() => {});
  return agent;
}
