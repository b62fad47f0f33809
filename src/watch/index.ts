/**
 * Watches (Consul's api/watch): parse a watch's parameters, run its blocking-query loop
 * against an agent, and call a handler with each change. Used by `muster watch` and by the
 * agent's `watches` config. See README.md.
 */
import { Client, type ClientConfig } from '../api/index.js';
import type { Clock, Logger } from '../lib/index.js';
import type { PlanSpec } from './params.js';
import { WatchPlan, type WatchHandler } from './plan.js';

export * from './agent-config.js';
export * from './api-shapes.js';
export * from './go-format.js';
export * from './go-json.js';
export * from './handlers.js';
export * from './params.js';
export * from './plan.js';
export * from './process.js';
export * from './watchers.js';

export interface RunningWatch {
  plan: WatchPlan;
  /** Settles when the loop has ended (after stop()). */
  done: Promise<void>;
  stop(): void;
}

export interface StartWatchOptions {
  /** The agent to ask (address, TLS); the plan's datacenter and token replace the config's. */
  client: ClientConfig;
  clock: Clock;
  logger: Logger;
}

/**
 * Go's Plan.RunWithConfig: a client for `client.address` with the plan's datacenter and token
 * (empty ones mean the agent's own), then the loop, until stop().
 */
export function startWatch(spec: PlanSpec, handler: WatchHandler, opts: StartWatchOptions): RunningWatch {
  const { tokenFile: _ignored, ...base } = opts.client;
  const client = new Client({ ...base, datacenter: spec.datacenter, token: spec.token });
  const plan = new WatchPlan(spec, { clock: opts.clock, logger: opts.logger });
  plan.handler = handler;
  const done = plan.run(client).finally(() => client.close());
  return { plan, done, stop: () => plan.stop() };
}
