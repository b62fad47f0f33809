/** `muster services`: only a parent; run alone, it prints its help (with the subcommands) and exits 1. */
import { RUN_RESULT_HELP, type Command } from '../../command.js';
import { commandUsage } from '../../flags.js';

const help = `
Usage: muster services <subcommand> [options] [args]

  This command has subcommands for interacting with services. The subcommands
  default to working with services registered with the local agent. Please see
  the "muster catalog" command for interacting with the entire catalog.

  For more examples, ask for subcommand help or view the documentation.
`;

export class ServicesCommand implements Command {
  readonly name = 'services';
  readonly synopsis = 'Interact with services';
  help(): string {
    return commandUsage(help);
  }
  async run(): Promise<number> {
    return RUN_RESULT_HELP;
  }
}
