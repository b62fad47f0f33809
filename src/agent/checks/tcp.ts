/**
 * checks.CheckTCP: connect to `host:port` every interval; passing with
 * `TCP connect <addr>: Success`, critical with Go's dial error. Timeout 10s unless given.
 */
import type { StatusHandler } from './status-handler.js';
import { IntervalLoop } from './interval-loop.js';
import { dialTcp } from './go-net.js';
import { networkTimeoutMsDefault } from './definition.js';
import type { CheckRunner, RunnerDeps } from './types.js';

export interface TcpCheckOptions {
  checkID: string;
  tcp: string;
  intervalMs: number;
  timeoutMs: number;
  statusHandler: StatusHandler;
}

export function createTcpRunner(o: TcpCheckOptions, deps: RunnerDeps): CheckRunner {
  const timeoutMs = o.timeoutMs > 0 ? o.timeoutMs : networkTimeoutMsDefault;
  const loop = new IntervalLoop(deps, o.intervalMs, async (run) => {
    const r = await dialTcp(o.tcp, timeoutMs, deps.clock);
    if (r.ok) r.socket.destroy();
    if (!run.live) return;
    if (r.ok) {
      o.statusHandler.updateCheck(o.checkID, 'passing', `TCP connect ${o.tcp}: Success`);
    } else {
      deps.logger.warn('Check socket connection failed', { check: o.checkID, error: r.error });
      o.statusHandler.updateCheck(o.checkID, 'critical', r.error);
    }
  });
  return { start: () => loop.start(), stop: () => loop.stop() };
}
