/**
 * The gossip settings of the runtime configuration (Consul's builder.go): joining at start
 * (`start_join`, `retry_join` and their WAN forms, `retry_interval`, `retry_max`,
 * `rejoin_after_leave`), encryption (`encrypt`, `encrypt_verify_*`, `disable_keyring_file`),
 * serf timing (`reconnect_timeout`), what a signal does (`leave_on_terminate`,
 * `skip_leave_on_interrupt`) and the bind/advertise addresses of both pools. Pure.
 */
import { encryptConfigError } from '../gossip/keyring.js';
import { parseDurationMs } from '../lib/index.js';
import { str, num, sub, list } from './raw-read.js';
import { ConfigError, type Raw } from './validate.js';

export interface JoinRuntime {
  startJoin: string[];
  retryJoin: string[];
  retryIntervalMs: number;
  /** 0: retry for ever (a negative retry_max too, as in Consul). */
  retryMax: number;
}

/** A pool's SWIM timing overrides (`gossip_lan`, `gossip_wan`; -dev sets them). */
export interface GossipTimingRuntime {
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  gossipIntervalMs?: number;
  gossipNodes?: number;
  suspicionMult?: number;
  retransmitMult?: number;
}

export interface GossipRuntime {
  lan: JoinRuntime & { bindAddr: string; timing: GossipTimingRuntime; reconnectTimeoutMs: number };
  wan: JoinRuntime & { bindAddr: string; advertiseAddr: string; timing: GossipTimingRuntime; reconnectTimeoutMs: number };
  rejoinAfterLeave: boolean;
  /** Base64 key, '' for none (validated when the keyring is set up, as Consul does). */
  encrypt: string;
  encryptVerifyIncoming: boolean;
  encryptVerifyOutgoing: boolean;
  disableKeyringFile: boolean;
  leaveOnTerminate: boolean;
  skipLeaveOnInterrupt: boolean;
}


function duration(raw: Raw, k: string, what = k): number | undefined {
  const text = str(raw, k);
  if (text === '') return undefined;
  const ms = parseDurationMs(text);
  if (ms === undefined) throw new ConfigError(`${what}: invalid duration: "${text}"`);
  return ms;
}

function timing(raw: Raw, block: string): GossipTimingRuntime {
  const g = sub(raw, block);
  const out: GossipTimingRuntime = {};
  const set = <K extends keyof GossipTimingRuntime>(k: K, v: number | undefined): void => {
    if (v !== undefined && v > 0) out[k] = v;
  };
  set('probeIntervalMs', duration(g, 'probe_interval', `${block}.probe_interval`));
  set('probeTimeoutMs', duration(g, 'probe_timeout', `${block}.probe_timeout`));
  set('gossipIntervalMs', duration(g, 'gossip_interval', `${block}.gossip_interval`));
  set('gossipNodes', num(g, 'gossip_nodes') || undefined);
  set('suspicionMult', num(g, 'suspicion_mult') || undefined);
  set('retransmitMult', num(g, 'retransmit_mult') || undefined);
  return out;
}

/** -dev's gossip (Consul's DevConsulSource): 100 ms probes and gossip, suspicion ×3. */
const devTiming: GossipTimingRuntime = { probeIntervalMs: 100, probeTimeoutMs: 100, gossipIntervalMs: 100, suspicionMult: 3 };

export function buildGossipRuntime(raw: Raw, server: boolean, devMode: boolean, bindAddr: string, advertiseAddr: string): GossipRuntime {
  // Consul retries for ever unless retry_max is above 0 (a negative one included).
  const retryMax = Math.max(0, num(raw, 'retry_max'));
  const retryMaxWan = Math.max(0, num(raw, 'retry_max_wan'));
  const encryptError = encryptConfigError(str(raw, 'encrypt'));
  if (encryptError) throw new ConfigError(encryptError);
  const reconnect = duration(raw, 'reconnect_timeout') ?? 0;
  const reconnectWan = duration(raw, 'reconnect_timeout_wan') ?? 0;
  const threeDaysMs = 72 * 3600_000;
  return {
    lan: {
      startJoin: list(raw, 'start_join'),
      retryJoin: list(raw, 'retry_join'),
      retryIntervalMs: duration(raw, 'retry_interval') ?? 30_000,
      retryMax,
      bindAddr: str(raw, 'serf_lan') || bindAddr,
      timing: { ...(devMode ? devTiming : {}), ...timing(raw, 'gossip_lan') },
      reconnectTimeoutMs: reconnect || threeDaysMs,
    },
    wan: {
      startJoin: list(raw, 'start_join_wan'),
      retryJoin: list(raw, 'retry_join_wan'),
      retryIntervalMs: duration(raw, 'retry_interval_wan') ?? 30_000,
      retryMax: retryMaxWan,
      bindAddr: str(raw, 'serf_wan') || bindAddr,
      advertiseAddr: str(raw, 'advertise_addr_wan') || advertiseAddr,
      timing: { ...(devMode ? devTiming : {}), ...timing(raw, 'gossip_wan') },
      reconnectTimeoutMs: reconnectWan || threeDaysMs,
    },
    rejoinAfterLeave: raw['rejoin_after_leave'] === true,
    encrypt: str(raw, 'encrypt'),
    encryptVerifyIncoming: raw['encrypt_verify_incoming'] !== false,
    encryptVerifyOutgoing: raw['encrypt_verify_outgoing'] !== false,
    disableKeyringFile: raw['disable_keyring_file'] === true,
    leaveOnTerminate: typeof raw['leave_on_terminate'] === 'boolean' ? (raw['leave_on_terminate'] as boolean) : !server,
    skipLeaveOnInterrupt: typeof raw['skip_leave_on_interrupt'] === 'boolean' ? (raw['skip_leave_on_interrupt'] as boolean) : server,
  };
}
