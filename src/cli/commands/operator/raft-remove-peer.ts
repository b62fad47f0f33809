/** `muster operator raft remove-peer -address=ip:port | -id=ID`: Consul's command/operator/raft/removepeer. */
import { OperatorRaft } from '../../../api/index.js';
import { goQuote } from '../../../lib/index.js';
import { complain, say, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet } from '../../flags.js';
import { HttpFlags } from '../../http-flags.js';
import { errorMessage, withClient } from '../shared.js';
import { parseOperatorFlags } from './operator.js';

const help = `
Usage: muster operator raft remove-peer [options]

  Remove the Muster server with given -address from the Raft configuration.

  There are rare cases where a peer may be left behind in the Raft quorum even
  though the server is no longer present and known to the cluster. This command
  can be used to remove the failed server so that it is no longer affects the Raft
  quorum. If the server still shows in the output of the "muster members" command,
  it is preferable to clean up by simply running "muster force-leave" instead of
  this command.
`;

export class OperatorRaftRemovePeerCommand implements Command {
  readonly name = 'operator raft remove-peer';
  readonly synopsis = 'Remove a Muster server from the Raft configuration';
  private readonly fs = new FlagSet();
  private readonly address = this.fs.string('address', '', 'The address to remove from the Raft configuration.');
  private readonly id = this.fs.string('id', '', 'The ID to remove from the Raft configuration.');
  private readonly http = new HttpFlags(this.fs, { server: true });

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseOperatorFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    const address = this.address.value;
    const id = this.id.value;
    return withClient(this.http, ui, async (client) => {
      const fail = (text: string): number => {
        complain(ui, `Error removing peer: ${text}`);
        return 1;
      };
      if (address === '' && id === '') return fail('an address or id is required for the peer to remove');
      if (address !== '' && id !== '') return fail('cannot give both an address and id');
      const op = new OperatorRaft(client);
      try {
        if (address !== '') await op.raftRemovePeerByAddress(address);
        else await op.raftRemovePeerByID(id);
      } catch (e) {
        return fail(errorMessage(e));
      }
      say(ui, address !== '' ? `Removed peer with address ${goQuote(address)}` : `Removed peer with id ${goQuote(id)}`);
      return 0;
    });
  }
}
