/**
 * The node ID: from config if given (must be a UUID), else the one persisted in
 * `<data_dir>/node-id`, else a new random UUID written there (-dev keeps it in memory only).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/index.js';
import { randomUuid } from '../host/index.js';

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function settleNodeID(configured: string, dataDir: string, dev: boolean): string {
  if (configured !== '') {
    if (!uuidRe.test(configured)) throw new ConfigError(`node_id "${configured}" is not a valid UUID`);
    return configured;
  }
  if (dev || dataDir === '') return randomUuid();
  const file = join(dataDir, 'node-id');
  try {
    const stored = readFileSync(file, 'utf8').trim().toLowerCase();
    if (!uuidRe.test(stored)) throw new ConfigError(`node ID "${stored}" in ${file} is not a valid UUID`);
    return stored;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = randomUuid();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, id, { mode: 0o600 });
  return id;
}
