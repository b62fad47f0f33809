/** Facts about this host that configuration defaults depend on. */
import { hostname, networkInterfaces } from 'node:os';
import type { HostFacts } from '../config/index.js';

/**
 * Consul's private blocks for IPv4 (ipaddr/detect.go privateBlocks: RFC 1918, RFC 6598 shared,
 * loopback, link local, the IANA 192.0.0.0/24 and the documentation 192.0.2.0/24).
 */
export function isPrivateIPv4(ip: string): boolean {
  const [a, b, c] = ip.split('.').map(Number) as [number, number, number];
  return (
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) ||
    (a === 192 && b === 168)
  );
}

/**
 * Consul's GetPrivateIPv4: the private IPv4 addresses of the interfaces that are up, loopback
 * ones only when no other interface has an address.
 */
export function readHostFacts(): HostFacts {
  const up: string[] = [];
  const loopback: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4') (a.internal ? loopback : up).push(a.address);
  }
  const candidates = up.length > 0 ? up : loopback;
  return { hostname: hostname(), privateIPv4s: [...new Set(candidates.filter(isPrivateIPv4))] };
}
