/**
 * `muster agent`: Consul's agent flags (config/agent-flags.ts) become the last config source;
 * -config-file and -config-dir are read in the order given; the process runs until SIGINT,
 * SIGTERM or leave.
 */
import { agentFlags, setPath } from '../../config/index.js';
import { formatDurationMs } from '../../lib/index.js';
import { parseFlags, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet, type Flag } from '../flags.js';

const help = `
Usage: muster agent [options]

  Starts the Muster agent and runs until an interrupt is received. The
  agent represents a single node in a cluster.
`;

export class AgentCommand implements Command {
  readonly name = 'agent';
  readonly synopsis = 'Runs a Muster agent';
  private readonly fs = new FlagSet();
  private readonly defined = new Map<string, Flag<unknown>>();

  constructor() {
    for (const f of agentFlags) {
      const flag =
        f.kind === 'bool'
          ? this.fs.bool(f.name, false, f.usage)
          : f.kind === 'int'
            ? this.fs.int(f.name, 0, f.usage)
            : f.kind === 'duration'
              ? this.fs.duration(f.name, 0, f.usage)
              : f.kind === 'list'
                ? this.fs.list(f.name, f.usage)
                : f.kind === 'meta'
                  ? this.fs.map(f.name, f.usage, { separators: ':', requireSeparator: true })
                  : this.fs.string(f.name, '', f.usage);
      this.defined.set(f.name, flag);
    }
  }

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    if (args.length > 0) {
      ui.err(`Unexpected extra arguments: ${args.join(' ')}\n`);
      return 1;
    }
    const flags: Record<string, unknown> = {};
    for (const f of agentFlags) {
      const flag = this.defined.get(f.name)!;
      if (f.key === '' || !flag.isSet) continue;
      setPath(flags, f.key, f.kind === 'duration' ? formatDurationMs(flag.value as number) : flag.value);
    }
    // Loaded here, not at the top, so that the CLI's other commands do not load the agent.
    const { runAgentProcess } = await import('../../agent/index.js');
    return runAgentProcess(
      {
        dev: this.fs.isSet('dev') && this.defined.get('dev')!.value === true,
        paths: configPathsInOrder(argv),
        format: this.defined.get('config-format')!.value as string,
        hcl: this.defined.get('hcl')!.value as string[],
        flags,
      },
      { out: (t) => ui.out(t), err: (t) => ui.err(t) },
    );
  }
}

/** -config-file and -config-dir values in the order they were given (Consul reads them so). */
export function configPathsInOrder(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (tok === '--') break;
    const m = /^--?config-(?:file|dir)(?:=(.*))?$/.exec(tok);
    if (!m) continue;
    if (m[1] !== undefined) out.push(m[1]);
    else if (i + 1 < argv.length) out.push(argv[++i]!);
  }
  return out;
}
