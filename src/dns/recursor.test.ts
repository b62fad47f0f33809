import { describe, expect, it } from 'vitest';
import { parseRecursor } from './recursor.js';

describe('recursor addresses', () => {
  it('takes port 53 when none is given, as Consul', () => {
    expect(parseRecursor('8.8.8.8')).toEqual({ host: '8.8.8.8', port: 53 });
    expect(parseRecursor('10.0.0.1:5353')).toEqual({ host: '10.0.0.1', port: 5353 });
    expect(parseRecursor('::1')).toEqual({ host: '::1', port: 53 });
    expect(parseRecursor('[2001:db8::1]:5353')).toEqual({ host: '2001:db8::1', port: 5353 });
    expect(parseRecursor('[::1]')).toEqual({ host: '::1', port: 53 });
  });

  it('refuses host names, bad ports and the any address, naming the address', () => {
    expect(() => parseRecursor('dns.example')).toThrow('Invalid recursor address: dns.example: not an IP address');
    expect(() => parseRecursor('10.0.0.1:99999')).toThrow('Invalid recursor address: 10.0.0.1:99999: invalid port');
    expect(() => parseRecursor('0.0.0.0:53')).toThrow('DNS recursor address cannot be 0.0.0.0, :: or [::]');
  });
});
