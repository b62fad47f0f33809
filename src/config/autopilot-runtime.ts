/**
 * The `autopilot` block (Consul's builder.go Autopilot* settings and the defaults of
 * agent/config/default.go): what the leader writes as the cluster's autopilot configuration
 * the first time it leads (Consul's getOrCreateAutopilotConfig). Pure.
 */
import { parseGoDuration } from '../lib/index.js';
import { bool, num, str, sub } from './raw-read.js';
import { ConfigError, type Raw } from './validate.js';

export interface AutopilotRuntime {
  cleanupDeadServers: boolean;
  lastContactThresholdMs: number;
  maxTrailingLogs: number;
  minQuorum: number;
  serverStabilizationTimeMs: number;
  redundancyZoneTag: string;
  disableUpgradeMigration: boolean;
  upgradeVersionTag: string;
}

/** Consul's defaults (default.go), as a config source. */
export const autopilotDefaults: Raw = {
  cleanup_dead_servers: true,
  last_contact_threshold: '200ms',
  max_trailing_logs: 250,
  server_stabilization_time: '10s',
};

/** builder.durationVal: `<key>: invalid duration: "<text>": <Go's error>`. */
function duration(raw: Raw, k: string): number {
  const text = str(raw, k);
  if (text === '') return 0;
  const r = parseGoDuration(text);
  if (!r.ok) throw new ConfigError(`autopilot.${k}: invalid duration: "${text}": ${r.error}`);
  return r.ms;
}

export function buildAutopilotRuntime(raw: Raw): AutopilotRuntime {
  const a = sub(raw, 'autopilot');
  const maxTrailingLogs = num(a, 'max_trailing_logs');
  if (maxTrailingLogs < 0) {
    throw new ConfigError(`autopilot.max_trailing_logs cannot be ${maxTrailingLogs}. Must be greater than or equal to zero`);
  }
  const minQuorum = num(a, 'min_quorum');
  // Consul's decoder refuses a negative uint ("-1.000000 overflows uint"); we name the key the same way.
  if (minQuorum < 0) throw new ConfigError(`cannot parse 'autopilot.min_quorum', ${minQuorum.toFixed(6)} overflows uint`);
  return {
    cleanupDeadServers: bool(a, 'cleanup_dead_servers'),
    lastContactThresholdMs: duration(a, 'last_contact_threshold'),
    maxTrailingLogs,
    minQuorum,
    serverStabilizationTimeMs: duration(a, 'server_stabilization_time'),
    redundancyZoneTag: str(a, 'redundancy_zone_tag'),
    disableUpgradeMigration: bool(a, 'disable_upgrade_migration'),
    upgradeVersionTag: str(a, 'upgrade_version_tag'),
  };
}

/** Consul's defaults as the runtime sees them (what a leader writes when no block is given). */
export const autopilotRuntimeDefaults: Readonly<AutopilotRuntime> = Object.freeze(buildAutopilotRuntime({ autopilot: autopilotDefaults }));
