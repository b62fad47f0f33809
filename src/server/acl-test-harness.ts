/** A server with ACLs on (store, FSM, in-memory log, manual clock, seeded IDs) for the ACL tests. */
import { Fsm, InMemoryLog } from '../fsm/index.js';
import { CaptureLogger, ManualClock, SeededRng } from '../lib/index.js';
import { Store } from '../state/index.js';
import type { ACLTokenSetArgs } from './acl-endpoint.js';
import { aclDisabled, type AclSettings } from './acl-resolver.js';
import { Server } from './endpoints.js';

export function aclServer(acl: Partial<AclSettings> = {}, seed = 5) {
  const clock = new ManualClock(1_700_000_000_000);
  const store = new Store(clock);
  const log = new InMemoryLog(new Fsm(store));
  log.applySync({ type: 'noop' });
  const rng = new SeededRng(seed);
  const newID = (): string => {
    const hex = Array.from({ length: 32 }, () => rng.int(16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  const capture = new CaptureLogger();
  const settings: AclSettings = { ...aclDisabled, enabled: true, defaultPolicy: 'deny', masterToken: 'root', ...acl };
  const server = new Server({ store, log, clock, rng, logger: capture.logger, datacenter: 'dc1', rpcAddress: '127.0.0.1:8300', newID, acl: settings });
  return { clock, store, log, server, acl: server.acl, capture, newID };
}

/** TokenSet arguments: nothing given but what `t` says. */
export const tokenArgs = (t: Partial<ACLTokenSetArgs> = {}): ACLTokenSetArgs => ({
  accessorID: '',
  secretID: '',
  description: '',
  policies: [],
  roles: [],
  serviceIdentities: [],
  nodeIdentities: [],
  local: false,
  authMethod: '',
  expirationTime: '',
  expirationTtlMs: 0,
  rules: '',
  ...t,
});
