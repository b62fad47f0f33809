/** `muster kv export`: Consul's command/kv/exp; the JSON is Go's MarshalIndent with tabs. */
import type { KvPair } from '../../../api/index.js';
import { complain, say, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet } from '../../flags.js';
import { HttpFlags } from '../../http-flags.js';
import { goJsonString } from '../../../lib/index.js';
import { errorMessage, keyArgument, withClient } from '../shared.js';

const help = `
Usage: muster kv export [KEY_OR_PREFIX]

  Retrieves key-value pairs for the given prefix from Muster's key-value store,
  and writes a JSON representation to stdout. This can be used with the command
  "muster kv import" to move entire trees between Muster clusters.

      $ muster kv export vault

  For a full list of options and examples, please see the Muster documentation.
`;

/** `[{"key","flags","value"(base64)}]` as `json.MarshalIndent(entries, "", "\t")` writes it. */
export function exportJson(pairs: readonly KvPair[]): string {
  if (pairs.length === 0) return '[]';
  const items = pairs.map(
    (p) =>
      `\t{\n\t\t"key": ${goJsonString(p.key)},\n\t\t"flags": ${p.flags},\n\t\t"value": ${goJsonString(p.value.toString('base64'))}\n\t}`,
  );
  return `[\n${items.join(',\n')}\n]`;
}

export class KvExportCommand implements Command {
  readonly name = 'kv export';
  readonly synopsis = 'Exports a tree from the KV store as JSON';
  private readonly fs = new FlagSet();
  private readonly http = new HttpFlags(this.fs, { server: true });

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const key = keyArgument(this.fs, argv, ui, this);
    if (typeof key === 'number') return key;
    return withClient(this.http, ui, async (client) => {
      let pairs: KvPair[];
      try {
        pairs = (await client.kv.list(key, this.http.queryOptions())).value;
      } catch (e) {
        complain(ui, `Error querying Consul agent: ${errorMessage(e)}`);
        return 1;
      }
      say(ui, exportJson(pairs));
      return 0;
    });
  }
}
