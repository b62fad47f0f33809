/**
 * Running an agent as a process: load the config, print the banner, log to stderr, start,
 * and shut down cleanly on SIGINT/SIGTERM (exit 0) or `leave`. Start-up errors are one line
 * and exit 1. SIGHUP re-reads the config files and applies what can change live (log level).
 */
import { ConfigError, loadConfig, type LoadOptions, type RuntimeConfig } from '../config/index.js';
import { LogSink, MusterError, SeededRng, type Clock, type Logger, type Timer } from '../lib/index.js';
import { Agent } from './agent.js';
import { readHostFacts } from './host.js';
import { settleNodeID } from './node-id.js';
import { consulApiVersion, musterVersion } from './version.js';

export interface ProcessIO {
  out(text: string): void;
  err(text: string): void;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimer(delayMs: number, fn: () => void): Timer {
    const t = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(t) };
  },
};

export type AgentLoadOptions = Omit<LoadOptions, 'host'>;

export async function runAgentProcess(opts: AgentLoadOptions, io: ProcessIO): Promise<number> {
  let loaded;
  let config: RuntimeConfig;
  try {
    loaded = loadConfig({ ...opts, host: readHostFacts() });
    config = loaded.config;
    config.nodeID = settleNodeID(config.nodeID, config.dataDir, config.devMode);
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
  const agent = new Agent(config, { clock: systemClock, rng: new SeededRng(Date.now() ^ process.pid), logger, logSink: sink });

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
    const stop = (why: string): void => {
      if (stopping) return;
      stopping = true;
      logger.named('agent').info(why);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      void agent.shutdown().then(() => resolve(0));
    };
    const onInt = (): void => stop('Caught signal: interrupt');
    const onTerm = (): void => stop('Caught signal: terminated');
    const onHup = (): void => {
      logger.named('agent').info('Caught signal: hangup');
      try {
        reload(opts, sink, logger, agent);
      } catch {
        // logged by reload; the running config stays
      }
    };
    agent.localAgent.reloadHandler = () => reload(opts, sink, logger, agent);
    agent.onShutdownRequest = () => stop('agent left the cluster; shutting down');
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
    const applyDns = agent.dns.prepareReload(config);
    agent.localAgent.applyConfig(config);
    applyDns();
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
