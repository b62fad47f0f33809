/**
 * The output side of a remote exec job (Consul's rexecWriter in agent/remote_exec.go), with
 * time from the injected Clock:
 *
 * - `RexecWriter` collects the command's stdout and stderr in a buffer of `bufBytes` (4 KiB).
 *   A full buffer is sent at once, as exactly `bufBytes`; what is left goes out when nothing
 *   was written for `idleMs` (500 ms; every write restarts that timer) or on `flush()` when the
 *   command has exited. A chunk is never empty.
 * - `ChunkChannel` is Go's `BufCh` (capacity 16) and `CancelCh`: the uploader takes chunks with
 *   `next(timeoutMs)`, which also says when nothing came for a whole `Wait` (a heartbeat is
 *   due) and when the writer is closed. Go's full channel blocks the command's output; here the
 *   channel calls `onFull(true)` (the command's pipes are paused) and `onFull(false)` once the
 *   uploader has caught up. After `cancel()` chunks are dropped, as Go's Flush does.
 */
import type { Clock, Timer } from '../lib/index.js';

/** Go's remoteExecOutputSize: the size output is chunked to. */
export const remoteExecOutputBytes = 4 * 1024;
/** Go's remoteExecOutputDeadline: how long output may sit in the buffer with nothing new. */
export const remoteExecOutputDeadlineMs = 500;
/** Go's BufCh capacity: chunks waiting for upload before the command's output is held back. */
export const remoteExecChunksQueued = 16;

export type ChunkEvent = { kind: 'chunk'; data: Uint8Array } | { kind: 'closed' } | { kind: 'timeout' };

export class ChunkChannel {
  private readonly chunks: Uint8Array[] = [];
  private closed = false;
  private cancelled = false;
  private full = false;
  private waiter: ((e: ChunkEvent) => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onFull: (full: boolean) => void = () => {},
    private readonly capacity = remoteExecChunksQueued,
  ) {}

  /** Queues a chunk for upload (dropped after cancel or close). */
  push(data: Uint8Array): void {
    if (this.cancelled || this.closed) return;
    if (this.waiter) {
      this.deliver({ kind: 'chunk', data });
      return;
    }
    this.chunks.push(data);
    if (!this.full && this.chunks.length >= this.capacity) {
      this.full = true;
      this.onFull(true);
    }
  }

  /** No more chunks will come (Go's close(BufCh)); queued ones are still delivered first. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.waiter && this.chunks.length === 0) this.deliver({ kind: 'closed' });
  }

  /** The uploader gave up (Go's close(CancelCh)): drop what is queued and what comes. */
  cancel(): void {
    this.cancelled = true;
    this.chunks.length = 0;
    this.setFull(false);
  }

  /**
   * The next chunk; `closed` once closed and drained; `timeout` if neither came within
   * `timeoutMs` (Go's `time.After(spec.Wait)`, started afresh on every call). One caller at a time.
   */
  next(timeoutMs: number): Promise<ChunkEvent> {
    const data = this.chunks.shift();
    if (data) {
      if (this.chunks.length < this.capacity) this.setFull(false);
      return Promise.resolve({ kind: 'chunk', data });
    }
    if (this.closed) return Promise.resolve({ kind: 'closed' });
    return new Promise<ChunkEvent>((resolve) => {
      const timer = this.clock.setTimer(timeoutMs, () => this.deliver({ kind: 'timeout' }));
      this.waiter = (e) => {
        timer.cancel();
        resolve(e);
      };
    });
  }

  private deliver(e: ChunkEvent): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.(e);
  }

  private setFull(full: boolean): void {
    if (this.full === full) return;
    this.full = full;
    this.onFull(full);
  }
}

export class RexecWriter {
  private buf: Uint8Array;
  private len = 0;
  private idle: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly sink: (chunk: Uint8Array) => void,
    private readonly bufBytes = remoteExecOutputBytes,
    private readonly idleMs = remoteExecOutputDeadlineMs,
  ) {
    this.buf = new Uint8Array(bufBytes);
  }

  /** Go's rexecWriter.Write: fill the buffer, sending each full one; then restart the idle timer. */
  write(b: Uint8Array): void {
    this.stopIdle();
    let rest = b;
    for (;;) {
      const remain = this.bufBytes - this.len;
      if (remain > rest.length) {
        this.buf.set(rest, this.len);
        this.len += rest.length;
        break;
      }
      this.buf.set(rest.subarray(0, remain), this.len);
      this.len += remain;
      rest = rest.subarray(remain);
      this.flush();
    }
    this.idle = this.clock.setTimer(this.idleMs, () => this.flush());
  }

  /** Go's rexecWriter.Flush: send what is buffered, if anything. */
  flush(): void {
    this.stopIdle();
    if (this.len === 0) return;
    const chunk = this.buf.subarray(0, this.len);
    this.buf = new Uint8Array(this.bufBytes);
    this.len = 0;
    this.sink(chunk);
  }

  private stopIdle(): void {
    this.idle?.cancel();
    this.idle = undefined;
  }
}
