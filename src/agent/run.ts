/**
 * Running an agent as a process: load the config, print the banner, log to stderr, start,
 * and shut down cleanly on SIGINT/SIGTERM (exit 0) or `leave`. Start-up errors are one line
 * and exit 1. SIGHUP re-reads the config files and applies what can change live (log level).
 */
import { ConfigError, loadConfig, type LoadOptions, type RuntimeConfig } from '../config/index.js';
import { AgentWatches } from './watches.js';
import { limits, LogSink, LoopSpin, MusterError, SeededRng, type Clock, type Logger, type Timer } from '../lib/index.js';
import { Agent } from './agent.js';
import { readHostFacts } from './host.js';
import { settleNodeID } from './node-id.js';
import { consulApiVersion, musterVersion } from './version.js';

export interface ProcessIO {
  out(text: string): void;
  err(text: string): void;
}

/** Consul's gracefulTimeout: how long a leave on a signal may take. */
const gracefulLeaveTimeoutMs = 15_000;

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimer(delayMs: number, fn: () => void): Timer {
    const t = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(t) };
  },
};

/** limits.idleSpinMs, or `MUSTER_IDLE_SPIN_US` (microseconds; 0 turns the spin off). */
export function idleSpinMsOf(env: NodeJS.ProcessEnv): number {
  const us = env['MUSTER_IDLE_SPIN_US'];
  if (us === undefined || us === '') return limits.idleSpinMs;
  const n = Number(us);
  if (!Number.isFinite(n) || n < 0 || n > 10_000) throw new ConfigError(`MUSTER_IDLE_SPIN_US: expected microseconds from 0 to 10000, got ${JSON.stringify(us)}`);
  return n / 1000;
}

export type AgentLoadOptions = Omit<LoadOptions, 'host'>;

export async function runAgentProcess(opts: AgentLoadOptions, io: ProcessIO): Promise<number> {
  let loaded;
  let config: RuntimeConfig;
  let spinMs: number;
  try {
    loaded = loadConfig({ ...opts, host: readHostFacts() });
    config = loaded.config;
    config.nodeID = settleNodeID(config.nodeID, config.dataDir, config.devMode);
    spinMs = idleSpinMsOf(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`==> ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const sink = new LogSink((line) => io.err(line), () => Date.now(), { level: config.logLevel, json: config.logJson });
  const logger = sink.logger();
  for (const w of loaded.warnings) logger.named('agent').warn(w);
  const spin = new LoopSpin(spinMs, () => performance.now(), (fn) => setImmediate(fn));
  const agent = new Agent(config, { clock: systemClock, rng: new SeededRng(Date.now() ^ process.pid), logger, logSink: sink, afterReply: spin.kick });

  io.out('==> Starting Muster agent...\n');
  try {
    await agent.start();
  } catch (err) {
    await agent.shutdown({ quiet: true });
    if (MusterError.is(err)) {
      io.err(`==> ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  io.out(banner(config));
  io.out('\n==> Log data will now stream in as it occurs:\n\n');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      void agent.shutdown().then(() => resolve(0));
    };
    /**
     * Consul's signal handling: a graceful leave first (others record this agent as left, the
     * leader deregisters it) on SIGINT unless skip_leave_on_interrupt (servers' default), and on
     * SIGTERM if leave_on_terminate (clients' default), for at most 15 s; a second signal stops
     * at once. (Consul then exits 1 when it did not leave; Muster exits 0 either way.)
     */
    const onSignal = (signal: 'interrupt' | 'terminated'): void => {
      const log = logger.named('agent');
      if (stopping) {
        log.info('Caught second signal, Exiting', { signal });
        return shutdown();
      }
      stopping = true;
      log.info('Caught', { signal });
      const g = config.gossip;
      const graceful = (signal === 'interrupt' && !g.skipLeaveOnInterrupt) || (signal === 'terminated' && g.leaveOnTerminate);
      if (!graceful) {
        log.info('Graceful shutdown disabled. Exiting');
        return shutdown();
      }
      const timer = setTimeout(() => {
        log.info('Timeout on graceful leave. Exiting');
        shutdown();
      }, gracefulLeaveTimeoutMs);
      agent.leave().then(
        () => {
          clearTimeout(timer);
          log.info('Graceful exit completed');
          shutdown();
        },
        (err: unknown) => {
          clearTimeout(timer);
          log.error('Error on leave', { error: (err as Error).message });
          shutdown();
        },
      );
    };
    const onInt = (): void => onSignal('interrupt');
    const onTerm = (): void => onSignal('terminated');
    const onHup = (): void => {
      logger.named('agent').info('Caught', { signal: 'hangup' });
      try {
        reload(opts, sink, logger, agent);
      } catch {
        // logged by reload; the running config stays
      }
    };
    agent.localAgent.reloadHandler = () => reload(opts, sink, logger, agent);
    agent.onShutdownRequest = () => {
      if (stopping) return;
      stopping = true;
      logger.named('agent').info('agent left the cluster; shutting down');
      shutdown();
    };
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    process.on('SIGHUP', onHup);
  });
}

/**
 * Re-reads the config files and applies what can change live: the log level and the services
 * and checks from the files. A broken file changes nothing and throws (the API answers 500).
 */
function reload(opts: AgentLoadOptions, sink: LogSink, logger: Logger, agent: Agent): void {
  const log = logger.named('agent');
  log.info('Reloading configuration...');
  try {
    const { config } = loadConfig({ ...opts, host: readHostFacts() });
    // Every part is checked before anything changes: a broken watch keeps the old config whole.
    let watches;
    try {
      watches = AgentWatches.parse(config);
    } catch (err) {
      throw new MusterError('ERR_CONFIG', `Failed reloading watches: ${(err as Error).message}`);
    }
    const applyDns = agent.dns.prepareReload(config);
    agent.localAgent.applyConfig(config);
    applyDns();
    agent.watches.replace(watches);
    sink.level = config.logLevel;
  } catch (err) {
    log.error('Failed to reload configs', { error: (err as Error).message });
    throw new MusterError('ERR_RPC', `Failed to reload configs: ${(err as Error).message}`);
  }
}

/**
 * Consul's banner rows (command/agent/agent.go): labels right-aligned to 18 columns, none with
 * -log-json. Muster prints its own version beside the Consul API version it speaks.
 */
export function banner(c: RuntimeConfig): string {
  if (c.logJson) return '';
  const row = (k: string, v: string): string => `${k.padStart(18)}: ${v}\n`;
  const p = c.ports;
  return (
    row('Version', `'${musterVersion}' (Consul API ${consulApiVersion})`) +
    row('Node ID', `'${c.nodeID}'`) +
    row('Node name', `'${c.nodeName}'`) +
    row('Datacenter', `'${c.datacenter}' (Segment: '${c.server ? '<all>' : ''}')`) +
    row('Server', `${c.server} (Bootstrap: ${c.bootstrap})`) +
    row('Client Addr', `[${c.clientAddrs.join(' ')}] (HTTP: ${p.http}, HTTPS: ${p.https}, gRPC: ${p.grpc}, DNS: ${p.dns})`) +
    row('Cluster Addr', `${c.advertiseAddr} (LAN: ${p.serfLan}, WAN: ${p.serfWan})`) +
    row('Encrypt', 'Gossip: false, TLS-Outgoing: false, TLS-Incoming: false, Auto-Encrypt-TLS: false')
  );
}
