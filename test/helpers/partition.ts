/**
 * Network partitions between server processes on loopback, with iptables. Each server has its
 * own 127.x address and dials its peers from it (Consul's RPCSrcAddr), so rules on addresses
 * alone cut one server's RPC and Raft traffic off: packets from its address to a peer's port
 * 8300 and from the peer's address to its port 8300 are dropped (gossip and HTTP still pass).
 *
 * Needs root and the `iptables` command (Debian package `iptables`); `partitionSupport()` says
 * why not otherwise. Every rule carries a comment naming this test process, and `healAll()`
 * removes them (afterEach).
 */
import { execFileSync } from 'node:child_process';

const comment = `muster-test-${process.pid}`;
const added: string[][] = [];

let support: { ok: true } | { ok: false; why: string } | undefined;

/** Whether partitions can be made here, and why not. */
export function partitionSupport(): { ok: true } | { ok: false; why: string } {
  if (support !== undefined) return support;
  try {
    // A rule must be addable, not just listable: add and remove one that matches nothing.
    const probe = ['OUTPUT', '-p', 'tcp', '-s', '127.255.255.253', '-d', '127.255.255.254', '--dport', '9', '-m', 'comment', '--comment', comment, '-j', 'DROP'];
    execFileSync('iptables', ['-A', ...probe], { stdio: 'pipe' });
    execFileSync('iptables', ['-D', ...probe], { stdio: 'pipe' });
  } catch (err) {
    return (support = { ok: false, why: `iptables: ${(err as Error).message.split('\n')[0]}` });
  }
  return (support = { ok: true });
}

/**
 * Cuts `a` off from each of `others` on the RPC port, both ways: a's connections to their
 * port 8300 and theirs to a's are dropped (the connections stay open; nothing gets through).
 */
export function cut(a: string, others: string[], port = 8300): void {
  for (const o of others) {
    for (const [from, to] of [
      [a, o],
      [o, a],
    ] as const) {
      const rule = ['OUTPUT', '-p', 'tcp', '-s', from, '-d', to, '--dport', String(port), '-m', 'comment', '--comment', comment, '-j', 'DROP'];
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
