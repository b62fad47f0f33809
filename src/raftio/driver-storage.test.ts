import { describe, expect, it } from 'vitest';
import { pacedForRestore } from './driver-storage.js';

async function* chunks(...sizes: number[]): AsyncGenerator<Uint8Array> {
  let n = 0;
  for (const size of sizes) yield Uint8Array.from({ length: size }, () => n++ % 251);
}

describe('pacedForRestore', () => {
  it('hands the FSM the same bytes in slices of at most 64 KiB', async () => {
    const slices: Uint8Array[] = [];
    for await (const s of pacedForRestore(chunks(256 * 1024, 10, 100_000))) slices.push(s);
    expect(slices.map((s) => s.length)).toEqual([65536, 65536, 65536, 65536, 10, 65536, 100_000 - 65536]);
    const all = Buffer.concat(slices);
    expect(all.length).toBe(256 * 1024 + 10 + 100_000);
    expect([...all.subarray(0, 300)]).toEqual(Array.from({ length: 300 }, (_, i) => i % 251));
  });

  it('lets the event loop turn after every slice, so timers, I/O and V8’s own tasks run during a large restore', async () => {
    let turns = 0;
    let seen = -1;
    const gaps: number[] = [];
    const spin = (): void => {
      turns++;
      if (turns < 1000) setImmediate(spin);
    };
    setImmediate(spin);
    for await (const _ of pacedForRestore(chunks(4 * 64 * 1024))) {
      if (seen >= 0) gaps.push(turns - seen);
      seen = turns;
    }
    expect(gaps).toHaveLength(3);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(1);
  });

  it('closes the reader when the restore stops early', async () => {
    let closed = false;
    async function* reader(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) yield new Uint8Array(128 * 1024);
      } finally {
        closed = true;
      }
    }
    for await (const _ of pacedForRestore(reader())) break;
    expect(closed).toBe(true);
  });
});
