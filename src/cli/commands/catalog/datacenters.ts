/** `muster catalog datacenters`: Consul's command/catalog/list/dc. */
import { complain, parseFlags, say, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet } from '../../flags.js';
import { HttpFlags } from '../../http-flags.js';
import { errorMessage, withClient } from '../shared.js';

const help = `
Usage: muster catalog datacenters [options]

  Retrieves the list of all known datacenters. This datacenters are sorted in
  ascending order based on the estimated median round trip time from the servers
  in this datacenter to the servers in the other datacenters.

  To retrieve the list of datacenters:

      $ muster catalog datacenters

  For a full list of options and examples, please see the Muster documentation.
`;

export class CatalogDatacentersCommand implements Command {
  readonly name = 'catalog datacenters';
  readonly synopsis = 'Lists all known datacenters';
  private readonly fs = new FlagSet();
  private readonly http = new HttpFlags(this.fs, { server: true });

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    if (args.length > 0) {
      complain(ui, `Too many arguments (expected 0, got ${args.length})`);
      return 1;
    }
    return withClient(this.http, ui, async (client) => {
      let dcs: string[];
      try {
        dcs = await client.catalog.datacenters();
      } catch (e) {
        complain(ui, `Error listing datacenters: ${errorMessage(e)}`);
        return 1;
      }
      for (const dc of dcs) say(ui, dc);
      return 0;
    });
  }
}
