/**
 * Starting a watch handler's process as Consul's agent/exec does: a script through
 * `$SHELL -c` (default /bin/sh), or `args` run directly; the result JSON on stdin. Errors
 * read as Go's os/exec words them (`exit status 3`, `signal: killed`, `fork/exec /x: no such
 * file or directory`, `exec: "x": executable file not found in $PATH`).
 */
import type { ChildProcess } from 'node:child_process';
import { goErrnoText, goSignalName } from '../lib/index.js';
import { nodeChildProcess } from '../host/index.js';

export interface HandlerCommand {
  file: string;
  args: string[];
}

/** exec.Script: the shell from $SHELL (default /bin/sh) with `-c script`. */
export function scriptCommand(script: string, env: Record<string, string | undefined>): HandlerCommand {
  return { file: env['SHELL'] || '/bin/sh', args: ['-c', script] };
}

/** exec.Subprocess: args[0] with the rest as its arguments. */
export function subprocessCommand(args: readonly string[]): HandlerCommand | { error: string } {
  if (args.length === 0) return { error: 'need an executable to run' };
  return { file: args[0]!, args: args.slice(1) };
}

/** How a run ended: null when the process exited 0. */
export type ProcessOutcome = null | { stage: 'start' | 'wait'; error: string };

export interface RunOptions {
  env: Record<string, string | undefined>;
  stdin: Buffer;
  /** 'inherit': the child writes to our stdout/stderr; else each chunk goes to `onOutput`. */
  stdio: 'inherit' | 'pipe';
  onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** Called once the child runs (to forward signals to it); the return value undoes it. */
  onStart?: (child: ChildProcess) => () => void;
}

/** Runs the command to its end (cmd.Start then cmd.Wait). */
export function runHandlerProcess(cmd: HandlerCommand, opts: RunOptions): Promise<ProcessOutcome> {
  return new Promise<ProcessOutcome>((resolve) => {
    const out = opts.stdio === 'inherit' ? 'inherit' : 'pipe';
    let child: ChildProcess;
    try {
      child = nodeChildProcess().spawn(cmd.file, cmd.args, { env: opts.env, stdio: ['pipe', out, out] });
    } catch (e) {
      resolve({ stage: 'start', error: `fork/exec ${cmd.file}: ${goErrnoText(e)}` });
      return;
    }
    let undo: (() => void) | undefined;
    let pending = 0;
    let exit: ProcessOutcome | undefined;
    const finish = (): void => {
      if (exit !== undefined && pending === 0) resolve(exit);
    };
    for (const [stream, name] of [
      [child.stdout, 'stdout'],
      [child.stderr, 'stderr'],
    ] as const) {
      if (!stream) continue;
      pending++;
      stream.on('data', (d: Buffer) => opts.onOutput?.(d, name));
      stream.once('close', () => {
        pending--;
        finish();
      });
    }
    child.stdin!.on('error', () => {}); // a handler that does not read its input is fine
    child.stdin!.end(opts.stdin);
    child.once('spawn', () => (undo = opts.onStart?.(child)));
    child.once('error', (e) => {
      undo?.();
      const notFound = !cmd.file.includes('/') && (e as { code?: string }).code === 'ENOENT';
      pending = 0;
      exit = { stage: 'start', error: notFound ? `exec: "${cmd.file}": executable file not found in $PATH` : `fork/exec ${cmd.file}: ${goErrnoText(e)}` };
      finish();
    });
    child.once('exit', (code, signal) => {
      undo?.();
      exit = signal ? { stage: 'wait', error: `signal: ${goSignalName(signal)}` } : code !== 0 ? { stage: 'wait', error: `exit status ${code}` } : null;
      finish();
    });
  });
}

/** circbuf of Consul's WatchBufSize: the last 4 KB of output, and how much there was. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  total = 0;
  constructor(readonly capacity: number) {}

  write(d: Buffer): void {
    this.total += d.length;
    this.chunks.push(d);
    this.size += d.length;
    while (this.size - this.chunks[0]!.length >= this.capacity) this.size -= this.chunks.shift()!.length;
  }

  /** The text Consul logs: a truncation note first when output was lost. */
  text(): string {
    const all = Buffer.concat(this.chunks);
    const kept = all.subarray(Math.max(0, all.length - this.capacity)).toString('utf8');
    return this.total > this.capacity ? `Captured ${this.capacity} of ${this.total} bytes\n...\n${kept}` : kept;
  }
}
