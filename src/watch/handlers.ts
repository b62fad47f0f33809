/**
 * The agent's watch handlers (Consul's agent/watch_handler.go). A script handler runs the
 * command with the result's JSON on stdin and CONSUL_INDEX in its environment, keeps the last
 * 4 KB of its output and logs it; an http handler sends the JSON to `path` with the configured
 * method and headers plus Content-Type and X-Consul-Index, within its timeout.
 */

import { goDialReason, goUrlErrorPrefix } from '../api/index.js';
import type { Logger } from '../lib/index.js';
import { nodeHttp, nodeHttps } from '../host/index.js';
import { encodeGoJson, type GoValue } from './go-json.js';
import type { HttpHandlerConfig } from './params.js';
import type { WatchHandler } from './plan.js';
import { runHandlerProcess, scriptCommand, subprocessCommand, TailBuffer } from './process.js';

/** Consul's WatchBufSize: how much of a handler's output is kept for the log. */
export const watchOutputBytesMax = 4 * 1024;

/** What json.Encoder.Encode writes: the compact JSON and a newline. */
export function handlerInput(value: GoValue): Buffer {
  return Buffer.from(encodeGoJson(value) + '\n', 'utf8');
}

/** hclog's rendering of the handler (a string, or `[a b]` for args). */
function shown(handler: string | readonly string[]): string {
  return typeof handler === 'string' ? handler : `[${handler.join(' ')}]`;
}

/** makeWatchHandler: `handler` is the legacy shell string, or the `args` list. */
export function scriptHandler(logger: Logger, handler: string | readonly string[], env: Record<string, string | undefined>): WatchHandler {
  return async (index, value) => {
    const cmd = typeof handler === 'string' ? scriptCommand(handler, env) : subprocessCommand(handler);
    if ('error' in cmd) {
      logger.error('Failed to setup watch', { error: cmd.error });
      return;
    }
    const output = new TailBuffer(watchOutputBytesMax);
    const outcome = await runHandlerProcess(cmd, {
      env: { ...env, CONSUL_INDEX: index.toString() },
      stdin: handlerInput(value),
      stdio: 'pipe',
      onOutput: (d) => output.write(d),
    });
    if (outcome) logger.error('Failed to run watch handler', { watch_handler: shown(handler), error: outcome.error });
    logger.debug('watch handler output', { watch_handler: shown(handler), output: output.text() });
  };
}

/** textproto.CanonicalMIMEHeaderKey, as Go's Header.Add writes a name. */
export function canonicalHeaderKey(key: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(key)) return key;
  return key.toLowerCase().replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

/** makeHTTPWatchHandler. */
export function httpHandler(logger: Logger, config: HttpHandlerConfig): WatchHandler {
  return async (index, value) => {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(config.method)) {
      logger.error('Failed to setup http watch', { error: `net/http: invalid method ${JSON.stringify(config.method)}` });
      return;
    }
    let url: URL;
    try {
      url = new URL(config.path);
    } catch {
      logger.error('Failed to setup http watch', { error: `parse "${config.path}": invalid URI for request` });
      return;
    }
    const headers: Record<string, string[]> = { 'Content-Type': ['application/json'], 'X-Consul-Index': [index.toString()] };
    for (const [k, vs] of Object.entries(config.header)) {
      const key = canonicalHeaderKey(k);
      headers[key] = [...(headers[key] ?? []), ...vs];
    }
    const r = await send(url, config, headers, handlerInput(value));
    if ('error' in r) {
      logger.error('Failed to invoke http watch handler', { watch: config.path, error: r.error });
      return;
    }
    if (r.status >= 200 && r.status <= 299) logger.trace('http watch handler output', { watch: config.path, output: r.output });
    else logger.error('http watch handler failed with output', { watch: config.path, status: r.statusText, output: r.output });
  };
}

type Sent = { status: number; statusText: string; output: string } | { error: string };

function send(url: URL, config: HttpHandlerConfig, headers: Record<string, string[]>, body: Buffer): Promise<Sent> {
  const prefix = goUrlErrorPrefix(config.method, config.path);
  const target = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80), socketPath: undefined };
  return new Promise<Sent>((resolve) => {
    let done = false;
    const finish = (s: Sent): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(s);
    };
    const mod = url.protocol === 'https:' ? nodeHttps() : nodeHttp();
    const req = mod.request(url, {
      method: config.method,
      headers: { ...headers, 'Content-Length': String(body.length) },
      ...(url.protocol === 'https:' ? { rejectUnauthorized: !config.tlsSkipVerify } : {}),
    });
    const timer = setTimeout(() => {
      finish({ error: `${prefix}context deadline exceeded` });
      req.destroy();
    }, config.timeoutMs);
    req.on('error', (e) => finish({ error: prefix + goDialReason(e, target) }));
    req.on('response', (res) => {
      const output = new TailBuffer(watchOutputBytesMax);
      res.on('data', (d: Buffer) => output.write(d));
      res.on('error', (e) => finish({ error: prefix + goDialReason(e, target) }));
      res.on('end', () => finish({ status: res.statusCode ?? 0, statusText: `${res.statusCode} ${res.statusMessage ?? ''}`, output: output.text() }));
    });
    req.end(body);
  });
}
