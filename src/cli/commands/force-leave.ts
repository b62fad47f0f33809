/** `muster force-leave`: marks a failed member left, or with -prune forgets it (Consul's command/forceleave). */
import { complain, parseFlags, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';
import { HttpFlags } from '../http-flags.js';
import { errorMessage, withClient } from './shared.js';

const help = `
Usage: muster force-leave [options] name

  Forces a member of a Muster cluster to enter the "left" state. Note
  that if the member is still actually alive, it will eventually rejoin
  the cluster. This command is most useful for cleaning out "failed" nodes
  that are never coming back. If you do not force leave a failed node,
  Muster will attempt to reconnect to those failed nodes for some period of
  time before eventually reaping them.

  -prune    Remove agent completely from list of members
`;

export class ForceLeaveCommand implements Command {
  readonly name = 'force-leave';
  readonly synopsis = 'Forces a member of the cluster to enter the "left" state';
  private readonly fs = new FlagSet();
  private readonly prune = this.fs.bool('prune', false, 'Remove agent completely from list of members');
  private readonly http = new HttpFlags(this.fs);

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const nodes = parseFlags(this.fs, argv, ui, this);
    if (typeof nodes === 'number') return nodes;
    if (nodes.length !== 1) {
      complain(ui, 'A single node name must be specified to force leave.');
      complain(ui, '');
      complain(ui, this.help());
      return 1;
    }
    return withClient(this.http, ui, async (client) => {
      try {
        await client.agent.forceLeave(nodes[0]!, this.prune.value);
      } catch (e) {
        complain(ui, `Error force leaving: ${errorMessage(e)}`);
        return 1;
      }
      return 0;
    });
  }
}
