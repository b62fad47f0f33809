/**
 * `muster operator autopilot set-config`: Consul's command/operator/autopilot/set. Reads the
 * configuration, overlays the flags that were given, and writes it back with a check-and-set
 * on its ModifyIndex, so a concurrent change is never overwritten.
 */
import { OperatorRaft, type AutopilotConfiguration } from '../../../api/index.js';
import { goParseUint, goQuote, parseGoDuration } from '../../../lib/index.js';
import { complain, say, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet, type Flag } from '../../flags.js';
import { HttpFlags } from '../../http-flags.js';
import { errorMessage, withClient } from '../shared.js';
import { parseOperatorFlags } from './operator.js';

const help = `
Usage: muster operator autopilot set-config [options]

  Modifies the current Autopilot configuration.
`;

const value = { placeholder: 'value' };

/** Consul's flags.BoolValue fails with strconv's text where Go's own bool flag says "parse error". */
function boolValueError(message: string): string {
  const m = /^invalid boolean value ("(?:[^"\\]|\\.)*") for (-\S+): parse error$/.exec(message);
  return m ? `invalid boolean value ${m[1]} for ${m[2]}: strconv.ParseBool: parsing ${m[1]}: invalid syntax` : message;
}

export class OperatorAutopilotSetCommand implements Command {
  readonly name = 'operator autopilot set-config';
  readonly synopsis = 'Modify the current Autopilot configuration';
  private readonly fs = new FlagSet();
  private readonly cleanupDeadServers = this.fs.bool(
    'cleanup-dead-servers',
    false,
    'Controls whether Muster will automatically remove dead servers when new ones are successfully added. Must be one of `true|false`.',
  );
  private readonly maxTrailingLogs = this.fs.string(
    'max-trailing-logs',
    '',
    'Controls the maximum number of log entries that a server can trail the leader by before being considered unhealthy.',
    value,
  );
  private readonly minQuorum = this.fs.string(
    'min-quorum',
    '',
    'Sets the minimum number of servers required in a cluster before autopilot is allowed to prune dead servers.',
    value,
  );
  private readonly lastContactThreshold = this.fs.string(
    'last-contact-threshold',
    '',
    'Controls the maximum amount of time a server can go without contact from the leader before being considered unhealthy. Must be a duration value such as `200ms`.',
  );
  private readonly serverStabilizationTime = this.fs.string(
    'server-stabilization-time',
    '',
    "Controls the minimum amount of time a server must be stable in the 'healthy' state before being added to the cluster. Only takes effect if all servers are running Raft protocol version 3 or higher. Must be a duration value such as `10s`.",
  );
  private readonly redundancyZoneTag = this.fs.string(
    'redundancy-zone-tag',
    '',
    '(Enterprise-only) Controls the node_meta tag name used for separating servers into different redundancy zones.',
    value,
  );
  private readonly disableUpgradeMigration = this.fs.bool(
    'disable-upgrade-migration',
    false,
    '(Enterprise-only) Controls whether Muster will avoid promoting new servers until it can perform a migration. Must be one of `true|false`.',
  );
  private readonly upgradeVersionTag = this.fs.string(
    'upgrade-version-tag',
    '',
    '(Enterprise-only) The node_meta tag to use for version info when performing upgrade migrations. If left blank, the Muster version will be used.',
    value,
  );
  private readonly http = new HttpFlags(this.fs, { server: true });

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseOperatorFlags(this.fs, argv, ui, this, boolValueError);
    if (typeof args === 'number') return args;
    const values = this.typedValues();
    if (typeof values === 'string') {
      ui.err(this.fs.errorText(values));
      complain(ui, `Failed to parse args: ${values}`);
      return 1;
    }
    return withClient(this.http, ui, async (client) => {
      const op = new OperatorRaft(client);
      let conf: AutopilotConfiguration;
      try {
        conf = await op.autopilotGetConfiguration();
      } catch (e) {
        complain(ui, `Error querying Autopilot configuration: ${errorMessage(e)}`);
        return 1;
      }
      const merged: AutopilotConfiguration = { ...conf, ...values };
      if (this.cleanupDeadServers.isSet) merged.cleanupDeadServers = this.cleanupDeadServers.value;
      if (this.disableUpgradeMigration.isSet) merged.disableUpgradeMigration = this.disableUpgradeMigration.value;
      if (this.redundancyZoneTag.isSet) merged.redundancyZoneTag = this.redundancyZoneTag.value;
      if (this.upgradeVersionTag.isSet) merged.upgradeVersionTag = this.upgradeVersionTag.value;
      let written: boolean;
      try {
        written = await op.autopilotCASConfiguration(merged);
      } catch (e) {
        complain(ui, `Error setting Autopilot configuration: ${errorMessage(e)}`);
        return 1;
      }
      say(ui, written ? 'Configuration updated!' : 'Configuration could not be atomically updated, please try again');
      return written ? 0 : 1;
    });
  }

  /**
   * The numeric and duration flags that were given, checked as Consul's UintValue and
   * DurationValue do when parsing (in the order given); a string is Go's error.
   */
  private typedValues(): Partial<AutopilotConfiguration> | string {
    const out: Partial<AutopilotConfiguration> = {};
    const checks: Array<[Flag<string>, (text: string) => string | undefined]> = [
      [this.maxTrailingLogs, (t) => uintInto(t, (n) => (out.maxTrailingLogs = n))],
      [this.minQuorum, (t) => uintInto(t, (n) => (out.minQuorum = n))],
      [this.lastContactThreshold, (t) => durationInto(t, (ms) => (out.lastContactThresholdMs = ms))],
      [this.serverStabilizationTime, (t) => durationInto(t, (ms) => (out.serverStabilizationTimeMs = ms))],
    ];
    const given = this.fs.setNames();
    checks.sort((a, b) => given.indexOf(a[0].name) - given.indexOf(b[0].name));
    for (const [flag, check] of checks) {
      if (!flag.isSet) continue;
      const problem = check(flag.value);
      if (problem !== undefined) return `invalid value ${goQuote(flag.value)} for flag -${flag.name}: ${problem}`;
    }
    return out;
  }
}

/** flags.UintValue: strconv.ParseUint(v, 0, 64). */
function uintInto(text: string, set: (n: number) => void): string | undefined {
  const r = goParseUint(text);
  if (!r.ok) return r.error;
  set(Number(r.value));
  return undefined;
}

/** flags.DurationValue: time.ParseDuration. */
function durationInto(text: string, set: (ms: number) => void): string | undefined {
  const r = parseGoDuration(text);
  if (!r.ok) return r.error;
  set(r.ms);
  return undefined;
}
