/** `muster keygen`: a new gossip encryption key, 32 random bytes in base64 (Consul's command/keygen). */
import { keygenBytes } from '../../gossip/keyring.js';
import { secureRandomBytes } from '../../host/index.js';
import { parseFlags, say, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';

const help = `
Usage: muster keygen

  Generates a new 32-byte encryption key that can be used to configure the
  agent to encrypt traffic. The output of this command is already
  in the proper format that the agent expects.
`;

export class KeygenCommand implements Command {
  readonly name = 'keygen';
  readonly synopsis = 'Generates a new encryption key';
  private readonly fs = new FlagSet();

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    // Extra arguments are ignored, as Consul ignores them.
    say(ui, secureRandomBytes(keygenBytes).toString('base64'));
    return 0;
  }
}
