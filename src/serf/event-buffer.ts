/**
 * Recent user events by Lamport time (serf's eventBuffer): an event is delivered once, however
 * many members gossip it to us. The buffer holds `size` Lamport times; an event older than that
 * (or older than the minimum set on join) is ignored, a duplicate at a known time is ignored.
 */
import { sameBytes } from '../lib/index.js';
import type { EventsAt } from './messages.js';

export type EventVerdict = 'new' | 'duplicate' | 'old';

export class EventBuffer {
  private readonly slots: Array<EventsAt | undefined>;
  /** Events before this Lamport time are ignored (set when joining with ignoreOld). */
  minTime = 0;

  constructor(readonly size: number) {
    this.slots = new Array<EventsAt | undefined>(size);
  }

  /** Records the event if it is new; `now` is the event clock's time after witnessing it. */
  record(lTime: number, name: string, payload: Uint8Array, now: number): EventVerdict {
    if (lTime < this.minTime) return 'old';
    if (now > this.size && lTime < now - this.size) return 'old';
    const idx = lTime % this.size;
    let seen = this.slots[idx];
    if (seen && seen.lTime === lTime) {
      if (seen.events.some((e) => e.name === name && sameBytes(e.payload, payload))) return 'duplicate';
    } else {
      seen = { lTime, events: [] };
      this.slots[idx] = seen;
    }
    seen.events.push({ name, payload });
    return 'new';
  }

  /** Everything held, for a push/pull exchange. */
  all(): EventsAt[] {
    return this.slots.filter((s): s is EventsAt => s !== undefined);
  }
}
