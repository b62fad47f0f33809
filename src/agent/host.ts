/** Facts about this host that configuration defaults depend on. */
import { hostname, networkInterfaces } from 'node:os';
import type { HostFacts } from '../config/index.js';

/** RFC 1918 and RFC 6598 ranges: what Consul calls a private IPv4 for a 0.0.0.0 bind. */
export function isPrivateIPv4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

export function readHostFacts(): HostFacts {
  const privateIPv4s: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !a.internal && isPrivateIPv4(a.address)) privateIPv4s.push(a.address);
    }
  }
  return { hostname: hostname(), privateIPv4s: [...new Set(privateIPv4s)] };
}
