/** `muster operator raft list-peers`: Consul's command/operator/raft/listpeers, columns byte for byte. */
import { OperatorRaft, type RaftConfiguration } from '../../../api/index.js';
import { complain, say, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet } from '../../flags.js';
import { HttpFlags } from '../../http-flags.js';
import { columnize, unitSeparator as us } from '../columnize.js';
import { errorMessage, withClient } from '../shared.js';
import { parseOperatorFlags } from './operator.js';

const help = `
Usage: muster operator raft list-peers [options]

  Displays the current Raft peer configuration.
`;

export class OperatorRaftListPeersCommand implements Command {
  readonly name = 'operator raft list-peers';
  readonly synopsis = 'Display the current Raft peer configuration';
  private readonly fs = new FlagSet();
  private readonly http = new HttpFlags(this.fs, { server: true });

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseOperatorFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    return withClient(this.http, ui, async (client) => {
      let reply: RaftConfiguration;
      try {
        reply = await new OperatorRaft(client).raftGetConfiguration(this.http.queryOptions());
      } catch (e) {
        complain(ui, `Error getting peers: Failed to retrieve raft configuration: ${errorMessage(e)}`);
        return 1;
      }
      say(ui, formatPeers(reply));
      return 0;
    });
  }
}

/** The table: Node, ID, Address, State, Voter, RaftProtocol ("<=1" when a server sent none). */
export function formatPeers(reply: RaftConfiguration): string {
  const rows = [`Node${us}ID${us}Address${us}State${us}Voter${us}RaftProtocol`];
  for (const s of reply.servers) {
    const protocol = s.protocolVersion === '' ? '<=1' : s.protocolVersion;
    rows.push([s.node, s.id, s.address, s.leader ? 'leader' : 'follower', String(s.voter), protocol].join(us));
  }
  return columnize(rows, { delim: us });
}
