/**
 * `muster [--version] [--help] <command> [<args>]`: dispatch as mitchellh/cli does for Consul.
 *
 * - `-v`, `-version`, `--version` before the command run `version`.
 * - `-h`, `-help`, `--help` anywhere before `--`: with no command, the command list (stdout, 0);
 *   with one, its help (stdout, 0).
 * - No command, or an unknown one: the command list on stderr, exit 127 (Consul's code).
 * - A flag before the command: "Invalid flags before the subcommand..." and its help, exit 1.
 * - Nested commands ("kv get") are found by the longest registered name; a parent run alone
 *   prints its help and subcommands on stderr, exit 1.
 */
import { RUN_RESULT_HELP, type Command, type CommandFactory, type Ui } from './command.js';

export interface MainOptions {
  commands?: ReadonlyMap<string, CommandFactory>;
  ui?: Ui;
}

/** Exit code for a missing or unknown command (mitchellh/cli's, which Consul returns). */
export const UNKNOWN_COMMAND_EXIT = 127;

const helpFlags = new Set(['-h', '-help', '--help']);
const versionFlags = new Set(['-v', '-version', '--version']);
const parentHelp = 'This command is accessed by using one of the subcommands below.';

export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const ui = options.ui ?? processUi();
  const registry = withParents(options.commands ?? (await defaultCommands(argv)));
  const a = processArgs(argv, registry);
  if (a.isVersion) return make(registry, 'version')?.run([], ui) ?? 1;
  if (a.isHelp && a.sub === '') {
    ui.out(topUsage(registry) + '\n');
    return 0;
  }
  const command = make(registry, a.sub);
  if (!command) {
    ui.err(topUsage(registry) + '\n');
    return UNKNOWN_COMMAND_EXIT;
  }
  if (a.isHelp) {
    ui.out(commandHelp(registry, a.sub, command));
    return 0;
  }
  if (a.topFlags.length > 0) {
    ui.err('Invalid flags before the subcommand. If these flags are for\nthe subcommand, please put them after the subcommand.\n\n');
    ui.err(commandHelp(registry, a.sub, command));
    return 1;
  }
  const code = await command.run(a.subArgs, ui);
  if (code === RUN_RESULT_HELP) {
    ui.err(commandHelp(registry, a.sub, command));
    return 1;
  }
  return code;
}

/**
 * The registry, loaded when needed: `muster agent` (which then runs for days) gets only its own
 * command, so the process never loads the other forty commands; any other command line loads
 * them all (and the agent's code only if it runs the agent: see commands/agent.ts).
 * scripts/bundle.mjs splits the bundle at these imports.
 */
async function defaultCommands(argv: readonly string[]): Promise<ReadonlyMap<string, CommandFactory>> {
  if (argv[0] === 'agent') {
    const { AgentCommand } = await import('./commands/agent.js');
    return new Map([['agent', () => new AgentCommand()]]);
  }
  return (await import('./commands/index.js')).commands;
}

interface Args {
  isHelp: boolean;
  isVersion: boolean;
  sub: string;
  subArgs: string[];
  topFlags: string[];
}

function processArgs(argv: readonly string[], registry: ReadonlyMap<string, CommandFactory>): Args {
  const a: Args = { isHelp: false, isVersion: false, sub: '', subArgs: [], topFlags: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (helpFlags.has(arg)) {
      a.isHelp = true;
      continue;
    }
    if (a.sub !== '') continue;
    if (versionFlags.has(arg)) {
      a.isVersion = true;
      continue;
    }
    if (arg === '') continue;
    if (arg.startsWith('-')) {
      a.topFlags.push(arg);
      continue;
    }
    const search = argv.slice(i).join(' ');
    let best = '';
    for (const name of registry.keys()) {
      if ((search === name || search.startsWith(name + ' ')) && name.length > best.length) best = name;
    }
    a.sub = best || arg;
    a.subArgs = argv.slice(i + 1 + (best ? best.split(' ').length - 1 : 0));
  }
  return a;
}

/** Adds a placeholder for every missing parent of a nested command (as mitchellh/cli does). */
function withParents(registry: ReadonlyMap<string, CommandFactory>): Map<string, CommandFactory> {
  const out = new Map(registry);
  for (const name of registry.keys()) {
    const words = name.split(' ');
    for (let n = 1; n < words.length; n++) {
      const parent = words.slice(0, n).join(' ');
      if (!out.has(parent)) {
        out.set(parent, () => ({ name: parent, synopsis: '', help: () => parentHelp, run: async () => RUN_RESULT_HELP }));
      }
    }
  }
  return out;
}

function make(registry: ReadonlyMap<string, CommandFactory>, name: string): Command | undefined {
  return registry.get(name)?.();
}

/** Immediate subcommands of `prefix` ('' for the top level), sorted. */
function children(registry: ReadonlyMap<string, CommandFactory>, prefix: string): string[] {
  const p = prefix === '' ? '' : prefix + ' ';
  return [...registry.keys()].filter((k) => k.startsWith(p) && k !== prefix && !k.slice(p.length).includes(' ')).sort();
}

/** mitchellh/cli's BasicHelpFunc("muster"). */
export function topUsage(registry: ReadonlyMap<string, CommandFactory>): string {
  const keys = children(registry, '');
  const width = Math.max(0, ...keys.map((k) => k.length));
  let out = 'Usage: muster [--version] [--help] <command> [<args>]\n\nAvailable commands are:\n';
  for (const k of keys) out += `    ${k.padEnd(width)}    ${make(registry, k)!.synopsis}\n`;
  return out;
}

/** mitchellh/cli's default help template: the help, then any subcommands, then a newline. */
export function commandHelp(registry: ReadonlyMap<string, CommandFactory>, name: string, command: Command): string {
  let out = command.help();
  const subs = children(registry, name);
  if (subs.length > 0) {
    const width = Math.max(...subs.map((k) => k.length));
    out += '\n\nSubcommands:';
    for (const k of subs) {
      const last = k.slice(k.lastIndexOf(' ') + 1);
      out += `\n    ${last}${' '.repeat(width - k.length)}    ${make(registry, k)!.synopsis}`;
    }
  }
  return out + '\n';
}

/** The real terminal: stdout, stderr, stdin and process.env. */
export function processUi(): Ui {
  // A closed pipe (`muster kv get -keys | head -1`) ends output quietly, as SIGPIPE ends Go.
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') === 0) {
      stream.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPIPE') throw e;
      });
    }
  }
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    outBytes: (data) => void process.stdout.write(data),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      return Buffer.concat(chunks);
    },
    env: process.env,
  };
}
