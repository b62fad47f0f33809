/**
 * Pieces several commands share: building the API client from the HTTP flags, reading a
 * DATA argument (`@file`, `-` for stdin, or the text itself), and Go's strict base64.
 */
import { readFile } from 'node:fs/promises';
import type { Client } from '../../api/index.js';
import { complain, goFileError, parseFlags, type Command, type Ui } from '../command.js';
import type { FlagSet } from '../flags.js';
import type { HttpFlags } from '../http-flags.js';

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Builds the client (a bad scheme or unreadable token file prints Consul's "Error connecting
 * to Consul agent: ..." and exits 1), runs `body`, and closes the client's idle sockets.
 */
export async function withClient(http: HttpFlags, ui: Ui, body: (client: Client) => Promise<number>): Promise<number> {
  let client: Client;
  try {
    client = http.client(ui.env);
  } catch (e) {
    complain(ui, `Error connecting to Consul agent: ${errorMessage(e)}`);
    return 1;
  }
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

/** A DATA argument: `@path` reads the file, `-` reads stdin, anything else is the data. */
export async function readDataArg(data: string, ui: Ui): Promise<{ data: Buffer } | { error: string }> {
  if (data.startsWith('@')) {
    const path = data.slice(1);
    try {
      return { data: await readFile(path) };
    } catch (e) {
      return { error: `Failed to read file: ${goFileError(e, path)}` };
    }
  }
  if (data === '-') {
    try {
      return { data: await ui.readStdin() };
    } catch (e) {
      return { error: `Failed to read stdin: ${errorMessage(e)}` };
    }
  }
  return { data: Buffer.from(data, 'utf8') };
}

const b64 = /^[A-Za-z0-9+/]$/;

/**
 * Go's base64.StdEncoding.DecodeString: padding required, CR and LF ignored, errors as
 * `illegal base64 data at input byte N`.
 */
export function decodeGoBase64(text: string): { ok: true; data: Buffer } | { ok: false; error: string } {
  const bad = (i: number): { ok: false; error: string } => ({ ok: false, error: `illegal base64 data at input byte ${i}` });
  const chars: [string, number][] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\r' && c !== '\n') chars.push([c, i]);
  }
  for (let q = 0; q < chars.length; q += 4) {
    const quantum = chars.slice(q, q + 4);
    for (let j = 0; j < quantum.length; j++) {
      const [c, at] = quantum[j]!;
      if (c === '=') {
        // Padding only in the last quantum, at position 2 or 3, and only '=' after it.
        const last = q + 4 >= chars.length;
        if (j < 2 || !last || quantum.length < 4 || quantum.slice(j).some(([x]) => x !== '=')) return bad(at);
        break;
      }
      if (!b64.test(c)) return bad(at);
    }
    if (quantum.length < 4) return bad(quantum[0]![1]);
  }
  return { ok: true, data: Buffer.from(chars.map(([c]) => c).join(''), 'base64') };
}

/** Go's `%s` of a decoded-JSON value, as `info` prints stats. */
export function goPercentS(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (typeof v === 'number') return `%!s(float64=${v})`;
  if (typeof v === 'boolean') return `%!s(bool=${v})`;
  return JSON.stringify(v);
}


/** Go's path.Join (which also cleans: `a//b/../c` → `a/c`). */
export function goPathJoin(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '').join('/');
  if (joined === '') return '';
  const rooted = joined.startsWith('/');
  const out: string[] = [];
  for (const seg of joined.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else out.push(seg);
  }
  const s = out.join('/');
  return rooted ? '/' + s : s || '.';
}

/**
 * The prologue of the kv commands that take one KEY: parse the flags, refuse a second
 * argument, and drop a leading `/` (Consul's CLI does). Returns the key, or the exit code.
 */
export function keyArgument(fs: FlagSet, argv: string[], ui: Ui, command: Command): string | number {
  const args = parseFlags(fs, argv, ui, command);
  if (typeof args === 'number') return args;
  if (args.length > 1) {
    complain(ui, `Too many arguments (expected 1, got ${args.length})`);
    return 1;
  }
  const key = args[0] ?? '';
  return key.startsWith('/') ? key.slice(1) : key;
}
