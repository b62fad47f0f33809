/**
 * A running watch (Consul's api/watch/plan.go, RunWithClientAndHclog step for step): one
 * blocking read after another; the handler runs with the first result, then only when the
 * index moved AND the result differs (Go's reflect.DeepEqual, here equality of the Go JSON
 * encoding, which tells nil from empty just as DeepEqual does). After a failed read the last
 * index is forgotten, so the next good read runs the handler again, and the loop waits
 * 5 s × failures², at most 180 s. The handler is awaited before the next read. `stop()` ends
 * the loop, cancelling an in-flight read or a back-off wait.
 */
import type { Client } from '../api/index.js';
import { formatDurationMs, type Clock, type Logger, type Timer } from '../lib/index.js';
import { encodeGoJson, type GoValue } from './go-json.js';
import type { PlanSpec } from './params.js';
import { watcherFor, type BlockParam, type Watcher } from './watchers.js';

/** plan.go retryInterval: the back-off unit after a failed read. */
export const retryIntervalMs = 5_000;
/** plan.go maxBackoffTime: the longest back-off. */
export const maxBackoffMs = 180_000;

/** Go's Handler(idx uint64, data): the index (0 for a hash-based watch) and the result. */
export type WatchHandler = (index: bigint, value: GoValue) => void | Promise<void>;

export interface PlanDeps {
  clock: Clock;
  /** Named `watch` inside, as Go names the plan's logger. */
  logger: Logger;
}

/** The back-off after `failures` consecutive failed reads. */
export function backoffMs(failures: number): number {
  return Math.min(retryIntervalMs * failures * failures, maxBackoffMs);
}

function paramEqual(a: BlockParam | null, b: BlockParam | null): boolean {
  if (!a || !b || a.kind !== b.kind) return false;
  return a.kind === 'index' ? a.index === (b as { index: bigint }).index : a.hash === (b as { hash: string }).hash;
}

/** BlockingParamVal.Next: an index equal to the previous one resets to 0. */
function next(current: BlockParam, previous: BlockParam | null): BlockParam {
  if (current.kind === 'index' && previous?.kind === 'index' && previous.index === current.index) return { kind: 'index', index: 0n };
  return current;
}

export class WatchPlan {
  readonly type: string;
  handler: WatchHandler | undefined;
  private readonly watcher: Watcher;
  private lastParam: BlockParam | null = null;
  private lastResult: string | undefined;
  private stopped = false;
  private abort = new AbortController();
  private wake: (() => void) | undefined;
  private readonly log: Logger;

  constructor(
    readonly spec: PlanSpec,
    private readonly deps: PlanDeps,
    watcher?: Watcher,
  ) {
    this.type = spec.type;
    this.watcher = watcher ?? watcherFor(spec.query);
    this.log = deps.logger.named('watch');
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Runs until stop(); resolves then. The client is the caller's (it closes it). */
  async run(client: Client): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let result;
      try {
        result = await this.watcher(client, this.lastParam, this.abort.signal);
      } catch (err) {
        if (this.stopped) break;
        failures++;
        this.lastParam = null;
        const retry = backoffMs(failures);
        this.log.error('Watch errored', { type: this.type, error: (err as Error).message, retry: formatDurationMs(retry) });
        await this.sleep(retry);
        continue;
      }
      if (this.stopped) break;
      failures = 0;
      if (this.lastParam !== null && paramEqual(this.lastParam, result.param)) continue;
      const old = this.lastParam;
      this.lastParam = next(result.param, old);
      const encoded = encodeGoJson(result.value);
      if (old !== null && encoded === this.lastResult) continue;
      this.lastResult = encoded;
      if (result.param.kind !== 'index') {
        this.log.error('Handler only supports index-based  watches but non index-based watch run. Skipping Handler.');
      }
      await this.handler?.(result.param.kind === 'index' ? result.param.index : 0n, result.value);
    }
  }

  /** Ends the loop (idempotent): an in-flight read is cancelled, a back-off wait cut short. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const box: { timer?: Timer } = {};
      this.wake = () => {
        box.timer?.cancel();
        this.wake = undefined;
        resolve();
      };
      box.timer = this.deps.clock.setTimer(ms, () => this.wake?.());
    });
  }
}
