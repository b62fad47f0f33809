/**
 * Errors of the HTTP client. Messages are worded as HashiCorp's Go client words them, since
 * the CLI prints them as they are (`Unexpected response code: 500 (No cluster leader)`,
 * `Get "http://127.0.0.1:1/v1/kv/x": dial tcp 127.0.0.1:1: connect: connection refused`).
 */
const BRAND = Symbol.for('muster.api-error');

export type ApiErrorCode =
  | 'ERR_API_STATUS' // the agent answered with a status other than the expected one
  | 'ERR_API_TRANSPORT' // no answer: refused, reset, unknown host, TLS failure
  | 'ERR_API_TIMEOUT' // the request's deadline passed
  | 'ERR_API_ABORTED' // the caller's AbortSignal fired
  | 'ERR_API_DECODE' // the body was not what the endpoint returns
  | 'ERR_API_TOO_LARGE' // the body was over responseBytesMax
  | 'ERR_API_CONFIG'; // bad address scheme, unreadable token or TLS file

export class ApiError extends Error {
  readonly [BRAND] = true;
  readonly code: ApiErrorCode;
  /** HTTP status, for ERR_API_STATUS. */
  readonly statusCode: number | undefined;
  /** The agent's plain-text error body, for ERR_API_STATUS. */
  readonly body: string | undefined;

  constructor(code: ApiErrorCode, message: string, extra: { statusCode?: number; body?: string; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ApiError';
    this.code = code;
    this.statusCode = extra.statusCode;
    this.body = extra.body;
  }

  static is(value: unknown): value is ApiError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** The Go client's requireOK error: `Unexpected response code: 500 (No cluster leader)`. */
export function statusError(statusCode: number, body: Buffer | string, withBody = true): ApiError {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const message = withBody ? `Unexpected response code: ${statusCode} (${text})` : `Unexpected response code: ${statusCode}`;
  return new ApiError('ERR_API_STATUS', message, { statusCode, body: text });
}

/** Go's url.Error prefix: `Get "http://host/v1/kv/x": `. */
export function goUrlErrorPrefix(method: string, url: string): string {
  return `${method.charAt(0).toUpperCase()}${method.slice(1).toLowerCase()} "${url}": `;
}

export interface DialTarget {
  host: string;
  port: number;
  socketPath: string | undefined;
}

/** Node's socket error, said the way Go's net package says it. */
export function goDialReason(error: unknown, target: DialTarget): string {
  const e = error as { code?: string; message?: string };
  const where = target.socketPath !== undefined ? `dial unix ${target.socketPath}` : `dial tcp ${hostPort(target)}`;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `${where}: connect: connection refused`;
    case 'ENOENT':
      return `${where}: connect: no such file or directory`;
    case 'EACCES':
      return `${where}: connect: permission denied`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${target.host}: no such host`;
    case 'EHOSTUNREACH':
      return `${where}: connect: no route to host`;
    case 'ENETUNREACH':
      return `${where}: connect: network is unreachable`;
    case 'ECONNRESET':
      return e.message === 'socket hang up' ? 'EOF' : `read tcp ${hostPort(target)}: read: connection reset by peer`;
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return 'http: server gave HTTP response to HTTPS client';
    default:
      return e.message ?? String(error);
  }
}

function hostPort(t: DialTarget): string {
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}
