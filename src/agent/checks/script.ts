/**
 * checks.CheckMonitor: run a command every interval. `args` are executed directly (a name
 * without `/` is looked up in PATH); a config file's legacy `script` string arrives as
 * legacyScriptArgs (`$SHELL -c script`). stdout and stderr go to one buffer that keeps the last
 * `outputMaxSize` bytes. Exit 0 is passing, 1 warning, anything else (or a signal) critical.
 * The command runs in its own process group; on timeout (30s unless given) the whole group is
 * SIGKILLed and the check goes critical with `Timed out (<timeout>) running check`.
 * Start failures and timeouts bypass the StatusHandler, as in Consul.
 */
import type { ChildProcess } from 'node:child_process';
import { formatDurationMs } from '../../lib/index.js';
import { nodeChildProcess } from '../../host/index.js';
import { IntervalLoop, type RunHandle } from './interval-loop.js';
import { scriptTimeoutMsDefault } from './definition.js';

/** After a timeout kill, how long the report waits for the check's output pipes to close. */
const timeoutDrainMs = 1000;
import { scriptOutput, TailBuffer } from './output.js';
import type { StatusHandler } from './status-handler.js';
import type { CheckRunner, CheckStatus, RunnerDeps } from './types.js';

export interface ScriptCheckOptions {
  checkID: string;
  /** Executed directly. */
  scriptArgs: string[];
  intervalMs: number;
  timeoutMs: number;
  outputMaxSize: number;
  statusHandler: StatusHandler;
}

/** Go's errno texts for exec failures. */
const execErrno: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ENOEXEC: 'exec format error',
  ENOTDIR: 'not a directory',
  E2BIG: 'argument list too long',
};

/** Go's text when the command cannot start (exec.Command / cmd.Start). */
export function execErrorText(file: string, err: NodeJS.ErrnoException): string {
  if (!file.includes('/') && (err.code === 'ENOENT' || err.code === 'EACCES')) {
    return `exec: ${JSON.stringify(file)}: executable file not found in $PATH`;
  }
  const text = err.code !== undefined ? execErrno[err.code] : undefined;
  return `fork/exec ${file}: ${text ?? err.message}`;
}

export function createScriptRunner(o: ScriptCheckOptions, deps: RunnerDeps): CheckRunner {
  const loop = new IntervalLoop(deps, o.intervalMs, (run) => runScriptOnce(o, deps, run));
  return { start: () => loop.start(), stop: () => loop.stop() };
}

/** The args of a legacy `script` string: Consul 1.0's `$SHELL -c script` (`/bin/sh` without SHELL). */
export function legacyScriptArgs(script: string): string[] {
  return [process.env['SHELL'] || '/bin/sh', '-c', script];
}

/** One run of the check; resolves once the process (and its pipes) are gone. */
export function runScriptOnce(o: ScriptCheckOptions, deps: RunnerDeps, run: RunHandle): Promise<void> {
  const direct = (status: CheckStatus, output: string): void => {
    if (run.live) deps.update(o.checkID, status, output);
  };
  const argv = o.scriptArgs;
  if (argv.length === 0) {
    deps.logger.error('Check failed to setup', { check: o.checkID, error: 'need an executable to run' });
    direct('critical', 'need an executable to run');
    return Promise.resolve();
  }
  const timeoutMs = o.timeoutMs > 0 ? o.timeoutMs : scriptTimeoutMsDefault;
  const output = new TailBuffer(o.outputMaxSize);
  const outputText = (): string => {
    const text = scriptOutput(output);
    deps.logger.trace('Check output', { check: o.checkID, output: text });
    return text;
  };
  return new Promise<void>((resolve) => {
    let child: ChildProcess;
    try {
      child = nodeChildProcess().spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const text = execErrorText(argv[0]!, err as NodeJS.ErrnoException);
      deps.logger.error('Check failed to invoke', { check: o.checkID, error: text });
      direct('critical', text);
      resolve();
      return;
    }
    let timedOut = false;
    let failedToStart = false;
    child.stdout?.on('data', (chunk: Uint8Array) => output.write(chunk));
    child.stderr?.on('data', (chunk: Uint8Array) => output.write(chunk));
    // On timeout the group is killed and the check reported once its output is drained (the
    // pipes close), so what it wrote before the kill is in the report; a process that escaped
    // the group and keeps a pipe open delays it by timeoutDrainMs at most.
    let timeoutReported = false;
    const reportTimeout = (): void => {
      if (timeoutReported) return;
      timeoutReported = true;
      drain?.cancel();
      const timeout = formatDurationMs(timeoutMs);
      deps.logger.warn('Timed out running check', { check: o.checkID, timeout });
      const text = outputText();
      direct('critical', `Timed out (${timeout}) running check${text.length > 0 ? `\n\n${text}` : ''}`);
    };
    let drain: ReturnType<typeof deps.clock.setTimer> | undefined;
    const timer = deps.clock.setTimer(timeoutMs, () => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch (err) {
        deps.logger.warn('Check failed to kill after timeout', { check: o.checkID, error: err });
      }
      drain = deps.clock.setTimer(timeoutDrainMs, reportTimeout);
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return; // an error after start (kill failed): 'close' follows
      failedToStart = true;
      timer.cancel();
      const text = execErrorText(argv[0]!, err);
      deps.logger.error('Check failed to invoke', { check: o.checkID, error: text });
      direct('critical', text);
      resolve();
    });
    child.once('close', (code: number | null) => {
      timer.cancel();
      if (failedToStart) return;
      if (timedOut) reportTimeout();
      if (!timedOut && run.live) {
        const status: CheckStatus = code === 0 ? 'passing' : code === 1 ? 'warning' : 'critical';
        o.statusHandler.updateCheck(o.checkID, status, outputText());
      }
      resolve();
    });
  });
}
