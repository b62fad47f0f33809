import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/index.js';
import { ChunkChannel, RexecWriter, remoteExecChunksQueued, remoteExecOutputBytes, remoteExecOutputDeadlineMs } from './remote-exec-output.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function writer(): { clock: ManualClock; w: RexecWriter; chunks: Uint8Array[] } {
  const clock = new ManualClock();
  const chunks: Uint8Array[] = [];
  return { clock, w: new RexecWriter(clock, (c) => chunks.push(c)), chunks };
}

describe('RexecWriter (Consul rexecWriter)', () => {
  it('sends a small output after 500 ms without writes, restarting the wait on each write', () => {
    const { clock, w, chunks } = writer();
    w.write(bytes('a'));
    clock.advance(remoteExecOutputDeadlineMs - 1);
    w.write(bytes('b'));
    clock.advance(remoteExecOutputDeadlineMs - 1);
    expect(chunks).toEqual([]);
    clock.advance(1);
    expect(chunks.map(text)).toEqual(['ab']);
    clock.advance(10_000);
    expect(chunks).toHaveLength(1);
  });

  it('cuts output into chunks of exactly 4 KiB as soon as the buffer fills', () => {
    const { clock, w, chunks } = writer();
    const big = new Uint8Array(2 * remoteExecOutputBytes + 100).map((_, i) => 65 + (i % 26));
    w.write(big.subarray(0, 3000));
    w.write(big.subarray(3000));
    expect(chunks.map((c) => c.length)).toEqual([remoteExecOutputBytes, remoteExecOutputBytes]);
    clock.advance(remoteExecOutputDeadlineMs);
    expect(chunks.map((c) => c.length)).toEqual([remoteExecOutputBytes, remoteExecOutputBytes, 100]);
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    expect(all).toEqual(big);
  });

  it('flush sends what is left at once, and nothing when empty', () => {
    const { clock, w, chunks } = writer();
    w.flush();
    w.write(bytes('tail'));
    w.flush();
    expect(chunks.map(text)).toEqual(['tail']);
    clock.advance(remoteExecOutputDeadlineMs);
    expect(chunks).toHaveLength(1);
  });

  it('a write of exactly the buffer size is one chunk and leaves nothing behind', () => {
    const { clock, w, chunks } = writer();
    w.write(new Uint8Array(remoteExecOutputBytes).fill(120));
    expect(chunks.map((c) => c.length)).toEqual([remoteExecOutputBytes]);
    clock.advance(remoteExecOutputDeadlineMs);
    expect(chunks).toHaveLength(1);
  });
});

describe('ChunkChannel', () => {
  it('gives queued chunks, then a timeout after the wait, then closed', async () => {
    const clock = new ManualClock();
    const ch = new ChunkChannel(clock);
    ch.push(bytes('x'));
    expect(await ch.next(1000)).toEqual({ kind: 'chunk', data: bytes('x') });
    const waiting = ch.next(1000);
    clock.advance(999);
    ch.push(bytes('y'));
    expect(await waiting).toEqual({ kind: 'chunk', data: bytes('y') });
    const silent = ch.next(1000);
    clock.advance(1000);
    expect(await silent).toEqual({ kind: 'timeout' });
    ch.push(bytes('z'));
    ch.close();
    expect(await ch.next(1000)).toEqual({ kind: 'chunk', data: bytes('z') });
    expect(await ch.next(1000)).toEqual({ kind: 'closed' });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('holds the output back while 16 chunks wait, and lets it go once the uploader catches up', async () => {
    const clock = new ManualClock();
    const held: boolean[] = [];
    const ch = new ChunkChannel(clock, (h) => held.push(h));
    for (let i = 0; i < remoteExecChunksQueued; i++) ch.push(bytes(String(i)));
    expect(held).toEqual([true]);
    expect(await ch.next(1000)).toEqual({ kind: 'chunk', data: bytes('0') });
    expect(held).toEqual([true, false]);
  });

  it('drops everything after cancel', async () => {
    const clock = new ManualClock();
    const ch = new ChunkChannel(clock);
    ch.push(bytes('a'));
    ch.cancel();
    ch.push(bytes('b'));
    ch.close();
    expect(await ch.next(1000)).toEqual({ kind: 'closed' });
  });
});
