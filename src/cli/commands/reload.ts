/** `muster reload`: asks the agent to reload its configuration (as SIGHUP does). */
import { complain, parseFlags, say, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';
import { HttpFlags } from '../http-flags.js';
import { errorMessage, withClient } from './shared.js';

const help = `
Usage: muster reload

  Causes the agent to reload configurations. This can be used instead
  of sending the SIGHUP signal to the agent.
`;

export class ReloadCommand implements Command {
  readonly name = 'reload';
  readonly synopsis = 'Triggers the agent to reload configuration files';
  private readonly fs = new FlagSet();
  private readonly http = new HttpFlags(this.fs);

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    return withClient(this.http, ui, async (client) => {
      try {
        await client.agent.reload();
      } catch (e) {
        complain(ui, `Error reloading: ${errorMessage(e)}`);
        return 1;
      }
      say(ui, 'Configuration reload triggered');
      return 0;
    });
  }
}
