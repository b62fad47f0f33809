/**
 * Keeps the event loop polling for a moment after it has written a reply, instead of going to
 * sleep in epoll at once.
 *
 * Why: on a virtual machine, a thread that sleeps lets its vCPU halt, and waking it for the next
 * packet costs tens of microseconds (an inter-processor interrupt through the hypervisor). A
 * client that sends its next request as soon as it has the answer (a sequential client:
 * `kv import`, consul-template, a Raft follower answering its leader) pays that on every
 * request: measured on this project's 2-vCPU machine, half of a 1-connection GET's round trip.
 * Go's runtime avoids it by spinning a moment before it blocks in the netpoller, which is why
 * Consul answered such clients faster than Node did. Here, each written reply ("kick") keeps
 * the loop running a `setImmediate` chain until `spinMs` after the last kick (a pending
 * immediate makes libuv poll with a zero timeout); then the loop sleeps as usual.
 *
 * Cost: at most `spinMs` of CPU per burst of traffic (an agent answering a request every 10 ms
 * spends 0.5% of a core on it); under load the loop is never idle, so it never spins.
 * Pure: the clock and the scheduling of the next turn are injected.
 */
export class LoopSpin {
  private until = 0;
  private spinning = false;

  constructor(
    private readonly spinMs: number,
    private readonly nowMs: () => number,
    /** Runs `fn` on the loop's next turn, after pending I/O (setImmediate). */
    private readonly nextTurn: (fn: () => void) => void,
  ) {}

  /** A reply was written: poll until `spinMs` from now before sleeping. */
  readonly kick = (): void => {
    if (this.spinMs <= 0) return;
    this.until = this.nowMs() + this.spinMs;
    if (this.spinning) return;
    this.spinning = true;
    this.nextTurn(this.turn);
  };

  /** Whether a turn is scheduled (for tests and stats). */
  get active(): boolean {
    return this.spinning;
  }

  private readonly turn = (): void => {
    if (this.nowMs() < this.until) this.nextTurn(this.turn);
    else this.spinning = false;
  };
}
