import { describe, expect, it } from 'vitest';
import { nullLogger } from '../../lib/index.js';
import { StatusHandler } from './status-handler.js';
import type { CheckStatus } from './types.js';

function recorder() {
  const updates: Array<[string, CheckStatus, string]> = [];
  return { updates, update: (id: string, s: CheckStatus, o: string) => void updates.push([id, s, o]) };
}

describe('StatusHandler (success_before_passing, failures_before_critical)', () => {
  it('with no thresholds reports every result', () => {
    const r = recorder();
    const h = new StatusHandler(r.update, nullLogger, 0, 0);
    h.updateCheck('c', 'passing', 'a');
    h.updateCheck('c', 'critical', 'b');
    h.updateCheck('c', 'warning', 'c');
    expect(r.updates.map((u) => u[1])).toEqual(['passing', 'critical', 'warning']);
  });

  it('reports the first result at once, then needs the thresholds in a row', () => {
    const r = recorder();
    const h = new StatusHandler(r.update, nullLogger, 2, 3);
    h.updateCheck('c', 'passing', 'p1'); // counter starts at the threshold
    expect(r.updates).toEqual([['c', 'passing', 'p1']]);
    h.updateCheck('c', 'critical', 'f1');
    h.updateCheck('c', 'critical', 'f2');
    expect(r.updates).toHaveLength(1);
    h.updateCheck('c', 'passing', 'p2'); // resets the failure count
    h.updateCheck('c', 'critical', 'f1');
    h.updateCheck('c', 'critical', 'f2');
    h.updateCheck('c', 'critical', 'f3');
    expect(r.updates.at(-1)).toEqual(['c', 'critical', 'f3']);
    h.updateCheck('c', 'warning', 'w1'); // warning counts as a success
    expect(r.updates).toHaveLength(2);
    h.updateCheck('c', 'passing', 'p2');
    expect(r.updates.at(-1)).toEqual(['c', 'passing', 'p2']);
  });

  it('keeps reporting once past the threshold', () => {
    const r = recorder();
    const h = new StatusHandler(r.update, nullLogger, 0, 2);
    h.updateCheck('c', 'critical', 'f1');
    expect(r.updates).toHaveLength(1);
    h.updateCheck('c', 'critical', 'f2');
    h.updateCheck('c', 'critical', 'f3');
    expect(r.updates).toHaveLength(3);
  });
});
