/**
 * A long JSON array written in batches, each in its own turn of the event loop, so one large
 * read does not hold the agent's loop (Raft heartbeats, gossip probes, every other request)
 * while its answer is built: a whole-store `GET /v1/kv/?recurse` over 1M keys renders 220 MB of
 * JSON, which as one goJson call and one write held the loop for about 5 s. Streamed, other
 * requests to that agent waited at most 180 ms (the store's own listing of the 1M entries).
 *
 * The text is the same as goJson(items.map(render), pretty) gives, item by item: compact
 * items joined by `,`; pretty ones indented one level (JSON strings hold no raw newline, so
 * indenting every line is exact), joined by `,\n`, inside `[\n` and `\n]\n`. The body goes out
 * with chunked encoding (Go's net/http does the same for a body over its 4 KiB buffer), through
 * a gzip stream when the client accepts it.
 */
import type { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { goJson } from './json.js';

/** Lists longer than this are streamed; shorter ones are written at once with a Content-Length. */
export const jsonListStreamMin = 2_000;
/** A batch ends when it has taken this long to render... */
const batchMs = 4;
/** ...or has this many characters. */
const batchChars = 256 * 1024;

export interface JsonList {
  items: readonly unknown[];
  /** Each item's JSON value, made as it is written (default: the item itself). */
  render?: ((item: never) => unknown) | undefined;
}

/** The JSON text of one item as an element of a (pretty or compact) array. */
function element(value: unknown, pretty: boolean): string {
  if (!pretty) return goJson(value, false);
  return '    ' + goJson(value, true).slice(0, -1).replace(/\n/g, '\n    ');
}

/**
 * Writes the array into `out` and ends it. Stops early, without ending `out`, when `signal`
 * aborts (the client went away).
 */
export async function writeJsonList(out: Writable, list: JsonList, pretty: boolean, signal: AbortSignal): Promise<void> {
  const render = (list.render ?? ((x: unknown) => x)) as (item: unknown) => unknown;
  const { items } = list;
  if (items.length === 0) {
    out.end(pretty ? '[]\n' : '[]');
    return;
  }
  const sep = pretty ? ',\n' : ',';
  let text = pretty ? '[\n' : '[';
  let i = 0;
  while (i < items.length) {
    const started = performance.now();
    while (i < items.length && text.length < batchChars) {
      if (i > 0) text += sep;
      text += element(render(items[i]), pretty);
      i++;
      if ((i & 63) === 0 && performance.now() - started >= batchMs) break;
    }
    if (i === items.length) break;
    const room = out.write(text);
    text = '';
    await turn(out, room, signal);
    if (signal.aborted) return;
  }
  text += pretty ? '\n]\n' : ']';
  out.end(text);
}

/**
 * The next turn of the event loop; after `drain` when the stream's buffer is full. Always
 * through setImmediate: a socket that takes a write at once emits `drain` on a process.nextTick,
 * so waiting for `drain` alone chained every batch of a 220 MB answer without the loop ever
 * running in between (measured: other requests unanswered for 2.8 s).
 */
async function turn(out: Writable, room: boolean, signal: AbortSignal): Promise<void> {
  if (!room) await drained(out, signal);
  await nextTurn();
}

/** Resolves on `drain`, or when the stream closes or the client goes away. */
function drained(out: Writable, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
