/** `muster snapshot restore`: Consul's command/snapshot/restore, output byte for byte. */
import type { Readable } from 'node:stream';
import { complain, parseFlags, say, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet } from '../../flags.js';
import { HttpFlags } from '../../http-flags.js';
import { errorMessage, withClient } from '../shared.js';
import { openFile } from './inspect.js';
import { fileArgument } from './snapshot.js';
import { snapshotRestore } from './transport.js';

const help = `
Usage: muster snapshot restore [options] FILE

  Restores an atomic, point-in-time snapshot of the state of the Muster servers
  which includes key/value entries, service catalog, prepared queries, sessions,
  and ACLs.

  Restores involve a potentially dangerous low-level Raft operation that is not
  designed to handle server failures during a restore. This command is primarily
  intended to be used when recovering from a disaster, restoring into a fresh
  cluster of Muster servers.

  If ACLs are enabled, a management token must be supplied in order to perform
  snapshot operations.

  To restore a snapshot from the file "backup.snap":

    $ muster snapshot restore backup.snap

  For a full list of options and examples, please see the Muster documentation.
`;

export class SnapshotRestoreCommand implements Command {
  readonly name = 'snapshot restore';
  readonly synopsis = 'Restores snapshot of Muster server state';
  private readonly fs = new FlagSet();
  private readonly http = new HttpFlags(this.fs, { server: true });

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    const arg = fileArgument(args);
    if ('error' in arg) {
      complain(ui, arg.error);
      return 1;
    }
    return withClient(this.http, ui, async (client) => {
      let input: AsyncIterable<Uint8Array>;
      try {
        input = await openFile(arg.file);
      } catch (e) {
        complain(ui, `Error opening snapshot file: ${errorMessage(e)}`);
        return 1;
      }
      try {
        await snapshotRestore(client, input as Readable);
      } catch (e) {
        complain(ui, `Error restoring snapshot: ${errorMessage(e)}`);
        return 1;
      } finally {
        (input as Readable).destroy();
      }
      say(ui, 'Restored snapshot');
      return 0;
    });
  }
}
