/**
 * Node built-ins that only some configurations use, loaded on first use instead of at start.
 *
 * A static `import` of these puts them in every process, and an agent started with defaults
 * needs none of them: `node:crypto` initializes OpenSSL when it loads (about 1.2 MiB of RSS on
 * this build of Node, before a single hash), `node:https` brings `node:tls` and crypto with it,
 * and `node:child_process` and `node:readline` pull in a dozen internal modules each. They are
 * wanted for gossip encryption, TLS, HTTPS checks and clients, snapshots' checksums, script
 * checks and the CLI; each of those asks here when it runs. Node caches a built-in once
 * loaded, so a second call costs a property read.
 */
import { createRequire } from 'node:module';
import type * as Crypto from 'node:crypto';
import type * as Https from 'node:https';
import type * as ChildProcess from 'node:child_process';
import type * as Readline from 'node:readline';

const load = createRequire(import.meta.url);

function lazy<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load(id) as T);
}

export const nodeCrypto: () => typeof Crypto = lazy('node:crypto');
export const nodeHttps: () => typeof Https = lazy('node:https');
export const nodeChildProcess: () => typeof ChildProcess = lazy('node:child_process');
export const nodeReadline: () => typeof Readline = lazy('node:readline');
