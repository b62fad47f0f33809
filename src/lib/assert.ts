/**
 * Assertions for programmer errors. They stay on in production: a broken invariant must stop
 * the process rather than corrupt replicated state. Operating errors (bad input, I/O) are never
 * asserted; they are typed errors (see errors.ts).
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function assertNever(value: never, what = 'value'): never {
  throw new AssertionError(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/** Raft indexes are uint64 in Consul; we keep them as safe JS integers and check it. */
export function assertSafeIndex(index: number, what = 'index'): void {
  assert(Number.isSafeInteger(index) && index >= 0, `${what} must be a non-negative safe integer, got ${index}`);
}
