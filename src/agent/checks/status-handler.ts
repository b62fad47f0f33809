/**
 * checks.StatusHandler [agent/checks/check.go]: a check becomes passing (or warning) only after
 * `successBeforePassing` consecutive successes, and critical only after
 * `failuresBeforeCritical` consecutive failures. Warning counts as a success. Both counters
 * start at their thresholds, so the first result is reported at once. Used by script, HTTP,
 * TCP (and Docker, gRPC) checks; not by TTL and alias checks, nor for a script's timeout or
 * failure to start, which Consul reports directly.
 */
import type { Logger } from '../../lib/index.js';
import type { CheckStatus, UpdateFn } from './types.js';

export class StatusHandler {
  private successCounter: number;
  private failuresCounter: number;

  constructor(
    private readonly inner: UpdateFn,
    private readonly logger: Logger,
    private readonly successBeforePassing: number,
    private readonly failuresBeforeCritical: number,
  ) {
    this.successCounter = successBeforePassing;
    this.failuresCounter = failuresBeforeCritical;
  }

  updateCheck(checkID: string, status: CheckStatus, output: string): void {
    if (status === 'passing' || status === 'warning') {
      this.successCounter++;
      this.failuresCounter = 0;
      if (this.successCounter >= this.successBeforePassing) {
        this.logger.debug('Check status updated', { check: checkID, status });
        this.inner(checkID, status, output);
        return;
      }
      this.logger.warn('Check passed but has not reached success threshold', {
        check: checkID,
        status,
        success_count: this.successCounter,
        success_threshold: this.successBeforePassing,
      });
      return;
    }
    this.failuresCounter++;
    this.successCounter = 0;
    if (this.failuresCounter >= this.failuresBeforeCritical) {
      this.logger.warn('Check is now critical', { check: checkID });
      this.inner(checkID, status, output);
      return;
    }
    this.logger.warn('Check failed but has not reached failure threshold', {
      check: checkID,
      status,
      failure_count: this.failuresCounter,
      failure_threshold: this.failuresBeforeCritical,
    });
  }
}
