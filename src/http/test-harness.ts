/** An in-process API (store, FSM, in-memory log, server, HTTP) for tests, on a manual clock. */
import { inject, type InjectOptions, type Response } from 'light-my-request';
import { Fsm, InMemoryLog } from '../fsm/index.js';
import { ManualClock, SeededRng, nullLogger } from '../lib/index.js';
import { Server } from '../server/index.js';
import { Store } from '../state/index.js';
import { HttpApi } from './api-server.js';

export interface Harness {
  store: Store;
  log: InMemoryLog;
  clock: ManualClock;
  api: HttpApi;
  request(opts: InjectOptions | string): Promise<Response>;
}

export function harness(options: { pretty?: boolean } = {}): Harness {
  const store = new Store();
  const log = new InMemoryLog(new Fsm(store));
  log.applySync({ type: 'noop' }); // the leader's barrier entry, as the agent writes it
  const clock = new ManualClock(1_700_000_000_000);
  const server = new Server({ store, log, clock, rng: new SeededRng(1), logger: nullLogger, datacenter: 'dc1', rpcAddress: '127.0.0.1:8300' });
  const api = new HttpApi({
    server,
    clock,
    logger: nullLogger,
    prettyByDefault: options.pretty ?? false,
    kvValueBytesMax: 512 * 1024,
    agent: {
      self: () => ({ Config: { NodeName: 'n1' } }),
      members: () => [],
      leave: async () => () => {},
    },
  });
  const dispatch = (req: Parameters<HttpApi['handle']>[0], res: Parameters<HttpApi['handle']>[1]): void => void api.handle(req, res);
  return { store, log, clock, api, request: (opts) => inject(dispatch, opts) };
}
