/** `muster kv`: only a parent; run alone, it prints its help (with the subcommands) and exits 1. */
import { RUN_RESULT_HELP, type Command } from '../../command.js';
import { commandUsage } from '../../flags.js';

const help = `
Usage: muster kv <subcommand> [options] [args]

  This command has subcommands for interacting with Muster's key-value
  store. Here are some simple examples, and more detailed examples are
  available in the subcommands or the documentation.

  Create or update the key named "redis/config/connections" with the value "5":

      $ muster kv put redis/config/connections 5

  Read this value back:

      $ muster kv get redis/config/connections

  Or get detailed key information:

      $ muster kv get -detailed redis/config/connections

  Finally, delete the key:

      $ muster kv delete redis/config/connections

  For more examples, ask for subcommand help or view the documentation.
`;

export class KvCommand implements Command {
  readonly name = 'kv';
  readonly synopsis = 'Interact with the key-value store';
  help(): string {
    return commandUsage(help);
  }
  async run(): Promise<number> {
    return RUN_RESULT_HELP;
  }
}
