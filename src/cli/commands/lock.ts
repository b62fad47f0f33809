/**
 * `muster lock`: Consul's command/lock. Holds a lock (-n=1) or a semaphore slot (-n>1) at a
 * KV prefix while a child runs; kills the child when the lock is lost or on SIGINT/SIGTERM;
 * then releases and cleans up. Exit codes as Consul's: 1 for setup/acquisition/release
 * failures, 2 with -child-exit-code when the child failed, else 0.
 */
import { type Client, defaultSemaphoreKey, LockError } from '../../api/index.js';
import { complain, parseFlags, say, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';
import { HttpFlags } from '../http-flags.js';
import { LockChild, lockKillGracePeriodMs } from './lock-child.js';
import { errorMessage, goPathJoin, withClient } from './shared.js';
import { processShutdown, type Shutdown } from './shutdown.js';

/** 500s tolerated while monitoring the lock (Consul's defaultMonitorRetry). */
export const defaultMonitorRetry = 3;
/** Wait between monitor retries (Consul's defaultMonitorRetryTime). */
export const defaultMonitorRetryTimeMs = 1_000;

const help = `
Usage: muster lock [options] prefix child...

  Acquires a lock or semaphore at a given path, and invokes a child process
  when successful. The child process can assume the lock is held while it
  executes. If the lock is lost or communication is disrupted the child
  process will be sent a SIGTERM signal and given time to gracefully exit.
  After the grace period expires the process will be hard terminated.

  For Muster agents on Windows, the child process is always hard terminated
  with a SIGKILL, since Windows has no POSIX compatible notion for SIGTERM.

  When -n=1, only a single lock holder or leader exists providing mutual
  exclusion. Setting a higher value switches to a semaphore allowing multiple
  holders to coordinate.

  The prefix provided must have write privileges.
`;

export interface LockCommandOptions {
  makeShutdown?: () => Shutdown;
  /** 'inherit' (default): the child owns our stdout/stderr; 'pipe': its output goes through the Ui. */
  childStdio?: 'inherit' | 'pipe';
  killGracePeriodMs?: number;
  /** Pause after an acquire refused by a lock-delay (Go's constant, 5s). */
  lockRetryTimeMs?: number;
  monitorRetryTimeMs?: number;
}

/** What lock and semaphore have in common (Consul's LockUnlock). */
interface LockUnlock {
  lock(stop: AbortSignal): Promise<AbortSignal | null>;
  unlock(): Promise<void>;
  cleanup(): Promise<void>;
  inUseCode: 'ERR_LOCK_IN_USE' | 'ERR_SEMAPHORE_IN_USE';
}

export class LockCommand implements Command {
  readonly name = 'lock';
  readonly synopsis = 'Execute a command holding a lock';
  private readonly fs = new FlagSet();
  private readonly childExitCode = this.fs.bool(
    'child-exit-code',
    false,
    "Exit 2 if the child process exited with an error if this is true, otherwise this doesn't propagate an error from the child. The default value is false.",
  );
  private readonly limit = this.fs.int(
    'n',
    1,
    'Optional limit on the number of concurrent lock holders. The underlying implementation switches from a lock to a semaphore when the value is greater than 1. The default value is 1.',
  );
  private readonly monitorRetry = this.fs.int(
    'monitor-retry',
    defaultMonitorRetry,
    'Number of times to retry if Muster returns a 500 error while monitoring the lock. This allows riding out brief periods of unavailability without causing leader elections, but increases the amount of time required to detect a lost lock in some cases. The default value is 3, with a 1s wait between retries. Set this value to 0 to disable retires.',
  );
  private readonly sessionName = this.fs.string('name', '', 'Optional name to associate with the lock session. It not provided, one is generated based on the provided child command.');
  private readonly passStdin = this.fs.bool('pass-stdin', false, 'Pass stdin to the child process.');
  private readonly shell = this.fs.bool('shell', true, 'Use a shell to run the command (can set a custom shell via the SHELL environment variable).');
  private readonly timeout = this.fs.duration('timeout', 0, 'Maximum amount of time to wait to acquire the lock, specified as a duration like "1s" or "3h". The default value is 0.');
  private readonly verbose = this.fs.bool('verbose', false, 'Enable verbose (debugging) output.');
  private readonly tryFlag = this.fs.duration('try', 0, 'DEPRECATED. Use -timeout instead.');
  private readonly http = new HttpFlags(this.fs, { server: true });

  constructor(private readonly options: LockCommandOptions = {}) {}

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const extra = parseFlags(this.fs, argv, ui, this);
    if (typeof extra === 'number') return extra;
    if (this.limit.value <= 0) return fail(ui, 'Lock holder limit must be positive');
    if (extra.length < 2) return fail(ui, 'Key prefix and child command must be specified');
    const prefix = extra[0]!.startsWith('/') ? extra[0]!.slice(1) : extra[0]!;
    // -try and -timeout set one variable in Consul; the one given wins.
    const timeoutMs = this.timeout.isSet || !this.tryFlag.isSet ? this.timeout.value : this.tryFlag.value;
    if (timeoutMs < 0) return fail(ui, 'Timeout must be positive');
    const name = this.sessionName.value || `Consul lock for '${extra.slice(1).join(' ')}' at '${prefix}'`;
    if (this.monitorRetry.value < 0) return fail(ui, "Number for 'monitor-retry' must be >= 0");
    return withClient(this.http, ui, async (client) => {
      try {
        await client.agent.nodeName();
      } catch (e) {
        return fail(ui, `Error querying Consul agent: ${errorMessage(e)}`);
      }
      let lu: LockUnlock;
      try {
        lu = this.limit.value === 1 ? this.setupLock(client, prefix, name, timeoutMs, ui) : this.setupSemaphore(client, prefix, name, timeoutMs, ui);
      } catch (e) {
        return fail(ui, `Lock setup failed: ${errorMessage(e)}`);
      }
      const shutdown = (this.options.makeShutdown ?? processShutdown)();
      try {
        return await this.holdAndRun(lu, extra.slice(1), shutdown, ui);
      } finally {
        shutdown.dispose();
      }
    });
  }

  private async holdAndRun(lu: LockUnlock, childArgs: string[], shutdown: Shutdown, ui: Ui): Promise<number> {
    const verbose = this.verbose.value;
    if (verbose) say(ui, 'Attempting lock acquisition');
    let lost: AbortSignal | null;
    try {
      lost = await lu.lock(shutdown.signal);
    } catch (e) {
      return fail(ui, `Lock acquisition failed: ${errorMessage(e)}`);
    }
    if (!lost) return fail(ui, 'Shutdown triggered or timeout during lock acquisition');
    let childCode = 0;
    if (shutdown.signal.aborted) {
      complain(ui, 'Shutdown triggered during lock acquisition');
    } else {
      const child = new LockChild(ui, {
        args: childArgs,
        shell: this.shell.value,
        passStdin: this.passStdin.value,
        verbose,
        stdio: this.options.childStdio ?? 'inherit',
        shutdown,
      });
      const outcome = await firstOf(child.done, lost, shutdown.signal);
      if (outcome.kind === 'child') {
        if (outcome.error !== null) childCode = 2;
        if (verbose) say(ui, 'Child terminated, releasing lock');
      } else {
        if (verbose) say(ui, outcome.kind === 'shutdown' ? 'Shutdown triggered, killing child' : 'Lock lost, killing child');
        const problem = await child.kill(this.options.killGracePeriodMs ?? lockKillGracePeriodMs);
        if (problem) complain(ui, problem);
      }
    }
    return this.release(lu, childCode, ui);
  }

  private async release(lu: LockUnlock, childCode: number, ui: Ui): Promise<number> {
    try {
      await lu.unlock();
    } catch (e) {
      return fail(ui, `Lock release failed: ${errorMessage(e)}`);
    }
    try {
      await lu.cleanup();
      if (this.verbose.value) say(ui, 'Cleanup succeeded');
    } catch (e) {
      if (!(e instanceof LockError && e.code === lu.inUseCode)) return fail(ui, `Lock cleanup failed: ${errorMessage(e)}`);
      if (this.verbose.value) say(ui, 'Cleanup aborted, lock in use');
    }
    return this.childExitCode.value ? childCode : 0;
  }

  private retryOptions(): { monitorRetries: number; monitorRetryTimeMs: number } {
    return { monitorRetries: this.monitorRetry.value, monitorRetryTimeMs: this.options.monitorRetryTimeMs ?? defaultMonitorRetryTimeMs };
  }

  private setupLock(client: Client, prefix: string, name: string, timeoutMs: number, ui: Ui): LockUnlock {
    // The semaphore's key, so a lock and a semaphore on one prefix conflict visibly.
    const key = goPathJoin(prefix, defaultSemaphoreKey);
    if (this.verbose.value) say(ui, `Setting up lock at path: ${key}`);
    const lock = client.lockOpts({
      key,
      sessionName: name,
      ...this.retryOptions(),
      ...(timeoutMs > 0 ? { lockTryOnce: true, lockWaitTimeMs: timeoutMs } : {}),
      ...(this.options.lockRetryTimeMs !== undefined ? { lockRetryTimeMs: this.options.lockRetryTimeMs } : {}),
    });
    return { lock: (s) => lock.lock(s), unlock: () => lock.unlock(), cleanup: () => lock.destroy(), inUseCode: 'ERR_LOCK_IN_USE' };
  }

  private setupSemaphore(client: Client, prefix: string, name: string, timeoutMs: number, ui: Ui): LockUnlock {
    const limit = this.limit.value;
    if (this.verbose.value) say(ui, `Setting up semaphore (limit ${limit}) at prefix: ${prefix}`);
    const sem = client.semaphoreOpts({
      prefix,
      limit,
      sessionName: name,
      ...this.retryOptions(),
      ...(timeoutMs > 0 ? { semaphoreTryOnce: true, semaphoreWaitTimeMs: timeoutMs } : {}),
    });
    return { lock: (s) => sem.acquire(s), unlock: () => sem.release(), cleanup: () => sem.destroy(), inUseCode: 'ERR_SEMAPHORE_IN_USE' };
  }
}

function fail(ui: Ui, message: string): number {
  complain(ui, message);
  return 1;
}

type Outcome = { kind: 'child'; error: string | null } | { kind: 'lost' } | { kind: 'shutdown' };

/** Go's select over the child's exit, the lock's loss and the shutdown channel. */
function firstOf(child: Promise<string | null>, lost: AbortSignal, shutdown: AbortSignal): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const onLost = (): void => finish({ kind: 'lost' });
    const onShutdown = (): void => finish({ kind: 'shutdown' });
    const finish = (o: Outcome): void => {
      lost.removeEventListener('abort', onLost);
      shutdown.removeEventListener('abort', onShutdown);
      resolve(o);
    };
    void child.then((error) => finish({ kind: 'child', error }));
    if (shutdown.aborted) return onShutdown();
    if (lost.aborted) return onLost();
    lost.addEventListener('abort', onLost, { once: true });
    shutdown.addEventListener('abort', onShutdown, { once: true });
  });
}
