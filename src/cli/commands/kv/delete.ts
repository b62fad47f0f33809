/** `muster kv delete`: Consul 1.8.7's command/kv/del, messages byte for byte. */
import type { Client } from '../../../api/index.js';
import { complain, say, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet } from '../../flags.js';
import { HttpFlags } from '../../http-flags.js';
import { errorMessage, keyArgument, withClient } from '../shared.js';

const help = `
Usage: muster kv delete [options] KEY_OR_PREFIX

  Removes the value from Muster's key-value store at the given path. If no
  key exists at the path, no action is taken.

  To delete the value for the key named "foo" in the key-value store:

      $ muster kv delete foo

  To delete all keys which start with "foo", specify the -recurse option:

      $ muster kv delete -recurse foo

  This will delete the keys named "foo", "food", and "foo/bar/zip" if they
  existed.
`;

export class KvDeleteCommand implements Command {
  readonly name = 'kv delete';
  readonly synopsis = 'Removes data from the KV store';
  private readonly fs = new FlagSet();
  private readonly cas = this.fs.bool(
    'cas',
    false,
    'Perform a Check-And-Set operation. Specifying this value also requires the -modify-index flag to be set. The default value is false.',
  );
  private readonly modifyIndex = this.fs.uint(
    'modify-index',
    0n,
    'Unsigned integer representing the ModifyIndex of the key. This is used in combination with the -cas flag.',
  );
  private readonly recurse = this.fs.bool('recurse', false, 'Recursively delete all keys with the path. The default value is false.');
  private readonly http = new HttpFlags(this.fs, { server: true });

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const key = keyArgument(this.fs, argv, ui, this);
    if (typeof key === 'number') return key;
    const problem =
      key === '' && !this.recurse.value
        ? 'Error! Missing KEY argument'
        : this.cas.value && this.modifyIndex.value === 0n
          ? 'Must specify -modify-index with -cas!'
          : this.modifyIndex.value !== 0n && !this.cas.value
            ? 'Cannot specify -modify-index without -cas!'
            : this.recurse.value && this.cas.value
              ? 'Cannot specify both -cas and -recurse!'
              : undefined;
    if (problem) {
      complain(ui, problem);
      return 1;
    }
    return withClient(this.http, ui, (client) => this.remove(client, key, ui));
  }

  private async remove(client: Client, key: string, ui: Ui): Promise<number> {
    const w = this.http.writeOptions();
    if (this.recurse.value) {
      try {
        await client.kv.delete(key, { recurse: true }, w);
      } catch (e) {
        complain(ui, `Error! Did not delete prefix ${key}: ${errorMessage(e)}`);
        return 1;
      }
      say(ui, `Success! Deleted keys with prefix: ${key}`);
      return 0;
    }
    if (this.cas.value) {
      let ok: boolean;
      try {
        ok = await client.kv.delete(key, { cas: this.modifyIndex.value }, w);
      } catch (e) {
        complain(ui, `Error! Did not delete key ${key}: ${errorMessage(e)}`);
        return 1;
      }
      if (!ok) {
        complain(ui, `Error! Did not delete key ${key}: CAS failed`);
        return 1;
      }
      say(ui, `Success! Deleted key: ${key}`);
      return 0;
    }
    try {
      await client.kv.delete(key, {}, w);
    } catch (e) {
      complain(ui, `Error deleting key ${key}: ${errorMessage(e)}`);
      return 1;
    }
    say(ui, `Success! Deleted key: ${key}`);
    return 0;
  }
}
