/**
 * The child process of `muster lock` (Consul's startChild and killChild): run through
 * `$SHELL -c` (default /bin/sh) or directly, with CONSUL_LOCK_HELD=true; SIGINT and SIGTERM
 * forwarded to it; on lock loss SIGTERM, then SIGKILL after a grace period. Errors read as
 * Go's os/exec words them (`exit status 3`, `signal: killed`, `fork/exec /x: no such file or
 * directory`).
 */
import type { ChildProcess } from 'node:child_process';
import { formatDurationMs, goErrnoText, goSignalName } from '../../lib/index.js';
import { nodeChildProcess } from '../../host/index.js';
import { complain, say, writeBytes, type Ui } from '../command.js';
import type { Shutdown } from './shutdown.js';

/** Between SIGTERM and SIGKILL (Consul's lockKillGracePeriod). */
export const lockKillGracePeriodMs = 5_000;

export interface ChildOptions {
  args: string[];
  shell: boolean;
  passStdin: boolean;
  verbose: boolean;
  /** 'inherit': the child writes to our stdout/stderr directly; 'pipe': through the Ui (tests). */
  stdio: 'inherit' | 'pipe';
  shutdown: Shutdown;
}

export class LockChild {
  /** Resolves when the child is gone: null for a clean exit, else Go's error text. */
  readonly done: Promise<string | null>;
  private child: ChildProcess | undefined;
  private exited = false;

  constructor(
    private readonly ui: Ui,
    private readonly opts: ChildOptions,
  ) {
    this.done = this.start();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private start(): Promise<string | null> {
    const { ui, opts } = this;
    if (opts.verbose) say(ui, 'Starting handler');
    const shellPath = ui.env.SHELL || '/bin/sh';
    const [file, args] = opts.shell ? [shellPath, ['-c', opts.args.join(' ')]] : [opts.args[0]!, opts.args.slice(1)];
    if (opts.passStdin && opts.verbose) say(ui, 'Stdin passed to handler process');
    const stdin = opts.passStdin ? 'inherit' : 'ignore';
    const out = opts.stdio === 'inherit' ? 'inherit' : 'pipe';
    return new Promise<string | null>((resolve) => {
      const child = nodeChildProcess().spawn(file, args, { env: { ...ui.env, CONSUL_LOCK_HELD: 'true' }, stdio: [stdin, out, out] });
      this.child = child;
      child.stdout?.on('data', (d: Buffer) => writeBytes(ui, d));
      child.stderr?.on('data', (d: Buffer) => ui.err(d.toString('utf8')));
      const unforward = opts.shutdown.onSignal((sig) => {
        try {
          child.kill(sig);
        } catch (e) {
          complain(ui, `Warning, could not forward signal: failed to send signal "${goSignalName(sig)}": ${goErrnoText(e)}`);
        }
      });
      child.on('error', (e) => {
        this.exited = true;
        unforward();
        const message = !file.includes('/') && (e as { code?: string }).code === 'ENOENT' ? `exec: "${file}": executable file not found in $PATH` : `fork/exec ${file}: ${goErrnoText(e)}`;
        complain(ui, `Error starting handler: ${message}`);
        resolve(message);
      });
      child.on('exit', (code, signal) => {
        this.exited = true;
        unforward();
        const failure = signal ? `signal: ${goSignalName(signal)}` : code !== 0 ? `exit status ${code}` : null;
        const finish = (): void => {
          if (failure) complain(ui, `Error running handler: ${failure}`);
          resolve(failure);
        };
        // Let piped output drain first, so it comes out before what follows.
        if (child.stdout && !child.stdout.readableEnded) child.stdout.once('close', finish);
        else finish();
      });
    });
  }

  /** Consul's killChild: SIGTERM, wait up to the grace period, then SIGKILL. */
  async kill(gracePeriodMs = lockKillGracePeriodMs): Promise<string | undefined> {
    const { ui, opts } = this;
    const pid = this.child?.pid;
    if (pid === undefined) {
      if (opts.verbose) say(ui, 'No child process to kill');
      return undefined;
    }
    if (this.exited) return undefined; // gone already: never signal a pid that may be reused
    if (opts.verbose) say(ui, `Terminating child pid ${pid}`);
    try {
      process.kill(pid, 'SIGTERM');
    } catch (e) {
      return `Failed to terminate ${pid}: ${goErrnoText(e)}`;
    }
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), gracePeriodMs)));
    const first = await Promise.race([this.done.then(() => 'done' as const), graceOver]);
    clearTimeout(timer);
    if (first === 'done') {
      if (opts.verbose) say(ui, 'Child terminated');
      return undefined;
    }
    if (opts.verbose) say(ui, `Child did not exit after grace period of ${formatDurationMs(gracePeriodMs)}`);
    if (opts.verbose) say(ui, `Killing child pid ${pid}`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch (e) {
      return `Failed to kill ${pid}: ${goErrnoText(e)}`;
    }
    await this.done;
    return undefined;
  }
}
