/** `muster kv get`: Consul's command/kv/get, output byte for byte. */
import type { Client, KvPair } from '../../../api/index.js';
import { complain, say, writeBytes, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet } from '../../flags.js';
import { HttpFlags } from '../../http-flags.js';
import { tabwrite } from '../../text-format.js';
import { errorMessage, keyArgument, withClient } from '../shared.js';

const help = `
Usage: muster kv get [options] [KEY_OR_PREFIX]

  Retrieves the value from Muster's key-value store at the given key name. If no
  key exists with that name, an error is returned. If a key exists with that
  name but has no data, nothing is returned. If the name or prefix is omitted,
  it defaults to "" which is the root of the key-value store.

  To retrieve the value for the key named "foo" in the key-value store:

      $ muster kv get foo

  This will return the original, raw value stored in Muster. To view detailed
  information about the key, specify the "-detailed" flag. This will output all
  known metadata about the key including ModifyIndex and any user-supplied
  flags:

      $ muster kv get -detailed foo

  To treat the path as a prefix and list all keys which start with the given
  prefix, specify the "-recurse" flag:

      $ muster kv get -recurse foo

  This will return all key-value pairs. To just list the keys which start with
  the specified prefix, use the "-keys" option instead:

      $ muster kv get -keys foo

  For a full list of options and examples, please see the Muster documentation.
`;

export class KvGetCommand implements Command {
  readonly name = 'kv get';
  readonly synopsis = 'Retrieves or lists data from the KV store';
  private readonly fs = new FlagSet();
  private readonly base64 = this.fs.bool('base64', false, 'Base64 encode the value. The default value is false.');
  private readonly detailed = this.fs.bool(
    'detailed',
    false,
    'Provide additional metadata about the key in addition to the value such as the ModifyIndex and any flags that may have been set on the key. The default value is false.',
  );
  private readonly keys = this.fs.bool(
    'keys',
    false,
    'List keys which start with the given prefix, but not their values. This is especially useful if you only need the key names themselves. This option is commonly combined with the -separator option. The default value is false.',
  );
  private readonly recurse = this.fs.bool('recurse', false, 'Recursively look at all keys prefixed with the given path. The default value is false.');
  private readonly separator = this.fs.string(
    'separator',
    '/',
    'String to use as a separator between keys. The default value is "/", but this option is only taken into account when paired with the -keys flag.',
  );
  private readonly http = new HttpFlags(this.fs, { server: true });

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const key = keyArgument(this.fs, argv, ui, this);
    if (typeof key === 'number') return key;
    if (key === '' && !(this.recurse.value || this.keys.value)) {
      complain(ui, 'Error! Missing KEY argument');
      return 1;
    }
    return withClient(this.http, ui, async (client) => {
      try {
        return await this.show(client, key, ui);
      } catch (e) {
        complain(ui, `Error querying Consul agent: ${errorMessage(e)}`);
        return 1;
      }
    });
  }

  private async show(client: Client, key: string, ui: Ui): Promise<number> {
    const q = this.http.queryOptions();
    if (this.keys.value) {
      const { value: keys } = await client.kv.keys(key, this.separator.value, q);
      for (const k of keys) say(ui, k);
      return 0;
    }
    if (this.recurse.value) {
      const { value: pairs } = await client.kv.list(key, q);
      pairs.forEach((pair, i) => {
        if (this.detailed.value) {
          writeBytes(ui, Buffer.concat([prettyKvPair(pair, this.base64.value), Buffer.from('\n')]));
          if (i < pairs.length - 1) say(ui, '');
        } else {
          const value = this.base64.value ? Buffer.from(pair.value.toString('base64')) : pair.value;
          writeBytes(ui, Buffer.concat([Buffer.from(`${pair.key}:`), value, Buffer.from('\n')]));
        }
      });
      return 0;
    }
    const { value: pair } = await client.kv.get(key, q);
    if (!pair) {
      complain(ui, `Error! No key exists at: ${key}`);
      return 1;
    }
    const out = this.detailed.value
      ? prettyKvPair(pair, this.base64.value)
      : this.base64.value
        ? Buffer.from(pair.value.toString('base64'))
        : pair.value;
    writeBytes(ui, Buffer.concat([out, Buffer.from('\n')]));
    return 0;
  }
}

/**
 * `-detailed`: Consul's tabwriter layout (minwidth 0, padding 6). Bytes go through latin1 so a
 * binary value comes out unchanged.
 */
export function prettyKvPair(pair: KvPair, base64: boolean): Buffer {
  const latin1 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
  const value = base64 ? pair.value.toString('base64') : pair.value.toString('latin1');
  const text =
    `CreateIndex\t${pair.createIndex}\nFlags\t${pair.flags}\nKey\t${latin1(pair.key)}\n` +
    `LockIndex\t${pair.lockIndex}\nModifyIndex\t${pair.modifyIndex}\n` +
    `Session\t${pair.session === '' ? '-' : latin1(pair.session)}\nValue\t${value}`;
  return Buffer.from(tabwrite(text, { minWidth: 0, padding: 6 }), 'latin1');
}
