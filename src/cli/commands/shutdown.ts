/**
 * Go's command.MakeShutdownCh for long-running commands (lock, monitor): SIGINT and SIGTERM,
 * caught while the command runs, abort `signal`; listeners also see each signal (lock forwards
 * them to its child). Tests pass their own signal instead.
 */
export interface Shutdown {
  readonly signal: AbortSignal;
  /** Called with every caught signal, for as long as the command runs. */
  onSignal(fn: (sig: NodeJS.Signals) => void): () => void;
  dispose(): void;
}

const caught: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** Catches SIGINT and SIGTERM until dispose(), so they end the command instead of Node. */
export function processShutdown(): Shutdown {
  const controller = new AbortController();
  const listeners = new Set<(sig: NodeJS.Signals) => void>();
  const handler = (sig: NodeJS.Signals): void => {
    for (const fn of [...listeners]) fn(sig);
    controller.abort();
  };
  for (const s of caught) process.on(s, handler);
  return {
    signal: controller.signal,
    onSignal: (fn) => (listeners.add(fn), () => void listeners.delete(fn)),
    dispose: () => {
      for (const s of caught) process.off(s, handler);
    },
  };
}

/** A shutdown driven by the caller's signal (tests); no process signals are touched. */
export function signalShutdown(signal: AbortSignal): Shutdown {
  return { signal, onSignal: () => () => undefined, dispose: () => undefined };
}
