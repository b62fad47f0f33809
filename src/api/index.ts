/**
 * Muster's typed HTTP client for the Consul-compatible API v1, used by cli/, watch/ and
 * template/. `new Client(config)` gives the transport plus `kv`, `agent` and `status`.
 */
import { Agent, Status } from './agent.js';
import { Catalog } from './catalog.js';
import { ApiClient, type ClientConfig } from './client.js';
import { Health } from './health.js';
import { Kv } from './kv.js';
import { Lock, type LockOptions } from './lock.js';
import { Operator } from './operator.js';
import { Semaphore, type SemaphoreOptions } from './semaphore.js';
import { Session } from './session.js';

export class Client extends ApiClient {
  readonly kv: Kv;
  readonly agent: Agent;
  readonly status: Status;
  readonly catalog: Catalog;
  readonly health: Health;
  readonly session: Session;
  readonly operator: Operator;
  constructor(config: ClientConfig = {}) {
    super(config);
    this.kv = new Kv(this);
    this.agent = new Agent(this);
    this.status = new Status(this);
    this.catalog = new Catalog(this);
    this.health = new Health(this);
    this.session = new Session(this);
    this.operator = new Operator(this);
  }

  /** Go's Client.LockOpts: a lock on `opts.key` (throws LockError ERR_LOCK_CONFIG). */
  lockOpts(opts: LockOptions): Lock {
    return new Lock(this, opts);
  }

  /** Go's Client.SemaphoreOpts: a semaphore on `opts.prefix` with `opts.limit` slots. */
  semaphoreOpts(opts: SemaphoreOptions): Semaphore {
    return new Semaphore(this, opts);
  }
}

export * from './agent.js';
export * from './agent-services.js';
export * from './catalog.js';
export * from './client.js';
export * from './errors.js';
export * from './event.js';
export * from './health.js';
export * from './kv.js';
export * from './lock.js';
export * from './operator.js';
export * from './semaphore.js';
export * from './session.js';
export * from './url.js';
export * from './operator-raft.js';
