/**
 * checks.CheckTTL: the application reports its own status (PUT /v1/agent/check/pass|warn|fail|
 * update). Each report resets the TTL; when it runs out the check goes critical with
 * `TTL expired`, followed by ` (last output before timeout follows): <output>` when the last
 * report had output. A report's output is cut to outputMaxSize bytes
 * (` ... (captured N of M bytes)`). The runner sends nothing on start: the initial status is
 * the registration's (critical unless `status` was given), and stays until a report or expiry.
 */
import type { Timer } from '../../lib/index.js';
import { outputMaxSizeDefault } from './definition.js';
import { truncateTtlOutput } from './output.js';
import type { CheckRunner, CheckStatus, RunnerDeps } from './types.js';

export interface TtlCheckOptions {
  checkID: string;
  ttlMs: number;
  outputMaxSize: number;
}

export interface TtlRunner extends CheckRunner {
  /** CheckTTL.SetStatus: reports, restarts the TTL, returns the (possibly cut) output. */
  setStatus(status: CheckStatus, output: string): string;
}

export function createTtlRunner(o: TtlCheckOptions, deps: RunnerDeps): TtlRunner {
  const outputMaxSize = o.outputMaxSize < 1 ? outputMaxSizeDefault : o.outputMaxSize;
  let timer: Timer | undefined;
  let running = false;
  let lastOutput = '';
  const expired = (): void => {
    timer = undefined;
    deps.logger.warn('Check missed TTL, is now critical', { check: o.checkID });
    const prefix = 'TTL expired';
    deps.update(o.checkID, 'critical', lastOutput === '' ? prefix : `${prefix} (last output before timeout follows): ${lastOutput}`);
  };
  const arm = (): void => {
    timer?.cancel();
    timer = deps.clock.setTimer(o.ttlMs, expired);
  };
  return {
    start() {
      running = true;
      arm();
    },
    stop() {
      running = false;
      timer?.cancel();
      timer = undefined;
    },
    setStatus(status, output) {
      deps.logger.debug('Check status updated', { check: o.checkID, status });
      const cut = truncateTtlOutput(output, outputMaxSize);
      deps.update(o.checkID, status, cut);
      lastOutput = cut;
      if (running) arm();
      return cut;
    },
  };
}
