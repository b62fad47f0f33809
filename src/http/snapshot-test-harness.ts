/** An in-process server (InMemoryLog) with the HTTP API and /v1/snapshot, for tests of the endpoint and the CLI. */
import type { InjectOptions, Response } from 'light-my-request';
import { Fsm, InMemoryLog, RaftFsm } from '../fsm/index.js';
import { ManualClock, nullLogger, SeededRng } from '../lib/index.js';
import { Server, SoloRaft } from '../server/index.js';
import { SnapshotEndpoint } from '../server/snapshot-endpoint.js';
import { Store } from '../state/index.js';
import { registerSnapshot } from './snapshot.js';
import { injector, testHttpApi } from './test-harness.js';

export interface SnapshotHarness {
  store: Store;
  log: InMemoryLog;
  request(opts: InjectOptions | string): Promise<Response>;
  /** Where the HTTP API listens if `listen()` was called. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** An in-process server (InMemoryLog) with the HTTP API and /v1/snapshot registered. */
export function snapshotHarness(): SnapshotHarness {
  const clock = new ManualClock(1_700_000_000_000);
  const store = new Store(clock);
  const fsm = new Fsm(store);
  const log = new InMemoryLog(fsm);
  log.applySync({ type: 'noop' });
  const raft = new SoloRaft({ id: 'b2f1e3d0-0000-4000-8000-000000000001', node: 'n1', address: '127.0.0.1:8300' }, log);
  const server = new Server({ store, log, clock, rng: new SeededRng(1), logger: nullLogger, datacenter: 'dc1', rpcAddress: '127.0.0.1:8300', raft, newID: () => 'id' });
  const api = testHttpApi(server, clock);
  registerSnapshot(api.router, new SnapshotEndpoint({ fsm: new RaftFsm(fsm), log, raft, datacenter: 'dc1', clock }));
  return {
    store,
    log,
    request: injector(api),
    listen: async () => {
      const a = await api.listen('127.0.0.1', 0);
      return `127.0.0.1:${a.port}`;
    },
    close: () => api.close(),
  };
}
