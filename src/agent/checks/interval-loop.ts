/**
 * The run loop every interval check shares (CheckMonitor.run, CheckHTTP.run, ...): the first
 * run after a random stagger within the interval (lib.RandomStagger), then each next run one
 * interval after the previous one finished. Runs never overlap. After stop() an in-flight run
 * completes but its result is dropped (`run.live` is false), so a stopped or replaced check
 * never writes a stale status.
 */
import type { Logger } from '../../lib/index.js';
import type { Clock, Rng, Timer } from '../../lib/index.js';

export interface RunHandle {
  /** False once the loop that started this run was stopped. */
  readonly live: boolean;
}

export class IntervalLoop {
  private timer: Timer | undefined;
  private generation = 0;

  constructor(
    private readonly deps: { clock: Clock; rng: Rng; logger: Logger },
    readonly intervalMs: number,
    private readonly runOnce: (run: RunHandle) => Promise<void>,
  ) {}

  start(): void {
    this.stop();
    const gen = ++this.generation;
    const handle: RunHandle = {
      get live() {
        return live();
      },
    };
    const live = (): boolean => gen === this.generation;
    const tick = (): void => {
      this.timer = undefined;
      this.runOnce(handle)
        .catch((err: unknown) => this.deps.logger.error('check run failed', { error: err }))
        .finally(() => {
          if (live()) this.timer = this.deps.clock.setTimer(this.intervalMs, tick);
        });
    };
    const staggerMs = this.intervalMs > 0 ? this.deps.rng.next() * this.intervalMs : 0;
    this.timer = this.deps.clock.setTimer(staggerMs, tick);
  }

  stop(): void {
    this.generation++;
    this.timer?.cancel();
    this.timer = undefined;
  }
}
