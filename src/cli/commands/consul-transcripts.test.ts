/**
 * members, catalog, maint, reload and services against what Consul 1.8.7's own CLI printed and
 * sent for the same agent answers (see consul-transcripts.ts): stdout, stderr and exit code
 * byte for byte, the same requests (path and query) and the same request bodies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTranscript, replay, type TranscriptCase } from './consul-transcripts.js';

/** A flag error prints Go's flag list, whose texts Muster rebrands: compare the first line. */
const firstLineOnly = (c: TranscriptCase): boolean => c.stderr.includes('\nUsage:\n');

/**
 * Config-file errors worded by config/ (Muster's validator), not by Consul's mapstructure and
 * multierror; for these only the start of the message is compared.
 */
const configWorded = new Map<string, string>([
  ['e4.json', 'Error: failed to parse e4.json: '],
  ['bogus.json', 'Error: failed to parse bogus.json: '],
]);

function check(c: TranscriptCase, got: { code: number; stdout: string; stderr: string; requests: string[]; bodies: string[] }): void {
  expect(got.code).toBe(c.code);
  expect(got.stdout).toBe(c.stdout);
  const worded = c.args.map((a) => configWorded.get(a)).find((x) => x !== undefined);
  if (worded) expect(got.stderr.startsWith(worded)).toBe(true);
  else if (firstLineOnly(c)) expect(got.stderr.split('\n')[0]).toBe(c.stderr.split('\n')[0]);
  else expect(got.stderr).toBe(c.stderr);
  expect(got.requests).toEqual(c.requests);
  if (c.bodies) expect(got.bodies).toEqual(c.bodies);
}

describe.each([
  ['consul-1.8.7-list-transcript.json', 'listing commands'],
  ['consul-1.8.7-errors-transcript.json', 'agent errors'],
])('%s (%s)', (file) => {
  const t = loadTranscript(file);
  it.each(t.cases.map((c) => [c.args.join(' '), c] as const))('muster %s', async (_name, c) => {
    check(c, await replay(c.args, t.fixture ?? {}));
  });
});

describe('consul-1.8.7-services-transcript.json (services, maint, reload, flag errors)', () => {
  const t = loadTranscript('consul-1.8.7-services-transcript.json');
  const fixture = { 'PUT /v1/agent/service/register': '', 'PUT /v1/agent/maintenance': '', 'PUT /v1/agent/reload': '' };
  let cwd: string;
  beforeAll(() => {
    // The recorded arguments name files relative to testdata/services, as do the messages.
    cwd = process.cwd();
    process.chdir(new URL('../testdata/services', import.meta.url).pathname);
  });
  afterAll(() => process.chdir(cwd));
  it.each(t.cases.map((c) => [c.args.join(' '), c] as const))('muster %s', async (_name, c) => {
    check(c, await replay(c.args, fixture));
  });
});
