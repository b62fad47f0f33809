/** `muster catalog`: only a parent; run alone, it prints its help (with the subcommands) and exits 1. */
import { RUN_RESULT_HELP, type Command } from '../../command.js';
import { commandUsage } from '../../flags.js';

const help = `
Usage: muster catalog <subcommand> [options] [args]

  This command has subcommands for interacting with Muster's catalog. The
  catalog should not be confused with the agent, although the APIs and
  responses may be similar.

  Here are some simple examples, and more detailed examples are available
  in the subcommands or the documentation.

  List all datacenters:

      $ muster catalog datacenters

  List all nodes:

      $ muster catalog nodes

  List all services:

      $ muster catalog services

  For more examples, ask for subcommand help or view the documentation.
`;

export class CatalogCommand implements Command {
  readonly name = 'catalog';
  readonly synopsis = 'Interact with the catalog';
  help(): string {
    return commandUsage(help);
  }
  async run(): Promise<number> {
    return RUN_RESULT_HELP;
  }
}
