/** `muster operator autopilot get-config`: Consul's command/operator/autopilot/get. */
import { OperatorRaft, type AutopilotConfiguration } from '../../../api/index.js';
import { formatDurationMs, goQuote } from '../../../lib/index.js';
import { complain, say, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet } from '../../flags.js';
import { HttpFlags } from '../../http-flags.js';
import { errorMessage, withClient } from '../shared.js';
import { parseOperatorFlags } from './operator.js';

const help = `
Usage: muster operator autopilot get-config [options]

  Displays the current Autopilot configuration.
`;

export class OperatorAutopilotGetCommand implements Command {
  readonly name = 'operator autopilot get-config';
  readonly synopsis = 'Display the current Autopilot configuration';
  private readonly fs = new FlagSet();
  private readonly http = new HttpFlags(this.fs, { server: true });

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseOperatorFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    return withClient(this.http, ui, async (client) => {
      let conf: AutopilotConfiguration;
      try {
        conf = await new OperatorRaft(client).autopilotGetConfiguration(this.http.queryOptions());
      } catch (e) {
        complain(ui, `Error querying Autopilot configuration: ${errorMessage(e)}`);
        return 1;
      }
      say(ui, formatAutopilotConfig(conf));
      return 0;
    });
  }
}

export function formatAutopilotConfig(c: AutopilotConfiguration): string {
  return [
    `CleanupDeadServers = ${String(c.cleanupDeadServers)}`,
    `LastContactThreshold = ${formatDurationMs(c.lastContactThresholdMs)}`,
    `MaxTrailingLogs = ${c.maxTrailingLogs}`,
    `MinQuorum = ${c.minQuorum}`,
    `ServerStabilizationTime = ${formatDurationMs(c.serverStabilizationTimeMs)}`,
    `RedundancyZoneTag = ${goQuote(c.redundancyZoneTag)}`,
    `DisableUpgradeMigration = ${String(c.disableUpgradeMigration)}`,
    `UpgradeVersionTag = ${goQuote(c.upgradeVersionTag)}`,
  ].join('\n');
}
