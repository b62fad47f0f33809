/**
 * Network partitions between server processes on loopback, with iptables. Servers dial each
 * other's RPC port (8300) from 127.0.0.1, not from their own address (they do not bind the
 * source address as Consul's RPCSrcAddr does), so a rule on addresses alone cannot tell one
 * server's connections from another's. Each server therefore runs in a cgroup v2 of its own
 * (joined right after spawn, before it opens a socket), and the rules match the sending
 * process's cgroup (`-m cgroup --path`) and the peer's address and port 8300.
 *
 * Needs root, the `iptables` command (Debian package `iptables`) and a writable cgroup2 mount;
 * `partitionSupport()` says why not otherwise. Every rule carries a comment naming this test
 * process, and `healAll()` removes them (afterEach).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const cgroupRoots = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'];
const comment = `muster-test-${process.pid}`;
const added: string[][] = [];

function cgroup2Root(): string | undefined {
  for (const r of cgroupRoots) {
    if (!existsSync(join(r, 'cgroup.procs')) || !existsSync(join(r, 'cgroup.subtree_control'))) continue;
    const probe = join(r, `${comment}-probe`);
    try {
      mkdirSync(probe);
      rmdirSync(probe);
      return r;
    } catch {
      // not writable here
    }
  }
  return undefined;
}

let support: { ok: true; root: string } | { ok: false; why: string } | undefined;

/** Whether partitions can be made here, and why not. */
export function partitionSupport(): { ok: true; root: string } | { ok: false; why: string } {
  if (support !== undefined) return support;
  const root = cgroup2Root();
  if (root === undefined) return (support = { ok: false, why: 'no writable cgroup2 mount' });
  try {
    execFileSync('iptables', ['-L', 'OUTPUT', '-n'], { stdio: 'pipe' });
    // The cgroup match must load: add and remove a rule that matches nothing.
    const probe = ['OUTPUT', '-m', 'cgroup', '--path', '/', '-p', 'tcp', '-d', '127.255.255.254', '--dport', '9', '-m', 'comment', '--comment', comment, '-j', 'DROP'];
    execFileSync('iptables', ['-A', ...probe], { stdio: 'pipe' });
    execFileSync('iptables', ['-D', ...probe], { stdio: 'pipe' });
  } catch (err) {
    return (support = { ok: false, why: `iptables: ${(err as Error).message.split('\n')[0]}` });
  }
  return (support = { ok: true, root });
}

/** A cgroup for one server (created now); `join(pid)` moves a process into it. */
export class ServerCgroup {
  readonly path: string;
  readonly dir: string;

  constructor(name: string) {
    const s = partitionSupport();
    if (!s.ok) throw new Error(`no cgroups for partitions: ${s.why}`);
    this.path = `${comment}-${name}`;
    this.dir = join(s.root, this.path);
    mkdirSync(this.dir, { recursive: true });
  }

  join(pid: number): void {
    writeFileSync(join(this.dir, 'cgroup.procs'), String(pid));
  }

  /** Once every process in it has exited. */
  remove(): void {
    try {
      rmdirSync(this.dir);
    } catch {
      // a process still in it (not exited yet): left for the host to clean
    }
  }
}

export interface Endpoint {
  cgroup: ServerCgroup;
  host: string;
}

/**
 * Cuts `a` off from each of `others` on the RPC port, both ways: a's connections to their
 * port 8300 and theirs to a's are dropped (the connections stay open; nothing gets through).
 */
export function cut(a: Endpoint, others: Endpoint[], port = 8300): void {
  for (const o of others) {
    for (const [from, to] of [
      [a, o],
      [o, a],
    ] as const) {
      const rule = ['OUTPUT', '-m', 'cgroup', '--path', from.cgroup.path, '-p', 'tcp', '-d', to.host, '--dport', String(port), '-m', 'comment', '--comment', comment, '-j', 'DROP'];
      execFileSync('iptables', ['-I', ...rule], { stdio: 'pipe' });
      added.push(rule);
    }
  }
}

/** Removes every rule this test process added. */
export function healAll(): void {
  while (added.length > 0) {
    const rule = added.pop()!;
    try {
      execFileSync('iptables', ['-D', ...rule], { stdio: 'pipe' });
    } catch {
      // already gone
    }
  }
}
