/** HTTP/1.x on the wire, as Go's net/http speaks it: request heads, chunked bodies, response heads (pure). */
export { headEnd, headBytesMax, parseHead, isToken, type RequestHead, type BodyFraming } from './head.js';
export { ChunkedDecoder } from './chunked.js';
export { WireError, BodyError } from './errors.js';
export { statusLine, responseHead, canonicalName, type Framing, type HeaderValues } from './response.js';
