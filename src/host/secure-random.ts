/**
 * Random bytes and UUIDs from the kernel's CSPRNG (/dev/urandom, what Go's crypto/rand and so
 * Consul's go-uuid read), without loading `node:crypto` (see lazy-builtins.ts: an agent
 * needs a UUID at start, its node ID under -dev, and should not pay for OpenSSL to get one).
 * Reads go through a small pool, as Node's own randomUUID does, so a UUID costs a read(2)
 * every 16. Where /dev/urandom cannot be opened, node:crypto fills the pool instead.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { nodeCrypto } from './lazy-builtins.js';

const poolBytes = 256;
const pool = Buffer.alloc(poolBytes);
let poolAt = poolBytes;
let urandom: number | null | undefined;

function fill(target: Uint8Array): void {
  if (urandom === undefined) {
    try {
      urandom = openSync('/dev/urandom', 'r');
    } catch {
      urandom = null;
    }
  }
  if (urandom === null) {
    nodeCrypto().randomFillSync(target);
    return;
  }
  for (let at = 0; at < target.length; ) {
    const n = readSync(urandom, target, at, target.length - at, null);
    if (n <= 0) {
      closeSync(urandom);
      urandom = null;
      nodeCrypto().randomFillSync(target, at);
      return;
    }
    at += n;
  }
}

/** `n` bytes from the CSPRNG, in a new Buffer. */
export function secureRandomBytes(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  if (n > poolBytes / 4) {
    fill(out);
    return out;
  }
  if (poolAt + n > poolBytes) {
    fill(pool);
    poolAt = 0;
  }
  pool.copy(out, 0, poolAt, poolAt + n);
  poolAt += n;
  return out;
}

/** A uniformly random integer in [0, n), n at most 2^32. */
export function secureRandomInt(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 0x1_0000_0000) throw new RangeError(`secureRandomInt: bad bound ${n}`);
  // Rejection sampling: draws at or above the largest multiple of n would favour low values.
  const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
  for (;;) {
    const x = secureRandomBytes(4).readUInt32BE(0);
    if (x < limit) return x % n;
  }
}

const hex: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A version 4 UUID in Consul's lower-case 8-4-4-4-12 form. */
export function randomUuid(): string {
  const b = secureRandomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += hex[b[i]!]!;
  }
  return s;
}
