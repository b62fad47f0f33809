import { describe, expect, it } from 'vitest';
import { isPrivateIPv4 } from './host.js';

describe("Consul's private IPv4 blocks (what a 0.0.0.0 bind advertises)", () => {
  it.each([
    ['10.1.2.3', true],
    ['100.64.0.1', true],
    ['100.128.0.1', false],
    ['127.0.0.1', true],
    ['169.254.9.9', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.0.0.8', true],
    ['192.0.2.2', true],
    ['192.0.3.1', false],
    ['192.168.1.1', true],
    ['8.8.8.8', false],
  ])('%s → %s', (ip, want) => expect(isPrivateIPv4(ip)).toBe(want));
});
