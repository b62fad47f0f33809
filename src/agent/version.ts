/**
 * Versions. Muster has its own version; it speaks Consul's HTTP API as of the Consul version
 * below, and reports that one where clients read a Consul version (agent/self Config.Version,
 * the `build` gossip tag), since client libraries gate features on it.
 */
import { readFileSync } from 'node:fs';

export const consulApiVersion = '1.8.7';

export const musterVersion: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
