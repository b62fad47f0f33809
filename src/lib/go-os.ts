/**
 * Go's wording for OS outcomes that Consul prints as they are: signal names (syscall.Signal's
 * String, as in `signal: killed`) and errno texts (as in `fork/exec x: permission denied`).
 */

const signalNames: Readonly<Record<string, string>> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGINT: 'interrupt',
  SIGHUP: 'hangup',
  SIGQUIT: 'quit',
  SIGABRT: 'aborted',
  SIGSEGV: 'segmentation fault',
  SIGPIPE: 'broken pipe',
  SIGUSR1: 'user defined signal 1',
  SIGUSR2: 'user defined signal 2',
  SIGALRM: 'alarm clock',
  SIGBUS: 'bus error',
  SIGFPE: 'floating point exception',
  SIGILL: 'illegal instruction',
  SIGTRAP: 'trace/breakpoint trap',
};

const errnoTexts: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ENOTDIR: 'not a directory',
  ESRCH: 'no such process',
  EPERM: 'operation not permitted',
};

/** Go's name of a signal (`killed` for SIGKILL); the signal itself when Go has none here. */
export function goSignalName(signal: string): string {
  return signalNames[signal] ?? signal;
}

/** Go's text of an errno error (a spawn's or a kill's), else the error's own message. */
export function goErrnoText(e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  return (code && errnoTexts[code]) ?? (e instanceof Error ? e.message : String(e));
}
