/**
 * A suspicion of one member (memberlist suspicion.go; Lifeguard §4.2, "local health aware
 * suspicion"). It starts at `max` and each independent confirmation (another member suspecting
 * the same incarnation) brings the deadline down logarithmically towards `min`:
 * remaining = max − (ln(c + 1) / ln(k + 1)) · (max − min), never below min. With k = 0 wanted
 * confirmations it is `min` from the start. When the deadline passes, `onTimeout` gets the
 * number of confirmations seen.
 */
import type { Clock, Timer } from '../../lib/index.js';

export class Suspicion {
  private confirmations = 0;
  private readonly from = new Set<string>();
  private readonly startMs: number;
  private timer: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    /** The member whose suspicion started it (its confirmations do not count twice). */
    first: string,
    private readonly wanted: number,
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly onTimeout: (confirmations: number) => void,
  ) {
    this.from.add(first);
    this.startMs = clock.monotonicMs();
    this.timer = clock.setTimer(wanted < 1 ? minMs : maxMs, () => this.fire());
  }

  /** Counts a confirmation from `from`; false if it is not new or enough were seen already. */
  confirm(from: string): boolean {
    if (this.confirmations >= this.wanted || this.from.has(from) || !this.timer) return false;
    this.from.add(from);
    this.confirmations++;
    const elapsed = this.clock.monotonicMs() - this.startMs;
    const remaining = remainingSuspicionMs(this.confirmations, this.wanted, elapsed, this.minMs, this.maxMs);
    this.timer.cancel();
    this.timer = this.clock.setTimer(Math.max(0, remaining), () => this.fire());
    return true;
  }

  /** Stops it (the member was refuted, or declared dead another way). */
  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  get confirmationCount(): number {
    return this.confirmations;
  }

  private fire(): void {
    this.timer = undefined;
    this.onTimeout(this.confirmations);
  }
}

/** memberlist's remainingSuspicionTime (whole milliseconds, floored at min, minus what has elapsed). */
export function remainingSuspicionMs(confirmations: number, wanted: number, elapsedMs: number, minMs: number, maxMs: number): number {
  const frac = Math.log(confirmations + 1) / Math.log(wanted + 1);
  const raw = maxMs / 1000 - frac * (maxMs / 1000 - minMs / 1000);
  const timeout = Math.max(minMs, Math.floor(1000 * raw));
  return timeout - elapsedMs;
}
