/** `muster snapshot`: a parent only (Consul's command/snapshot); run alone, it prints its help and exits 1. */
import { RUN_RESULT_HELP, type Command } from '../../command.js';
import { commandUsage } from '../../flags.js';

const help = `
Usage: muster snapshot <subcommand> [options] [args]

  This command has subcommands for saving, restoring, and inspecting the state
  of the Muster servers for disaster recovery. These are atomic, point-in-time
  snapshots which include key/value entries, service catalog, prepared queries,
  sessions, and ACLs.

  If ACLs are enabled, a management token must be supplied in order to perform
  snapshot operations.

  Create a snapshot:

      $ muster snapshot save backup.snap

  Restore a snapshot:

      $ muster snapshot restore backup.snap

  Inspect a snapshot:

      $ muster snapshot inspect backup.snap

  For more examples, ask for subcommand help or view the documentation.
`;

export class SnapshotCommand implements Command {
  readonly name = 'snapshot';
  readonly synopsis = 'Saves, restores and inspects snapshots of Muster server state';
  help(): string {
    return commandUsage(help);
  }
  async run(): Promise<number> {
    return RUN_RESULT_HELP;
  }
}

/** Consul's FILE argument checks, shared by save, restore and inspect. */
export function fileArgument(args: string[]): { file: string } | { error: string } {
  if (args.length === 0) return { error: 'Missing FILE argument' };
  if (args.length > 1) return { error: `Too many arguments (expected 1, got ${args.length})` };
  return { file: args[0]! };
}
