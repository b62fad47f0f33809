/** `muster version`: Consul's command/version layout, with Muster's own version. */
import { musterVersion } from '../../agent/version.js';
import { complain, parseFlags, say, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';

/** Consul's RPC protocol range, which Muster's servers speak (agent/consul ProtocolVersion*). */
export const protocolVersion = { default: 2, min: 2, max: 3 };

const help = `
Usage: muster version [options]
`;

export class VersionCommand implements Command {
  readonly name = 'version';
  readonly synopsis = 'Prints the Muster version';
  private readonly fs = new FlagSet();
  private readonly format = this.fs.string('format', 'pretty', 'Output format {pretty|json}');

  constructor(private readonly version = musterVersion) {}

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    const p = protocolVersion;
    switch (this.format.value) {
      case 'pretty':
        say(ui, `Muster v${this.version}`);
        say(
          ui,
          `Protocol ${p.default} spoken by default, understands ${p.min} to ${p.max} ` +
            `(agent will automatically use protocol >${p.default} when speaking to compatible agents)\n`,
        );
        return 0;
      case 'json': {
        const info = { Version: this.version, Revision: '', Prerelease: '', RPC: { Default: p.default, Min: p.min, Max: p.max } };
        say(ui, JSON.stringify(info, null, 3));
        return 0;
      }
      default:
        complain(ui, `Unknown format: ${this.format.value}`);
        return 1;
    }
  }
}
