import { describe, expect, it } from 'vitest';
import { autopilotRuntimeDefaults } from './autopilot-runtime.js';
import { defaultSource } from './defaults.js';
import { parseSource } from './load.js';
import { buildRuntime } from './runtime.js';
import { mergeSources, validateSource } from './validate.js';

const host = { hostname: 'box', privateIPv4s: ['10.0.0.5'] };
const base = validateSource('defaults', defaultSource);
const autopilotOf = (over: Record<string, unknown>) => buildRuntime(mergeSources(base, validateSource('f.json', { data_dir: '/d', ...over })), host, false).autopilot;

describe('the autopilot block', () => {
  it("gives Consul's defaults", () => {
    expect(autopilotOf({})).toEqual(autopilotRuntimeDefaults);
    expect(autopilotRuntimeDefaults).toEqual({
      cleanupDeadServers: true,
      lastContactThresholdMs: 200,
      maxTrailingLogs: 250,
      minQuorum: 0,
      serverStabilizationTimeMs: 10_000,
      redundancyZoneTag: '',
      disableUpgradeMigration: false,
      upgradeVersionTag: '',
    });
  });

  it('reads every key from HCL, keeping the defaults of keys not given', () => {
    const hcl = parseSource('a.hcl', 'autopilot { cleanup_dead_servers = false\n last_contact_threshold = "1s"\n min_quorum = 3\n redundancy_zone_tag = "zone"\n upgrade_version_tag = "v"\n disable_upgrade_migration = true }', 'hcl');
    expect(autopilotOf(hcl as Record<string, unknown>)).toEqual({
      cleanupDeadServers: false,
      lastContactThresholdMs: 1000,
      maxTrailingLogs: 250,
      minQuorum: 3,
      serverStabilizationTimeMs: 10_000,
      redundancyZoneTag: 'zone',
      disableUpgradeMigration: true,
      upgradeVersionTag: 'v',
    });
    expect(autopilotOf({ autopilot: { last_contact_threshold: '-1s', server_stabilization_time: '0' } })).toMatchObject({ lastContactThresholdMs: -1000, serverStabilizationTimeMs: 0 });
  });

  it("refuses bad values with Consul's texts", () => {
    expect(() => autopilotOf({ autopilot: { max_trailing_logs: -1 } })).toThrow('autopilot.max_trailing_logs cannot be -1. Must be greater than or equal to zero');
    expect(() => autopilotOf({ autopilot: { last_contact_threshold: 'x' } })).toThrow('autopilot.last_contact_threshold: invalid duration: "x": time: invalid duration "x"');
    expect(() => autopilotOf({ autopilot: { server_stabilization_time: '5' } })).toThrow(
      'autopilot.server_stabilization_time: invalid duration: "5": time: missing unit in duration "5"',
    );
    expect(() => autopilotOf({ autopilot: { min_quorum: -1 } })).toThrow("cannot parse 'autopilot.min_quorum', -1.000000 overflows uint");
  });
});
