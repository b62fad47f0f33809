/**
 * Muster's typed HTTP client for the Consul-compatible API v1, used by cli/, watch/ and
 * template/. `new Client(config)` gives the transport plus `kv`, `agent` and `status`.
 */
import { Agent, Status } from './agent.js';
import { ApiClient, type ClientConfig } from './client.js';
import { Kv } from './kv.js';

export class Client extends ApiClient {
  readonly kv: Kv;
  readonly agent: Agent;
  readonly status: Status;
  constructor(config: ClientConfig = {}) {
    super(config);
    this.kv = new Kv(this);
    this.agent = new Agent(this);
    this.status = new Status(this);
  }
}

export * from './agent.js';
export * from './client.js';
export * from './errors.js';
export * from './kv.js';
export * from './url.js';
