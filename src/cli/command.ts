/**
 * The command contract, shaped like mitchellh/cli (what Consul's CLI runs on): a command has a
 * name, a one-line synopsis, a help text and `run(args) → exit code`. Output goes through a Ui
 * so tests run commands in process.
 */
import type { FlagSet } from './flags.js';

export interface Ui {
  /** Writes `text` to stdout exactly as given (commands add the newline). */
  out(text: string): void;
  /** Writes `text` to stderr exactly as given. */
  err(text: string): void;
  /** Writes raw bytes to stdout (KV values need not be UTF-8); falls back to `out` if absent. */
  outBytes?(data: Uint8Array): void;
  /** All of standard input. */
  readStdin(): Promise<Buffer>;
  env: Record<string, string | undefined>;
}

export interface Command {
  /** Full name as typed, e.g. "kv get". */
  name: string;
  synopsis: string;
  /** Help text: usage line, description, and the flags (see `commandUsage`). */
  help(): string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: string[], ui: Ui): Promise<number>;
}

export type CommandFactory = () => Command;

/**
 * Returned by `run` to have the caller print the help to stderr and exit 1 (mitchellh/cli's
 * RunResultHelp), e.g. by `muster kv` alone.
 */
export const RUN_RESULT_HELP = -18511;

/** Consul's `UI.Output` / `UI.Info`: the text and a newline, to stdout. */
export function say(ui: Ui, text: string): void {
  ui.out(text + '\n');
}

/** Consul's `UI.Error`: the text and a newline, to stderr. */
export function complain(ui: Ui, text: string): void {
  ui.err(text + '\n');
}

export function writeBytes(ui: Ui, data: Uint8Array): void {
  if (ui.outBytes) ui.outBytes(data);
  else ui.out(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
}

/**
 * Parses a command's flags the way every Consul command does: on a bad flag, Go's error and
 * flag list go to stderr and the command exits 1; `-h` (when it reaches the command rather
 * than main) prints the help to stdout and exits 0. Returns the positional args, or the exit
 * code to return.
 */
export function parseFlags(fs: FlagSet, args: readonly string[], ui: Ui, command: Command): string[] | number {
  const r = fs.parse(args);
  if (r.kind === 'ok') return r.args;
  if (r.kind === 'help') {
    ui.out(command.help() + '\n');
    return 0;
  }
  ui.err(fs.errorText(r.message));
  return 1;
}

/** Go's `%v` of a []string: `[a b c]`. */
export function goList(items: readonly string[]): string {
  return `[${items.join(' ')}]`;
}

/** Go's error text for a failed file open/read (`open /x: no such file or directory`). */
export function goFileError(error: unknown, path: string): string {
  const code = (error as { code?: string } | null)?.code;
  const reasons: Record<string, [string, string]> = {
    ENOENT: ['open', 'no such file or directory'],
    EACCES: ['open', 'permission denied'],
    EISDIR: ['read', 'is a directory'],
    ENOTDIR: ['open', 'not a directory'],
  };
  const r = code ? reasons[code] : undefined;
  if (r) return `${r[0]} ${path}: ${r[1]}`;
  return `open ${path}: ${error instanceof Error ? error.message : String(error)}`;
}
