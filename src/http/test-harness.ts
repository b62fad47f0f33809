/** An in-process API (store, FSM, in-memory log, server, HTTP) for tests, on a manual clock. */
import { inject, type InjectOptions, type Response } from 'light-my-request';
import { Fsm, InMemoryLog } from '../fsm/index.js';
import { ManualClock, SeededRng, nullLogger, type Clock } from '../lib/index.js';
import { Server, type RaftView, type ServerApi } from '../server/index.js';
import { Store } from '../state/index.js';
import { HttpApi, type HttpApiDeps } from './api-server.js';

export interface Harness {
  store: Store;
  server: Server;
  log: InMemoryLog;
  clock: ManualClock;
  api: HttpApi;
  request(opts: InjectOptions | string): Promise<Response>;
}

/**
 * `front`: what the HTTP API talks to instead of the server itself (a client agent's
 * RemoteServer reaching this server over RPC, in the forwarding tests).
 */
export function harness(options: { pretty?: boolean; front?: (server: Server) => ServerApi; raft?: RaftView } = {}): Harness {
  const clock = new ManualClock(1_700_000_000_000);
  const store = new Store(clock);
  const log = new InMemoryLog(new Fsm(store));
  log.applySync({ type: 'noop' }); // the leader's barrier entry, as the agent writes it
  const rng = new SeededRng(1);
  const newID = (): string => {
    const hex = Array.from({ length: 32 }, () => rng.int(16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  const server = new Server({ store, log, clock, rng, logger: nullLogger, datacenter: 'dc1', rpcAddress: '127.0.0.1:8300', newID, raft: options.raft });
  const api = testHttpApi(options.front?.(server) ?? server, clock, { prettyByDefault: options.pretty ?? false });
  return { store, server, log, clock, api, request: injector(api) };
}

/**
 * An HttpApi over `server` with what every in-process test gives it (node n1, the 512 KiB KV
 * limit, a stand-in agent); `extra` adds to or overrides those.
 */
export function testHttpApi(server: ServerApi, clock: Clock, extra: Partial<HttpApiDeps> = {}): HttpApi {
  return new HttpApi({
    server,
    clock,
    logger: nullLogger,
    prettyByDefault: false,
    kvValueBytesMax: 512 * 1024,
    nodeName: 'n1',
    agent: {
      self: () => ({ Config: { NodeName: extra.nodeName ?? 'n1', Datacenter: 'dc1' } }),
      members: () => [],
      leave: async () => () => {},
      join: async () => {},
      forceLeave: async () => {},
    },
    ...extra,
  });
}

/** Requests injected into `api` in process (light-my-request, through Node's http objects). */
export function injector(api: HttpApi): (opts: InjectOptions | string) => Promise<Response> {
  return (opts) => inject((req, res) => void api.handleNode(req, res), opts);
}
