/**
 * The head of a response as Go's net/http writes it: the status line with Go's reason phrases
 * (its StatusText table; an unknown code reads "status code N"), the handler's fields, then
 * Date, the framing field and `Connection: close` when the connection ends after this response.
 */

const reasons: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content',
  205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status', 208: 'Already Reported', 226: 'IM Used',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
  305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Request Entity Too Large',
  414: 'Request URI Too Long', 415: 'Unsupported Media Type', 416: 'Requested Range Not Satisfiable',
  417: 'Expectation Failed', 418: "I'm a teapot", 421: 'Misdirected Request', 422: 'Unprocessable Entity',
  423: 'Locked', 424: 'Failed Dependency', 425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Timeout', 505: 'HTTP Version Not Supported', 506: 'Variant Also Negotiates',
  507: 'Insufficient Storage', 508: 'Loop Detected', 510: 'Not Extended', 511: 'Network Authentication Required',
};

const statusLines = new Map<number, string>();

/** `HTTP/1.x <code> <reason>\r\n`; Go answers an HTTP/1.0 request as HTTP/1.0. */
export function statusLine(minor: number, status: number): string {
  const key = minor >= 1 ? status : -status;
  let line = statusLines.get(key);
  if (line === undefined) {
    const reason = reasons[status];
    line = `HTTP/1.${minor >= 1 ? 1 : 0} ${String(status).padStart(3, '0')} ${reason ?? `status code ${status}`}\r\n`;
    if (statusLines.size < 256) statusLines.set(key, line);
  }
  return line;
}

export type HeaderValues = Readonly<Record<string, string | number>>;

/**
 * How the body is delimited: a length, chunks, the connection's close (HTTP/1.0 streams), or
 * not at all (a HEAD answer whose handler wrote nothing: Go sends no length).
 */
export type Framing = { length: number } | 'chunked' | 'close' | 'none';

const canonicalNames = new Map<string, string>();

/**
 * Go's CanonicalMIMEHeaderKey, which its server writes every field name in: the first letter
 * and each one after a hyphen upper-case, the rest lower-case (`X-Consul-Knownleader`); a
 * name with a byte outside a token is left as it is.
 */
export function canonicalName(name: string): string {
  let out = canonicalNames.get(name);
  if (out !== undefined) return out;
  out = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name) ? name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase()) : name;
  if (canonicalNames.size < 1024) canonicalNames.set(name, out);
  return out;
}

/**
 * The response head. Field values are checked for CR and LF (a value echoing request input must
 * not split the response); names are the handlers' own constants.
 */
export function responseHead(minor: number, status: number, headers: HeaderValues, date: string, framing: Framing, close: boolean): string {
  let head = statusLine(minor, status);
  for (const name in headers) {
    const value = String(headers[name]);
    if (value.includes('\n') || value.includes('\r')) throw new Error(`response header ${name} holds a line break`);
    head += `${canonicalName(name)}: ${value}\r\n`;
  }
  head += `Date: ${date}\r\n`;
  if (framing === 'chunked') head += 'Transfer-Encoding: chunked\r\n';
  else if (typeof framing === 'object') head += `Content-Length: ${framing.length}\r\n`;
  // Go: an HTTP/1.1 answer says when it closes; an HTTP/1.0 one says when it stays open.
  if (minor >= 1) {
    if (close) head += 'Connection: close\r\n';
  } else if (!close) {
    head += 'Connection: keep-alive\r\n';
  }
  return head + '\r\n';
}
