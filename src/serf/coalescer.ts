/**
 * Coalescing of user events marked to coalesce (serf's coalesce_user.go): events are held
 * until `periodMs` after the first or `quiescentMs` after the last, and then only the newest
 * Lamport time of each name is delivered (all events of that name at that time).
 */
import type { Clock, Timer } from '../lib/index.js';
import type { UserEvent } from './serf.js';

export class Coalescer {
  private readonly latest = new Map<string, { lTime: number; events: UserEvent[] }>();
  private periodTimer: Timer | undefined;
  private quietTimer: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly periodMs: number,
    private readonly quiescentMs: number,
    private readonly deliver: (e: UserEvent) => void,
  ) {}

  add(e: UserEvent): void {
    const held = this.latest.get(e.name);
    if (!held || held.lTime < e.lTime) this.latest.set(e.name, { lTime: e.lTime, events: [e] });
    else if (held.lTime === e.lTime) held.events.push(e);
    this.periodTimer ??= this.clock.setTimer(this.periodMs, () => this.flush());
    if (this.quiescentMs > 0) {
      this.quietTimer?.cancel();
      this.quietTimer = this.clock.setTimer(this.quiescentMs, () => this.flush());
    }
  }

  private flush(): void {
    this.periodTimer?.cancel();
    this.quietTimer?.cancel();
    this.periodTimer = this.quietTimer = undefined;
    const held = [...this.latest.values()];
    this.latest.clear();
    for (const h of held) for (const e of h.events) this.deliver(e);
  }

  stop(): void {
    this.periodTimer?.cancel();
    this.quietTimer?.cancel();
    this.latest.clear();
  }
}
