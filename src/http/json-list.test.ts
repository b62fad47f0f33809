import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { goJson } from './json.js';
import { writeJsonList } from './json-list.js';

/** Items of every shape the API lists: nested maps and lists, empty ones, uint64s, HTML characters, unicode. */
const items = Array.from({ length: 5_000 }, (_, i) => ({
  LockIndex: i % 3,
  Key: `k/<${i}>&\u2028é`,
  Flags: i % 7 === 0 ? 18446744073709551615n : i,
  Value: i % 5 === 0 ? null : Buffer.from(`v${i}`).toString('base64'),
  Meta: i % 2 === 0 ? {} : { a: [1, { b: [] }], c: 'x\ny' },
  Tags: i % 4 === 0 ? [] : ['t1', 't2'],
}));

async function written(list: unknown[], pretty: boolean, render?: (x: never) => unknown): Promise<string> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (c: Buffer) => parts.push(c));
  const ended = new Promise((resolve) => out.on('end', resolve));
  await writeJsonList(out, { items: list, render }, pretty, new AbortController().signal);
  await ended;
  return Buffer.concat(parts).toString('utf8');
}

/** Counts turns of the event loop (a setImmediate that re-arms itself) until stop(). */
function countTurns(): { stop(): number } {
  let turns = 0;
  let spinning = true;
  const spin = (): void => {
    turns++;
    if (spinning) setImmediate(spin);
  };
  setImmediate(spin);
  return {
    stop: () => {
      spinning = false;
      return turns;
    },
  };
}

describe('writeJsonList', () => {
  it.each([false, true])('writes exactly what goJson writes for the whole list (pretty: %s), at any length', async (pretty) => {
    for (const n of [0, 1, 2, 70, 5_000]) {
      expect(await written(items.slice(0, n), pretty), `${n} items`).toBe(goJson(items.slice(0, n), pretty));
    }
    expect(await written(['a', 'b<c>'], pretty)).toBe(goJson(['a', 'b<c>'], pretty));
  });

  it('renders each item as it is written', async () => {
    const keys = Array.from({ length: 3_000 }, (_, i) => i);
    expect(await written(keys, false, ((i: number) => ({ Key: `k${i}` })) as (x: never) => unknown)).toBe(goJson(keys.map((i) => ({ Key: `k${i}` })), false));
  });

  it('spreads a long list over many turns of the event loop', async () => {
    const loop = countTurns();
    const many = Array.from({ length: 200_000 }, (_, i) => ({ Key: `service/app/config/${i}`, Value: 'dmFsdWU=' }));
    const text = await written(many, false);
    expect(JSON.parse(text)).toHaveLength(200_000);
    expect(loop.stop()).toBeGreaterThan(5); // ~12 MB of text in batches of at most 256 Ki characters
  });

  it('lets the loop turn even when the stream drains without one (drain on a nextTick, as a socket with room in the kernel does)', async () => {
    let bytes = 0;
    const out = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        process.nextTick(done); // the write is over before the loop turns, and so 'drain' comes
      },
    });
    const loop = countTurns();
    const many = Array.from({ length: 200_000 }, (_, i) => ({ Key: `service/app/config/${i}`, Value: 'dmFsdWU=' }));
    await writeJsonList(out, { items: many }, false, new AbortController().signal);
    expect(bytes).toBe(goJson(many, false).length);
    expect(loop.stop()).toBeGreaterThan(5);
  });

  it('stops, without ending the stream, when the client goes away', async () => {
    const out = new PassThrough();
    let bytes = 0;
    out.on('data', (c: Buffer) => (bytes += c.length));
    const aborter = new AbortController();
    const many = Array.from({ length: 200_000 }, (_, i) => ({ Key: `k${i}` }));
    const writing = writeJsonList(out, { items: many }, false, aborter.signal);
    out.once('data', () => aborter.abort());
    await writing;
    expect(out.writableEnded).toBe(false);
    expect(bytes).toBeLessThan(goJson(many, false).length);
  });
});
