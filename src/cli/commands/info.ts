/** `muster info`: the `Stats` sections of /v1/agent/self, sorted, as Consul prints them. */
import type { AgentSelf } from '../../api/index.js';
import { complain, parseFlags, say, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';
import { HttpFlags } from '../http-flags.js';
import { errorMessage, goPercentS, withClient } from './shared.js';

const help = `
Usage: muster info [options]

  Provides debugging information for operators.
`;

export class InfoCommand implements Command {
  readonly name = 'info';
  readonly synopsis = 'Provides debugging information for operators.';
  private readonly fs = new FlagSet();
  private readonly http = new HttpFlags(this.fs);

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    return withClient(this.http, ui, async (client) => {
      let self: AgentSelf;
      try {
        self = await client.agent.self();
      } catch (e) {
        complain(ui, `Error querying agent: ${errorMessage(e)}`);
        return 1;
      }
      const stats = self.stats;
      if (!stats) {
        complain(ui, `Agent response did not contain 'Stats' key: ${JSON.stringify(self.raw)}`);
        return 1;
      }
      for (const section of Object.keys(stats).sort(byBytes)) {
        say(ui, `${section}:`);
        const values = stats[section];
        if (typeof values !== 'object' || values === null || Array.isArray(values)) {
          complain(ui, 'Got invalid subkey in stats: map[]');
          return 1;
        }
        for (const key of Object.keys(values).sort(byBytes)) say(ui, `\t${key} = ${goPercentS(values[key])}`);
      }
      return 0;
    });
  }
}

/** Go's sort.Strings order (byte-wise), not localeCompare. */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
