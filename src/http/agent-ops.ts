/**
 * /v1/agent/metrics, /v1/agent/monitor, /v1/agent/host and /v1/agent/version: what an operator
 * asks an agent about itself (Consul's agent_endpoint.go AgentMetrics, AgentMonitor, AgentHost).
 */
import { MusterError, parseLogLevel, type LogLevel } from '../lib/index.js';
import { authorizerOf, need, openAgentAuth, type AgentAuth } from './agent-acl.js';
import type { RequestContext } from './context.js';
import type { Reply } from './reply.js';
import type { Router } from './router.js';

export interface AgentOpsApi {
  /** go-metrics' summary of the current 10-second interval. */
  metricsSummary(): Record<string, unknown>;
  /** The Prometheus exposition, or undefined when `telemetry.prometheus_retention_time` is not positive. */
  metricsPrometheus(): string | undefined;
  host(): Record<string, unknown>;
  version(): Record<string, unknown>;
  /** Calls `onLine` with every log line at `level` or above (formatted, newline-terminated) until the returned stop. */
  monitor(level: LogLevel, json: boolean, onLine: (line: string) => void): () => void;
}

/** Consul's monitor buffer: lines queued for a slow reader before newer ones are dropped. */
const monitorQueueLinesMax = 512;

export function registerAgentOps(router: Router, ops: AgentOpsApi, auth: AgentAuth = openAgentAuth): void {
  router.add('/v1/agent/metrics', ['GET'], async (ctx) => {
    need((await authorizerOf(auth, ctx)).agentRead(auth.nodeName()));
    if (ctx.query.get('format') !== 'prometheus') return { json: ops.metricsSummary() };
    const text = ops.metricsPrometheus();
    if (text === undefined) return { status: 415, text: 'Prometheus is not enabled since its retention time is not positive' };
    return { text, headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' } };
  });
  router.add('/v1/agent/host', ['GET'], async (ctx) => {
    need((await authorizerOf(auth, ctx)).operatorRead());
    return { json: ops.host() };
  });
  router.add('/v1/agent/version', ['GET'], () => ({ json: ops.version() }));
  router.add('/v1/agent/monitor', ['GET'], async (ctx) => {
    need((await authorizerOf(auth, ctx)).agentRead(auth.nodeName()));
    return monitor(ctx, ops);
  });
}

function monitor(ctx: RequestContext, ops: AgentOpsApi): Reply {
  const raw = ctx.query.get('loglevel') || 'INFO';
  const level = parseLogLevel(raw);
  if (!level) throw new MusterError('ERR_BAD_REQUEST', `Unknown log level: ${raw}`);
  const json = ctx.query.has('logjson');
  return {
    headers: { 'Content-Type': 'text/plain' },
    stream: (out, signal) => {
      // Lines are written as they come; a reader that falls behind loses the newest lines
      // beyond the queue bound (Consul drops them too, and says how many).
      let dropped = 0;
      const stop = ops.monitor(level, json, (line) => {
        if (out.writableLength > monitorQueueLinesMax * 256) {
          dropped++;
          return;
        }
        if (dropped > 0) {
          out.write(`[WARN] agent: Dropped ${dropped} logs during monitor request\n`);
          dropped = 0;
        }
        out.write(line);
      });
      signal.addEventListener('abort', () => {
        stop();
        out.end();
      });
    },
  };
}
