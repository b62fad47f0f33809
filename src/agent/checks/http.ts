/**
 * checks.CheckHTTP: a request every interval. 2xx is passing, 429 warning, anything else (or
 * no response) critical. The output is `HTTP <METHOD> <url>: <status line> Output: <body>`
 * (the body's last outputMaxSize bytes), or Go's error text. Method GET unless given; timeout
 * 10s unless given; the agent's TLS settings apply, `tls_skip_verify` disables verification.
 */
import { IntervalLoop } from './interval-loop.js';
import { goHttpDo, type CheckTlsOptions } from './http-client.js';
import { networkTimeoutMsDefault, outputMaxSizeDefault } from './definition.js';
import type { StatusHandler } from './status-handler.js';
import type { CheckRunner, CheckStatus, RunnerDeps } from './types.js';

export interface HttpCheckOptions {
  checkID: string;
  http: string;
  header: Record<string, string[]>;
  method: string;
  body: string;
  intervalMs: number;
  timeoutMs: number;
  tlsSkipVerify: boolean;
  tls?: CheckTlsOptions;
  outputMaxSize: number;
  statusHandler: StatusHandler;
}

/** 2xx passing, 429 warning (RFC 6585 Too Many Requests), else critical. */
export function httpStatusOf(code: number): CheckStatus {
  if (code >= 200 && code <= 299) return 'passing';
  if (code === 429) return 'warning';
  return 'critical';
}

export function createHttpRunner(o: HttpCheckOptions, deps: RunnerDeps): CheckRunner {
  const method = o.method === '' ? 'GET' : o.method;
  const timeoutMs = o.timeoutMs > 0 ? o.timeoutMs : networkTimeoutMsDefault;
  const outputMaxSize = o.outputMaxSize < 1 ? outputMaxSizeDefault : o.outputMaxSize;
  const loop = new IntervalLoop(deps, o.intervalMs, async (run) => {
    const r = await goHttpDo({
      method,
      url: o.http,
      header: o.header,
      body: o.body,
      timeoutMs,
      tlsSkipVerify: o.tlsSkipVerify,
      ...(o.tls !== undefined ? { tls: o.tls } : {}),
      outputMaxSize,
      clock: deps.clock,
      logger: deps.logger,
      checkID: o.checkID,
    });
    if (!run.live) return;
    if (!r.ok) {
      o.statusHandler.updateCheck(o.checkID, 'critical', r.error);
      return;
    }
    const output = `HTTP ${method} ${o.http}: ${r.status} Output: ${r.body}`;
    o.statusHandler.updateCheck(o.checkID, httpStatusOf(r.statusCode), output);
  });
  return { start: () => loop.start(), stop: () => loop.stop() };
}
