import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('lint keeps pure modules pure', () => {
  it.each([
    ["import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n", 'no-restricted-imports'],
    ['export const t = Date.now();\n', 'no-restricted-globals'],
    ['export const r = Math.random();\n', 'no-restricted-properties'],
    ['export const h = setTimeout(() => {}, 1);\n', 'no-restricted-globals'],
    ["import { randomUuid } from '../host/index.js';\nexport const id = randomUuid();\n", 'no-restricted-imports'],
    ["import { commitAnnounceMs } from '../raftio/limits.js';\nexport const ms = commitAnnounceMs;\n", 'no-restricted-imports'],
  ])('refuses %j in src/state/, fsm/ and the DNS resolver and codec', async (code, rule) => {
    expect(await ruleIds(code, 'src/state/example.ts')).toContain(rule);
    expect(await ruleIds(code, 'src/fsm/example.ts')).toContain(rule);
    expect(await ruleIds(code, 'src/dns/resolver/example.ts')).toContain(rule);
    expect(await ruleIds(code, 'src/dns/wire/example.ts')).toContain(rule);
  });

  it('allows the same code where I/O belongs', async () => {
    expect(await ruleIds('export const t = Date.now();\n', 'src/agent/example.ts')).toEqual([]);
  });
});
