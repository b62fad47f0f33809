/**
 * The answers Go's net/http server gives to requests it cannot read, byte for byte as the
 * reference Consul sends them (probed with raw sockets): they are written by the transport, not
 * by a handler, and the connection is closed after them.
 */
const errorHeaders = '\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n';

export class WireError {
  private constructor(
    /** The status code, for logs and tests. */
    readonly status: number,
    private readonly text: (date: string) => string,
  ) {}

  /** The whole response; `date` is an HTTP-date (only some of Go's answers carry one). */
  response(date: string): string {
    return this.text(date);
  }

  /** `400 Bad Request`, with Go's reason after a colon when it gives one. */
  static badRequest(reason?: string): WireError {
    const publicErr = reason === undefined ? '400 Bad Request' : `400 Bad Request: ${reason}`;
    return new WireError(400, () => `HTTP/1.1 ${publicErr}${errorHeaders}${publicErr}`);
  }

  static headTooLarge(): WireError {
    const publicErr = '431 Request Header Fields Too Large';
    return new WireError(431, () => `HTTP/1.1 ${publicErr}${errorHeaders}${publicErr}`);
  }

  static unsupportedTransferEncoding(): WireError {
    return new WireError(501, () => `HTTP/1.1 501 Not Implemented${errorHeaders}Unsupported transfer encoding`);
  }

  /** An `Expect` other than 100-continue: Go's sendExpectationFailed. */
  static expectationFailed(minor = 1): WireError {
    return new WireError(417, (date) => `HTTP/1.${minor >= 1 ? 1 : 0} 417 Expectation Failed\r\nConnection: close\r\nDate: ${date}\r\nContent-Length: 0\r\n\r\n`);
  }
}

/** A request body that cannot be read (a broken chunked framing, a connection cut short). */
export class BodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyError';
  }
}
