/**
 * Node built-ins that only some configurations use, loaded on first use instead of at start.
 *
 * A static `import` of these puts them in every process, and an agent started with defaults
 * needs none of them (its own HTTP server is on `node:net`, http/http1-server.ts):
 * `node:crypto` initializes OpenSSL when it loads (about 1.2 MiB of RSS on this build of Node,
 * before a single hash), `node:https` brings `node:tls` and crypto with it, `node:http` (the
 * client of HTTP checks, watches and the CLI) costs about 0.9 MiB, and `node:child_process` and
 * `node:readline` pull in a dozen internal modules each. They are wanted for gossip encryption,
 * TLS, HTTP checks and clients, snapshots' checksums, script checks and the CLI; each of those
 * asks here when it runs. Node caches a built-in once loaded, so a second call costs a
 * property read.
 */
import { createRequire } from 'node:module';
import type * as Crypto from 'node:crypto';
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type * as ChildProcess from 'node:child_process';
import type * as Readline from 'node:readline';

const load = createRequire(import.meta.url);

function lazy<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load(id) as T);
}

export const nodeCrypto: () => typeof Crypto = lazy('node:crypto');
export const nodeHttp: () => typeof Http = lazy('node:http');
export const nodeHttps: () => typeof Https = lazy('node:https');
export const nodeChildProcess: () => typeof ChildProcess = lazy('node:child_process');
export const nodeReadline: () => typeof Readline = lazy('node:readline');
