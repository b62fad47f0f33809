import { MusterError } from '../lib/errors.js';

/**
 * Why a filter failed, so the HTTP layer can answer as Consul 1.8.7 does:
 * - `syntax`: the expression does not parse (go-bexpr's pigeon parser errors);
 * - `invalid`: it parses but does not fit the data type (unknown selector, operator not allowed
 *   for the field, value not convertible, bad regular expression);
 * - `panic`: evaluation went through a nil Go pointer (e.g. `Proxy.DestinationServiceName` on
 *   an agent service that has no proxy). Consul's handler panics and net/http drops the
 *   connection without an answer; the HTTP layer should destroy the socket.
 * Consul answers the first two with HTTP 500 and the message as the body, hence ERR_INTERNAL.
 */
export type FilterErrorKind = 'syntax' | 'invalid' | 'panic';

export class FilterError extends MusterError {
  readonly kind: FilterErrorKind;
  constructor(kind: FilterErrorKind, message: string) {
    super('ERR_INTERNAL', message);
    this.kind = kind;
    this.name = 'FilterError';
  }
}

/** go-bexpr's CreateFilter wraps every parse and validation error in this prefix. */
export const createErrorPrefix = 'Failed to create boolean expression evaluator: ';

/** The runtime panic message of reflect when go-bexpr dereferences a nil pointer field. */
export const nilPointerPanic = 'reflect: call of reflect.Value.Interface on zero Value';
