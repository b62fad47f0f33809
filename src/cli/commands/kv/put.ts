/** `muster kv put`: Consul's command/kv/put, messages byte for byte. */
import type { Client, PutOptions } from '../../../api/index.js';
import { complain, parseFlags, say, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet } from '../../flags.js';
import { HttpFlags } from '../../http-flags.js';
import { decodeGoBase64, errorMessage, readDataArg, withClient } from '../shared.js';

const help = `
Usage: muster kv put [options] KEY [DATA]

  Writes the data to the given path in the key-value store. The data can be of
  any type.

      $ muster kv put config/redis/maxconns 5

  The data can also be consumed from a file on disk by prefixing with the "@"
  symbol. For example:

      $ muster kv put config/program/license @license.lic

  Or it can be read from stdin using the "-" symbol:

      $ echo "abcd1234" | muster kv put config/program/license -

  The DATA argument itself is optional. If omitted, this will create an empty
  key-value pair at the specified path:

      $ muster kv put webapp/beta/active

  If the -base64 flag is specified, the data will be treated as base 64
  encoded.

  To perform a Check-And-Set operation, specify the -cas flag with the
  appropriate -modify-index flag corresponding to the key you want to perform
  the CAS operation on:

      $ muster kv put -cas -modify-index=844 config/redis/maxconns 5

  Additional flags and more advanced use cases are detailed below.
`;

export class KvPutCommand implements Command {
  readonly name = 'kv put';
  readonly synopsis = 'Sets or updates data in the KV store';
  private readonly fs = new FlagSet();
  private readonly cas = this.fs.bool(
    'cas',
    false,
    'Perform a Check-And-Set operation. Specifying this value also requires the -modify-index flag to be set. The default value is false.',
  );
  private readonly flags = this.fs.uint(
    'flags',
    0n,
    'Unsigned integer value to assign to this key-value pair. This value is not read by Muster, so clients can use this value however makes sense for their use case. The default value is 0 (no flags).',
  );
  private readonly base64 = this.fs.bool('base64', false, 'Treat the data as base 64 encoded. The default value is false.');
  private readonly modifyIndex = this.fs.uint(
    'modify-index',
    0n,
    'Unsigned integer representing the ModifyIndex of the key. This is used in combination with the -cas flag.',
  );
  private readonly session = this.fs.string(
    'session',
    '',
    'User-defined identifer for this session as a string. This is commonly used with the -acquire and -release operations to build robust locking, but it can be set on any key. The default value is empty (no session).',
  );
  private readonly acquire = this.fs.bool(
    'acquire',
    false,
    'Obtain a lock on the key. If the key does not exist, this operation will create the key and obtain the lock. The session must already exist and be specified via the -session flag. The default value is false.',
  );
  private readonly release = this.fs.bool(
    'release',
    false,
    'Forfeit the lock on the key at the given path. This requires the -session flag to be set. The key must be held by the session in order to be unlocked. The default value is false.',
  );
  private readonly http = new HttpFlags(this.fs, { server: true });

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    if (args.length === 0 || args.length > 2) {
      complain(ui, args.length === 0 ? 'Error! Missing KEY argument' : `Error! Too many arguments (expected 1 or 2, got ${args.length})`);
      return 1;
    }
    const key = args[0]!;
    let data: Buffer = Buffer.alloc(0);
    if (args[1]) {
      const r = await readDataArg(args[1], ui);
      if ('error' in r) {
        complain(ui, `Error! ${r.error}`);
        return 1;
      }
      data = r.data;
    }
    if (this.base64.value) {
      // Consul prints this error and then writes an empty value anyway; we stop instead.
      const d = decodeGoBase64(data.toString('latin1'));
      if (!d.ok) {
        complain(ui, `Error! Cannot base 64 decode data: ${d.error}`);
        return 1;
      }
      data = d.data;
    }
    if ((this.release.value || this.acquire.value) && this.session.value === '') {
      complain(ui, 'Error! Missing -session (required with -acquire and -release)');
      return 1;
    }
    if (this.cas.value && this.modifyIndex.value === 0n) {
      complain(ui, 'Must specify -modify-index with -cas!');
      return 1;
    }
    return withClient(this.http, ui, (client) => this.write(client, key, data, ui));
  }

  private async write(client: Client, key: string, data: Buffer, ui: Ui): Promise<number> {
    const w = this.http.writeOptions();
    const opts: PutOptions = { flags: this.flags.value };
    let mode: 'cas' | 'acquire' | 'release' | 'set' = 'set';
    if (this.cas.value) [mode, opts.cas] = ['cas', this.modifyIndex.value];
    else if (this.acquire.value) [mode, opts.acquire] = ['acquire', this.session.value];
    else if (this.release.value) [mode, opts.release] = ['release', this.session.value];
    let ok: boolean;
    try {
      ok = await client.kv.put(key, data, opts, w);
    } catch (e) {
      complain(ui, mode === 'cas' ? `Error! Did not write to ${key}: ${errorMessage(e)}` : `Error! Failed writing data: ${errorMessage(e)}`);
      return 1;
    }
    const messages = {
      cas: [`Error! Did not write to ${key}: CAS failed`, `Success! Data written to: ${key}`],
      acquire: ['Error! Did not acquire lock', `Success! Lock acquired on: ${key}`],
      release: ['Error! Did not release lock', `Success! Lock released on: ${key}`],
      set: ['', `Success! Data written to: ${key}`],
    } as const;
    if (!ok && mode !== 'set') {
      complain(ui, messages[mode][0]);
      return 1;
    }
    say(ui, messages[mode][1]);
    return 0;
  }
}
