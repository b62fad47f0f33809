/** `muster catalog nodes`: Consul's command/catalog/list/nodes, columns byte for byte. */
import type { CatalogNodeInfo, Client } from '../../../api/index.js';
import { complain, parseFlags, say, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet } from '../../flags.js';
import { HttpFlags } from '../../http-flags.js';
import { columnize, unitSeparator as us } from '../columnize.js';
import { errorMessage, readDataArg, withClient } from '../shared.js';

const help = `
Usage: muster catalog nodes [options]

  Retrieves the list nodes registered in a given datacenter. By default, the
  datacenter of the local agent is queried.

  To retrieve the list of nodes:

      $ muster catalog nodes

  To print detailed information including full node IDs, tagged addresses, and
  metadata information:

      $ muster catalog nodes -detailed

  To list nodes which are running a particular service:

      $ muster catalog nodes -service=web

  To filter by node metadata:

      $ muster catalog nodes -node-meta="foo=bar"

  To sort nodes by estimated round-trip time from node-web:

      $ muster catalog nodes -near=node-web

  For a full list of options and examples, please see the Muster documentation.
`;

export class CatalogNodesCommand implements Command {
  readonly name = 'catalog nodes';
  readonly synopsis = 'Lists all nodes in the given datacenter';
  private readonly fs = new FlagSet();
  private readonly filter = this.fs.string('filter', '', 'Filter to use with the request');
  private readonly detailed = this.fs.bool('detailed', false, 'Output detailed information about the nodes including their addresses and metadata.');
  private readonly near = this.fs.string(
    'near',
    '',
    'Node name to sort the node list in ascending order based on estimated round-trip time from that node. Passing "_agent" will use this agent\'s node for sorting.',
  );
  private readonly nodeMeta = this.fs.map(
    'node-meta',
    'Metadata to filter nodes with the given `key=value` pairs. This flag may be specified multiple times to filter on multiple sources of metadata.',
    { separators: '=', requireSeparator: true },
  );
  private readonly service = this.fs.string('service', '', 'Service `id or name` to filter nodes. Only nodes which are providing the given service will be returned.');
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
      let filter = this.filter.value;
      if (filter !== '' && (filter.startsWith('@') || filter === '-')) {
        const r = await readDataArg(filter, ui);
        if ('error' in r) {
          complain(ui, `Could not process filter argument: ${r.error}`);
          return 1;
        }
        filter = r.data.toString('utf8');
      }
      const nodes = await this.list(client, filter, ui);
      if (typeof nodes === 'number') return nodes;
      if (nodes.length === 0) {
        complain(ui, 'No nodes match the given query - try expanding your search.');
        return 0;
      }
      say(ui, printNodes(nodes, this.detailed.value));
      return 0;
    });
  }

  private async list(client: Client, filter: string, ui: Ui): Promise<CatalogNodeInfo[] | number> {
    const q = { near: this.near.value, nodeMeta: this.nodeMeta.value, filter };
    if (this.service.value !== '') {
      try {
        const { value } = await client.catalog.service(this.service.value, [], q);
        return value.map((s) => ({
          id: s.id,
          node: s.node,
          address: s.address,
          datacenter: s.datacenter,
          taggedAddresses: s.taggedAddresses,
          meta: s.nodeMeta,
          createIndex: s.createIndex,
          modifyIndex: s.modifyIndex,
        }));
      } catch (e) {
        complain(ui, `Error listing nodes for service: ${errorMessage(e)}`);
        return 1;
      }
    }
    try {
      return (await client.catalog.nodes(q)).value;
    } catch (e) {
      complain(ui, `Error listing nodes: ${errorMessage(e)}`);
      return 1;
    }
  }
}

/** Consul's printNodes: `Node ID Address DC` (the ID cut at its first dash), or -detailed. */
export function printNodes(nodes: readonly CatalogNodeInfo[], detailed: boolean): string {
  const rows = detailed
    ? [
        `Node${us}ID${us}Address${us}DC${us}TaggedAddresses${us}Meta`,
        ...nodes.map((n) => [n.node, n.id, n.address, n.datacenter, mapToKv(n.taggedAddresses, ', '), mapToKv(n.meta, ', ')].join(us)),
      ]
    : [
        `Node${us}ID${us}Address${us}DC`,
        ...nodes.map((n) => {
          const dash = n.id.indexOf('-');
          return [n.node, dash > 0 ? n.id.slice(0, dash) : n.id, n.address, n.datacenter].join(us);
        }),
      ];
  return columnize(rows, { delim: us });
}

/** `k1=v1, k2=v2`, sorted by key. */
export function mapToKv(m: Record<string, string>, joiner: string): string {
  return Object.keys(m)
    .sort(byBytes)
    .map((k) => `${k}=${m[k]}`)
    .join(joiner);
}

/** Go's sort.Strings order (byte-wise). */
export function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
