/** `muster join`: tells the local agent to join the cluster through one or more members (Consul's command/join). */
import { complain, parseFlags, say, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';
import { HttpFlags } from '../http-flags.js';
import { errorMessage, withClient } from './shared.js';

const help = `
Usage: muster join [options] address ...

  Tells a running Muster agent (with "muster agent") to join the cluster
  by specifying at least one existing member.
`;

export class JoinCommand implements Command {
  readonly name = 'join';
  readonly synopsis = 'Tell Muster agent to join cluster';
  private readonly fs = new FlagSet();
  private readonly wan = this.fs.bool('wan', false, 'Joins a server to another server in the WAN pool.');
  private readonly http = new HttpFlags(this.fs);

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const addrs = parseFlags(this.fs, argv, ui, this);
    if (typeof addrs === 'number') return addrs;
    if (addrs.length === 0) {
      complain(ui, 'At least one address to join must be specified.');
      complain(ui, '');
      complain(ui, this.help());
      return 1;
    }
    return withClient(this.http, ui, async (client) => {
      let joins = 0;
      for (const addr of addrs) {
        try {
          await client.agent.join(addr, this.wan.value);
          joins++;
        } catch (e) {
          complain(ui, `Error joining address '${addr}': ${errorMessage(e)}`);
        }
      }
      if (joins === 0) {
        complain(ui, 'Failed to join any nodes.');
        return 1;
      }
      say(ui, `Successfully joined cluster by contacting ${joins} nodes.`);
      return 0;
    });
  }
}
