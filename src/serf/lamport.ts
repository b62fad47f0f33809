/**
 * A Lamport clock (serf's lamport.go): `time()` is the next time to stamp a message with,
 * `increment()` moves past it once a message carries it, `witness(t)` moves past any time seen
 * from others. Serf keeps three: member intents, user events and queries.
 */
export class LamportClock {
  private counter = 0;

  time(): number {
    return this.counter;
  }

  increment(): number {
    return ++this.counter;
  }

  /** Moves the clock past `t` (to t + 1) if it is not already there. */
  witness(t: number): void {
    if (t >= this.counter) this.counter = t + 1;
  }
}
