/**
 * `muster operator`, `operator raft` and `operator autopilot`: parents only (Consul's
 * command/operator); run alone, each prints its help with its subcommands and exits 1.
 */
import { RUN_RESULT_HELP, type Command, type Ui } from '../../command.js';
import { commandUsage, type FlagSet } from '../../flags.js';

const operatorHelp = `
Usage: muster operator <subcommand> [options]

  Provides cluster-level tools for Muster operators, such as interacting with
  the Raft subsystem. NOTE: Use this command with extreme caution, as improper
  use could lead to a Muster outage and even loss of data.

  If ACLs are enabled then a token with operator privileges may be required in
  order to use this command. Requests are forwarded internally to the leader
  if required, so this can be run from any Muster node in a cluster.

  Run muster operator <subcommand> with no arguments for help on that
  subcommand.
`;

const raftHelp = `
Usage: muster operator raft <subcommand> [options]

The Raft operator command is used to interact with Muster's Raft subsystem. The
command can be used to verify Raft peers or in rare cases to recover quorum by
removing invalid peers.
`;

const autopilotHelp = `
Usage: muster operator autopilot <subcommand> [options]

  The Autopilot operator command is used to interact with Muster's Autopilot
  subsystem. The command can be used to view or modify the current configuration.
`;

class ParentCommand implements Command {
  constructor(
    readonly name: string,
    readonly synopsis: string,
    private readonly text: string,
  ) {}
  help(): string {
    return commandUsage(this.text);
  }
  async run(): Promise<number> {
    return RUN_RESULT_HELP;
  }
}

export const operatorCommand = (): Command => new ParentCommand('operator', 'Provides cluster-level tools for Muster operators', operatorHelp);
export const operatorRaftCommand = (): Command => new ParentCommand('operator raft', 'Provides cluster-level tools for Muster operators', raftHelp);
export const operatorAutopilotCommand = (): Command => new ParentCommand('operator autopilot', 'Provides tools for modifying Autopilot configuration', autopilotHelp);

/**
 * Flag parsing as the operator commands do it: Go's flag error and usage (from the flag
 * package), then the command's own "Failed to parse args: <error>"; `-h` prints the help.
 * Returns the positional args, or the exit code.
 */
export function parseOperatorFlags(fs: FlagSet, args: readonly string[], ui: Ui, command: Command, fixError: (m: string) => string = (m) => m): string[] | number {
  const r = fs.parse(args);
  if (r.kind === 'ok') return r.args;
  if (r.kind === 'help') {
    ui.out(command.help() + '\n');
    return 0;
  }
  const message = fixError(r.message);
  ui.err(fs.errorText(message));
  ui.err(`Failed to parse args: ${message}\n`);
  return 1;
}
