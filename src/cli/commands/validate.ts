/** `muster validate <files|dirs>`: checks config files as the agent would read them. */
import { ConfigError, loadConfig } from '../../config/index.js';
import { readHostFacts } from '../../agent/index.js';
import { complain, parseFlags, say, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';

const help = `
Usage: muster validate [options] FILE_OR_DIRECTORY...

  Performs a thorough sanity test on Muster configuration files. For each file
  or directory given, the validate command will attempt to parse the contents
  just as the "muster agent" command would, and catch as many errors as possible.

  Returns 0 if the configuration is valid, or 1 if there are problems.
`;

export class ValidateCommand implements Command {
  readonly name = 'validate';
  readonly synopsis = 'Validate config files/directories';
  private readonly fs = new FlagSet();
  private readonly quiet = this.fs.bool('quiet', false, 'When given, a successful run will produce no output.');
  private readonly format = this.fs.string('config-format', '', "Config files are in this format irrespective of their extension. Must be 'hcl' or 'json'");

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    if (args.length < 1) {
      complain(ui, 'Must specify at least one config file or directory');
      return 1;
    }
    try {
      const loaded = loadConfig({ dev: false, paths: args, format: this.format.value, hcl: [], flags: {}, host: readHostFacts() });
      for (const w of loaded.warnings) complain(ui, w);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      complain(ui, `Config validation failed: ${err.message}`);
      return 1;
    }
    if (!this.quiet.value) say(ui, 'Configuration is valid!');
    return 0;
  }
}
