import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { MusterError } from '../lib/index.js';

/**
 * A listener that could not start, as Consul words it (`Error starting agent: listen tcp
 * 127.0.0.1:8500: bind: address already in use`), naming which port (`HTTP`, `DNS`) is taken.
 * A unix socket (`port` undefined) is named by its path.
 */
export function listenError(err: unknown, network: 'tcp' | 'udp' | 'unix', host: string, port: number | undefined, what: string): MusterError {
  const e = err as NodeJS.ErrnoException;
  const where = `Error starting agent: listen ${network} ${port === undefined ? host : `${host}:${port}`}`;
  if (e.code === 'EADDRINUSE') return new MusterError('ERR_CONFIG', `${where}: bind: address already in use (the ${what} ${port === undefined ? 'socket' : `port ${port}`} is taken)`);
  if (e.code === 'EADDRNOTAVAIL') return new MusterError('ERR_CONFIG', `${where}: bind: cannot assign requested address`);
  // libuv reports a socket path in a missing directory as EACCES.
  if (network === 'unix' && e.code === 'EACCES') {
    return new MusterError('ERR_CONFIG', `${where}: bind: ${existsSync(dirname(host)) ? 'permission denied' : 'no such file or directory'}`);
  }
  return new MusterError('ERR_CONFIG', `${where}: ${e.message}`);
}
