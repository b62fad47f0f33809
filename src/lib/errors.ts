/**
 * Operating errors with a stable `code`. Only the HTTP layer maps codes to status codes and
 * Consul's error bodies; everything below it throws or returns these.
 */
const BRAND = Symbol.for('muster.error');

export type ErrorCode =
  | 'ERR_BAD_REQUEST' // invalid parameter or body (HTTP 400)
  | 'ERR_NOT_FOUND' // missing resource (HTTP 404)
  | 'ERR_METHOD_NOT_ALLOWED' // (HTTP 405)
  | 'ERR_CONFLICT' // (HTTP 409)
  | 'ERR_TOO_LARGE' // value or transaction too big (HTTP 413)
  | 'ERR_PERMISSION_DENIED' // (HTTP 403)
  | 'ERR_NO_LEADER' // no cluster leader (HTTP 500)
  | 'ERR_NO_PATH_TO_DC' // unknown datacenter (HTTP 500)
  | 'ERR_CONFIG' // invalid configuration (agent start, validate)
  | 'ERR_RPC' // a server refused the request; Consul answers these with 500 and the text
  | 'ERR_INTERNAL';

export class MusterError extends Error {
  readonly [BRAND] = true;
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'MusterError';
  }
  static is(value: unknown): value is MusterError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/**
 * hashicorp/go-multierror's text, as Consul prints several errors at once:
 * `1 error occurred:\n\t* a\n\n`, `2 errors occurred:\n\t* a\n\t* b\n\n`.
 */
export function multiErrorText(errors: readonly string[]): string {
  const head = errors.length === 1 ? '1 error occurred' : `${errors.length} errors occurred`;
  return `${head}:\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`;
}
