/**
 * One request and its response, as the API server sees them, whichever transport carries them:
 * the HTTP/1.1 server of this module (`http1-server.ts`, what agents listen with) or Node's
 * http objects (`nodeExchange`: light-my-request's in-process requests in tests).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import type { HeaderValues } from './wire/index.js';

export interface Exchange {
  readonly method: string;
  /** The request target in origin form: `/path?query`, undecoded. */
  readonly url: string;
  /** A request header's (first) value; `name` in lower case. */
  header(name: string): string | undefined;
  /** The body's declared length as Go's Request.ContentLength: 0 without a body, -1 when chunked. */
  readonly contentLength: number;
  /** `ip:port` of the client, for logs. */
  readonly remote: string;
  /** Aborts when the client goes away before the response is complete. */
  readonly signal: AbortSignal;
  /** The request body, as it arrives (read at most once). */
  body(): AsyncIterable<Uint8Array>;
  /** A whole response; Content-Length and Date are added. `afterWrite` runs once it is handed to the client. */
  reply(status: number, headers: HeaderValues, body: string | Uint8Array, afterWrite?: () => void): void;
  /** Sends the head now and returns the body's stream (chunked); ending it completes the response. */
  stream(status: number, headers: HeaderValues): Writable;
  /** Drops the connection without (the rest of) an answer. */
  destroy(): void;
}

/** Node's http objects as an Exchange (the in-process test harness injects through them). */
export function nodeExchange(req: IncomingMessage, res: ServerResponse): Exchange {
  let aborter: AbortController | undefined;
  const socket = req.socket;
  const onClose = (): void => aborter?.abort();
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    header: (name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    },
    get contentLength() {
      const v = req.headers['content-length'];
      if (req.headers['transfer-encoding'] !== undefined) return -1;
      return v === undefined ? 0 : Number(v);
    },
    get remote() {
      return `${socket.remoteAddress}:${socket.remotePort}`;
    },
    get signal() {
      if (!aborter) {
        aborter = new AbortController();
        socket.once('close', onClose);
        res.once('finish', () => socket.off('close', onClose));
      }
      return aborter.signal;
    },
    body: () => req,
    reply(status, headers, body, afterWrite) {
      const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
      res.writeHead(status, { ...headers, 'Content-Length': length });
      if (afterWrite) res.once('finish', afterWrite);
      res.end(body);
    },
    stream(status, headers) {
      res.writeHead(status, headers as Record<string, string | number>);
      res.flushHeaders();
      return res;
    },
    destroy: () => socket.destroy(),
  };
}
