/** `muster leave`: asks the local agent to leave the cluster gracefully and shut down. */
import { complain, goList, parseFlags, say, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';
import { HttpFlags } from '../http-flags.js';
import { errorMessage, withClient } from './shared.js';

const help = `
Usage: muster leave [options]

  Causes the agent to gracefully leave the Muster cluster and shutdown.
`;

export class LeaveCommand implements Command {
  readonly name = 'leave';
  readonly synopsis = 'Gracefully leaves the Muster cluster and shuts down';
  private readonly fs = new FlagSet();
  private readonly http = new HttpFlags(this.fs);

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    if (args.length > 0) {
      complain(ui, `Error found unexpected args: ${goList(args)}`);
      say(ui, this.help());
      return 1;
    }
    return withClient(this.http, ui, async (client) => {
      try {
        await client.agent.leave();
      } catch (e) {
        complain(ui, `Error leaving: ${errorMessage(e)}`);
        return 1;
      }
      say(ui, 'Graceful leave complete');
      return 0;
    });
  }
}
