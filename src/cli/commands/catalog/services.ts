/** `muster catalog services`: Consul's command/catalog/list/services, layout byte for byte. */
import type { Client } from '../../../api/index.js';
import { complain, parseFlags, say, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet } from '../../flags.js';
import { HttpFlags } from '../../http-flags.js';
import { tabwrite } from '../../text-format.js';
import { errorMessage, withClient } from '../shared.js';
import { byBytes } from './nodes.js';

const help = `
Usage: muster catalog services [options]

  Retrieves the list services registered in a given datacenter. By default, the
  datacenter of the local agent is queried.

  To retrieve the list of services:

      $ muster catalog services

  To include the services' tags in the output:

      $ muster catalog services -tags

  To list services which run on a particular node:

      $ muster catalog services -node=web

  To filter services on node metadata:

      $ muster catalog services -node-meta="foo=bar"

  For a full list of options and examples, please see the Muster documentation.
`;

export class CatalogServicesCommand implements Command {
  readonly name = 'catalog services';
  readonly synopsis = 'Lists all registered services in a datacenter';
  private readonly fs = new FlagSet();
  private readonly node = this.fs.string('node', '', 'Node `id or name` for which to list services.');
  private readonly nodeMeta = this.fs.map(
    'node-meta',
    'Metadata to filter nodes with the given `key=value` pairs. If specified, only services running on nodes matching the given metadata will be returned. This flag may be specified multiple times to filter on multiple sources of metadata.',
    { separators: '=', requireSeparator: true },
  );
  private readonly tags = this.fs.bool('tags', false, "Display each service's tags as a comma-separated list beside each service entry.");
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
      const services = await this.list(client, ui);
      if (typeof services === 'number') return services;
      const order = Object.keys(services).sort(byBytes);
      if (order.length === 0) {
        complain(ui, 'No services match the given query - try expanding your search.');
        return 0;
      }
      if (!this.tags.value) {
        for (const s of order) say(ui, s);
        return 0;
      }
      const text = order.map((s) => `${s}\t${[...services[s]!].sort(byBytes).join(',')}\n`).join('');
      say(ui, tabwrite(text, { minWidth: 0, padding: 6 }).trim());
      return 0;
    });
  }

  private async list(client: Client, ui: Ui): Promise<Record<string, string[]> | number> {
    const q = { nodeMeta: this.nodeMeta.value };
    if (this.node.value !== '') {
      try {
        const { value } = await client.catalog.node(this.node.value, q);
        const out: Record<string, string[]> = {};
        for (const s of Object.values(value?.services ?? {})) out[s.service] = [...(out[s.service] ?? []), ...s.tags];
        return out;
      } catch (e) {
        complain(ui, `Error listing services for node: ${errorMessage(e)}`);
        return 1;
      }
    }
    try {
      return (await client.catalog.services(q)).value;
    } catch (e) {
      complain(ui, `Error listing services: ${errorMessage(e)}`);
      return 1;
    }
  }
}
