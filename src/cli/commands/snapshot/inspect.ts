/** `muster snapshot inspect`: Consul's command/snapshot/inspect, output byte for byte. */
import { createReadStream } from 'node:fs';
import { verifyArchive, type RaftSnapshotMeta } from '../../../snapshot/index.js';
import { complain, goFileError, parseFlags, say, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet } from '../../flags.js';
import { errorMessage } from '../shared.js';
import { fileArgument } from './snapshot.js';

const help = `
Usage: muster snapshot inspect [options] FILE

  Displays information about a snapshot file on disk.

  To inspect the file "backup.snap":

    $ muster snapshot inspect backup.snap

  For a full list of options and examples, please see the Muster documentation.
`;

/** Opens `file` for streaming; resolves once it is open (so a missing file is Go's open error). */
export function openFile(file: string): Promise<AsyncIterable<Uint8Array>> {
  return new Promise((resolve, reject) => {
    const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
    stream.once('open', () => resolve(stream));
    stream.once('error', (e) => reject(new Error(goFileError(e, file))));
  });
}

/** Go's tabwriter (minwidth 0, tabwidth 2, padding 6, ' ') over the meta, as Consul prints it. */
export function inspectTable(meta: RaftSnapshotMeta): string {
  const rows: Array<[string, string]> = [
    ['ID', meta.ID],
    ['Size', String(meta.Size)],
    ['Index', String(meta.Index)],
    ['Term', String(meta.Term)],
    ['Version', String(meta.Version)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 6;
  return rows.map(([k, v]) => `${k.padEnd(width)}${v}\n`).join('');
}

export class SnapshotInspectCommand implements Command {
  readonly name = 'snapshot inspect';
  readonly synopsis = 'Displays information about a Muster snapshot file';
  private readonly fs = new FlagSet();

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
    let input: AsyncIterable<Uint8Array>;
    try {
      input = await openFile(arg.file);
    } catch (e) {
      complain(ui, `Error opening snapshot file: ${errorMessage(e)}`);
      return 1;
    }
    let meta: RaftSnapshotMeta;
    try {
      meta = await verifyArchive(input);
    } catch (e) {
      complain(ui, `Error verifying snapshot: ${errorMessage(e)}`);
      return 1;
    }
    say(ui, inspectTable(meta));
    return 0;
  }
}
