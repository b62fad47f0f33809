/**
 * The little concurrency kit the lock and semaphore ports need in place of Go's sync.Mutex,
 * time.After and path.Join: an async mutex, an abortable sleep, and Go's path.Join.
 */

/** sync.Mutex for async code: `run` waits for every earlier holder, in call order. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(body: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await body();
    } finally {
      release();
    }
  }
}

/**
 * Waits `ms` (Go's `<-time.After(d)`), or less if `signal` aborts first. Resolves to true when
 * the time ran out, false when the signal ended the wait.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Go's path.Join (which also cleans: `a//b/../c` → `a/c`, `` → ``). */
export function goPathJoin(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '').join('/');
  if (joined === '') return '';
  const rooted = joined.startsWith('/');
  const out: string[] = [];
  for (const seg of joined.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else out.push(seg);
  }
  const s = out.join('/');
  return rooted ? '/' + s : s || '.';
}
