/**
 * Response compression as Consul's HTTP server does it (NYTimes gziphandler, MinSize(0)):
 * every response carries `Vary: Accept-Encoding`; a non-empty body is gzipped (default level)
 * when the request accepts `gzip` with a q-value above 0. Streams (the monitor) stay plain.
 *
 * Small bodies are compressed on the spot; larger ones on libuv's thread pool, so a big catalog
 * answer never holds the event loop. A shared body (one Buffer written to a wave of blocking
 * queries) is compressed once: the gzipped form is kept beside it for as long as it lives.
 */
import { gzip, gzipSync } from 'node:zlib';

/** Bodies up to this size are compressed synchronously (well under a millisecond). */
const syncBytesMax = 16 * 1024;

/** gziphandler's acceptsGzip: the `gzip` coding listed with q > 0. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const item of header.split(',')) {
    const parts = item.split(';');
    if (parts[0]!.trim().toLowerCase() !== 'gzip') continue;
    let q = 1;
    for (const p of parts.slice(1)) {
      const t = p.trim();
      if (t.startsWith('q=')) q = Number(t.slice(2));
    }
    if (q > 0) return true;
  }
  return false;
}

const sharedGzipped = new WeakMap<Uint8Array, Buffer | Promise<Buffer>>();

/**
 * The gzipped form of `body`: a Buffer when it was done at once, else a promise. With
 * `shared`, the result is remembered for this very body object.
 */
export function gzipBody(body: string | Uint8Array, shared: boolean): Buffer | Promise<Buffer> {
  if (shared && typeof body !== 'string') {
    const known = sharedGzipped.get(body);
    if (known) return known;
    const made = compress(body);
    sharedGzipped.set(body, made);
    if (made instanceof Promise) void made.then((buf) => sharedGzipped.set(body, buf), () => sharedGzipped.delete(body));
    return made;
  }
  return compress(body);
}

function compress(body: string | Uint8Array): Buffer | Promise<Buffer> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  if (bytes.byteLength <= syncBytesMax) return gzipSync(bytes);
  return new Promise((resolve, reject) => gzip(bytes, (err, out) => (err ? reject(err) : resolve(out))));
}
