import { MusterError } from '../lib/index.js';

/**
 * A listener that could not start, as Consul words it (`Error starting agent: listen tcp
 * 127.0.0.1:8500: bind: address already in use`), naming which port (`HTTP`, `DNS`) is taken.
 */
export function listenError(err: unknown, network: 'tcp' | 'udp', host: string, port: number, what: string): MusterError {
  const e = err as NodeJS.ErrnoException;
  const where = `Error starting agent: listen ${network} ${host}:${port}`;
  if (e.code === 'EADDRINUSE') return new MusterError('ERR_CONFIG', `${where}: bind: address already in use (the ${what} port ${port} is taken)`);
  if (e.code === 'EADDRNOTAVAIL') return new MusterError('ERR_CONFIG', `${where}: bind: cannot assign requested address`);
  return new MusterError('ERR_CONFIG', `${where}: ${e.message}`);
}
