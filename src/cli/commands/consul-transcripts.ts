/**
 * Test support: transcripts of the reference `consul` 1.8.7 CLI (testdata/consul-1.8.7-*-
 * transcript.json). Each was recorded by pointing the real CLI at a server that answered
 * every request from a fixture (path → JSON, or {__status, body}); a case holds the
 * arguments, the exit code, stdout, stderr, the requests sent and their bodies. Replaying a
 * case serves the same fixture to `muster` from a FakeConsul and returns what it did.
 * Used only by tests.
 */
import { readFileSync } from 'node:fs';
import { FakeConsul, type FakeReply, type FakeRequest } from '../../api/fake-consul.js';
import type { CommandFactory } from '../command.js';
import { main } from '../main.js';
import { CaptureUi } from '../test-support.js';

export interface TranscriptCase {
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
  requests: string[];
  bodies?: string[];
}

export interface Transcript {
  fixture?: Record<string, unknown>;
  cases: TranscriptCase[];
}

export function loadTranscript(name: string): Transcript {
  return JSON.parse(readFileSync(new URL(`../testdata/${name}`, import.meta.url), 'utf8')) as Transcript;
}

/** Answers as the recording server did: by `METHOD path`, then by path; else 404. */
export function fixtureReply(fixture: Record<string, unknown>, r: FakeRequest): FakeReply {
  const hit = fixture[`${r.method} ${r.path}`] ?? fixture[r.path];
  if (hit === undefined) return { status: 404, body: '' };
  if (typeof hit === 'object' && hit !== null && '__status' in hit) {
    const h = hit as { __status: number; body: string };
    return { status: h.__status, body: h.body };
  }
  return { status: 200, body: JSON.stringify(hit), headers: { 'Content-Type': 'application/json' } };
}

export interface Replayed {
  code: number;
  stdout: string;
  stderr: string;
  requests: string[];
  bodies: string[];
}

/** Runs `muster <args>` against a FakeConsul serving `fixture`. */
export async function replay(args: string[], fixture: Record<string, unknown>, commands?: ReadonlyMap<string, CommandFactory>): Promise<Replayed> {
  const fake = new FakeConsul();
  fake.override = (r) => fixtureReply(fixture, r);
  const address = await fake.start();
  try {
    const ui = new CaptureUi({ MUSTER_HTTP_ADDR: address, PATH: process.env.PATH });
    const code = await main(args, { ui, ...(commands ? { commands } : {}) });
    return {
      code,
      stdout: ui.stdout,
      stderr: ui.stderr,
      requests: fake.requests.map((r) => `${r.method} ${r.url}`),
      bodies: fake.requests.map((r) => r.body.toString('utf8')),
    };
  } finally {
    await fake.stop();
  }
}
