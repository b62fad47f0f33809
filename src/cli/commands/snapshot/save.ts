/**
 * `muster snapshot save`: Consul's command/snapshot/save, output byte for byte. The archive is
 * streamed to FILE.unverified (itself written to a temporary name and renamed, as safeio does),
 * verified, then renamed to FILE; the unverified file never stays behind.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { verifyArchive } from '../../../snapshot/index.js';
import { complain, parseFlags, say, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet } from '../../flags.js';
import { HttpFlags } from '../../http-flags.js';
import { errorMessage, withClient } from '../shared.js';
import { openFile } from './inspect.js';
import { fileArgument } from './snapshot.js';
import { snapshotSave } from './transport.js';

const help = `
Usage: muster snapshot save [options] FILE

  Retrieves an atomic, point-in-time snapshot of the state of the Muster servers
  which includes key/value entries, service catalog, prepared queries, sessions,
  and ACLs.

  If ACLs are enabled, a management token must be supplied in order to perform
  snapshot operations.

  To create a snapshot from the leader server and save it to "backup.snap":

    $ muster snapshot save backup.snap

  To create a potentially stale snapshot from any available server (useful if no
  leader is available):

    $ muster snapshot save -stale backup.snap

  For a full list of options and examples, please see the Muster documentation.
`;

export class SnapshotSaveCommand implements Command {
  readonly name = 'snapshot save';
  readonly synopsis = 'Saves snapshot of Muster server state';
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
    const file = arg.file;
    return withClient(this.http, ui, async (client) => {
      let saved: Awaited<ReturnType<typeof snapshotSave>>;
      try {
        saved = await snapshotSave(client, this.http.stale?.value === true);
      } catch (e) {
        complain(ui, `Error saving snapshot: ${errorMessage(e)}`);
        return 1;
      }
      const unverified = `${file}.unverified`;
      try {
        return await this.keep(saved.body, unverified, file, saved.meta.lastIndex, ui);
      } finally {
        await rm(unverified, { force: true });
      }
    });
  }

  private async keep(body: NodeJS.ReadableStream, unverified: string, file: string, index: number, ui: Ui): Promise<number> {
    const partial = `${unverified}.${process.pid}.tmp`;
    try {
      await pipeline(body, createWriteStream(partial, { mode: 0o666 }));
      await rename(partial, unverified);
    } catch (e) {
      await rm(partial, { force: true });
      complain(ui, `Error writing unverified snapshot file: ${errorMessage(e)}`);
      return 1;
    }
    let input: AsyncIterable<Uint8Array>;
    try {
      input = await openFile(unverified);
    } catch (e) {
      complain(ui, `Error opening snapshot file for verify: ${errorMessage(e)}`);
      return 1;
    }
    try {
      await verifyArchive(input);
    } catch (e) {
      complain(ui, `Error verifying snapshot file: ${errorMessage(e)}`);
      return 1;
    }
    try {
      await rename(unverified, file);
    } catch (e) {
      complain(ui, `Error renaming ${JSON.stringify(unverified)} to ${JSON.stringify(file)}: ${errorMessage(e)}`);
      return 1;
    }
    say(ui, `Saved and verified snapshot to index ${index}`);
    return 0;
  }
}
