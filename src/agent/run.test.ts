import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/index.js';
import { limits } from '../lib/index.js';
import { idleSpinMsOf } from './run.js';

describe('idleSpinMsOf (MUSTER_IDLE_SPIN_US)', () => {
  it('defaults to limits.idleSpinMs and takes microseconds; 0 turns the spin off', () => {
    expect(idleSpinMsOf({})).toBe(limits.idleSpinMs);
    expect(idleSpinMsOf({ MUSTER_IDLE_SPIN_US: '' })).toBe(limits.idleSpinMs);
    expect(idleSpinMsOf({ MUSTER_IDLE_SPIN_US: '200' })).toBe(0.2);
    expect(idleSpinMsOf({ MUSTER_IDLE_SPIN_US: '0' })).toBe(0);
  });

  it('refuses what is not a number of microseconds from 0 to 10000, naming the variable', () => {
    for (const bad of ['abc', '-1', '10001', 'NaN', 'Infinity']) {
      expect(() => idleSpinMsOf({ MUSTER_IDLE_SPIN_US: bad })).toThrow(ConfigError);
      expect(() => idleSpinMsOf({ MUSTER_IDLE_SPIN_US: bad })).toThrow(/MUSTER_IDLE_SPIN_US/);
    }
  });
});
