import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJepsenRegisterLog } from './jepsen-log.js';
import { casRegisterModel } from './models.js';
import { checkHistory } from './wgl.js';

// Porcupine's test data (MIT) with porcupine's verdicts; etcd_095.log is empty ("etcd cluster
// failed to start up in test 95"), so expected.txt and porcupine's test both skip it.
const DATA_DIR = '/work/shared/testdata/jepsen-etcd-histories';

function expectedVerdicts(): Map<number, boolean> {
  const text = readFileSync(join(DATA_DIR, 'expected.txt'), 'utf8');
  const verdicts = new Map<number, boolean>();
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(true|false)$/.exec(line.trim());
    if (m !== null) verdicts.set(Number(m[1]), m[2] === 'true');
  }
  return verdicts;
}

function logOf(n: number): string {
  return readFileSync(join(DATA_DIR, `etcd_${String(n).padStart(3, '0')}.log`), 'utf8');
}

describe('etcd Jepsen histories (porcupine known answers)', () => {
  const verdicts = expectedVerdicts();

  it('has porcupine verdicts for 102 histories, 23 linearizable', () => {
    expect(verdicts.size).toBe(102);
    expect([...verdicts.values()].filter((v) => v).length).toBe(23);
    expect(verdicts.has(95)).toBe(false);
  });

  it.each([...verdicts.entries()])('etcd_%i: linearizable = %s', (n, linearizable) => {
    const ops = parseJepsenRegisterLog(logOf(n));
    expect(ops.length).toBeGreaterThan(0);
    const result = checkHistory(casRegisterModel, ops);
    expect(result.ok).toBe(linearizable);
    if (result.ok === false) {
      expect(result.description).toContain('not linearizable');
      expect(result.failure.candidates.length).toBeGreaterThan(0);
    }
  });

  it('etcd_095 is empty: nothing to check, trivially linearizable', () => {
    const ops = parseJepsenRegisterLog(logOf(95));
    expect(ops).toEqual([]);
    expect(checkHistory(casRegisterModel, ops).ok).toBe(true);
  });
});
