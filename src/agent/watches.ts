/**
 * The agent's `watches` (Consul's Agent.reloadWatches): every entry is parsed with Consul's
 * texts first (one bad entry and none run); then each runs as a watch plan against the agent's
 * own HTTP address, with a script handler (`args`, or the deprecated shell `handler`) or an
 * http handler. A reload replaces them all; shutdown stops them.
 */
import type { ClientConfig } from '../api/index.js';
import type { RuntimeConfig } from '../config/index.js';
import { MusterError, type Clock, type Logger } from '../lib/index.js';
import { httpHandler, parseAgentWatches, scriptHandler, startWatch, WatchParseError, type AgentWatchSpec, type RunningWatch } from '../watch/index.js';

export interface AgentWatchesDeps {
  clock: Clock;
  /** The agent's logger (`agent`); plans log as `agent.watch.watch`, as Consul's do. */
  logger: Logger;
  /** The agent's own HTTP API, as a client reaches it (see `watchAddress`). */
  clientConfig: () => ClientConfig;
  /** The environment handler processes get (plus CONSUL_INDEX). */
  env: Record<string, string | undefined>;
}

/**
 * Consul's RuntimeConfig.ClientAddress: the first HTTP address, with an unspecified IP
 * (0.0.0.0, ::) replaced by loopback.
 */
export function watchAddress(httpAddrs: readonly string[]): string {
  const first = httpAddrs[0] ?? '127.0.0.1:8500';
  return first.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
}

export class AgentWatches {
  private running: RunningWatch[] = [];

  constructor(private readonly deps: AgentWatchesDeps) {}

  /**
   * The config's watches, parsed; throws MusterError ERR_CONFIG with Consul's text (`Failed
   * to parse watch (map[string]interface {}{...}): Must specify a single key to watch`).
   */
  static parse(config: RuntimeConfig): AgentWatchSpec[] {
    const hasHttp = config.ports.http !== -1 && config.httpAddrs.length > 0;
    try {
      return parseAgentWatches(config.raw['watches'], hasHttp);
    } catch (e) {
      if (e instanceof WatchParseError) throw new MusterError('ERR_CONFIG', e.message);
      throw e;
    }
  }

  /** How many watches run now. */
  get count(): number {
    return this.running.length;
  }

  /** Starts each watch (the agent's HTTP API must answer by now). */
  start(list: readonly AgentWatchSpec[]): void {
    const log = this.deps.logger;
    for (const w of list) {
      if (w.deprecatedHandler) {
        log.warn("The 'handler' field in watches has been deprecated and replaced with the 'args' field. See https://www.consul.io/docs/agent/watches.html");
      }
      const handler = w.handler.kind === 'http' ? httpHandler(log, w.handler.config) : scriptHandler(log, w.handler.handler, this.deps.env);
      const running = startWatch(w.spec, handler, { client: this.deps.clientConfig(), clock: this.deps.clock, logger: log.named('watch') });
      running.done.catch((err: unknown) => log.error('Failed to run watch', { error: (err as Error).message }));
      this.running.push(running);
    }
  }

  /** A reload: the running watches stop, the new list starts. */
  replace(list: readonly AgentWatchSpec[]): void {
    this.stopAll();
    this.start(list);
  }

  /** Stops every watch; resolves once their loops have ended (a running handler finishes first). */
  async stop(): Promise<void> {
    const done = this.stopAll();
    await Promise.allSettled(done);
  }

  private stopAll(): Promise<void>[] {
    const done = this.running.map((r) => {
      r.stop();
      return r.done;
    });
    this.running = [];
    return done;
  }
}
