/**
 * Node's client errors turned into the text Go's http.Client gives for the same failure (the
 * part after `Get "url": `).
 */
import { goQuote } from '../../lib/index.js';
import { joinHostPort, lookupErrorText, syscallErrorText } from './go-net.js';

const unknownAuthority = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

interface NodeNetError extends NodeJS.ErrnoException {
  address?: string;
  port?: number;
  hostname?: string;
  reason?: string;
  cert?: { subjectaltname?: string };
}

/** `addrs` is `local->remote` of the connection, when it was made. */
export function nodeHttpErrorText(e: NodeJS.ErrnoException, url: URL, addrs: string | undefined): string {
  const err = e as NodeNetError;
  const code = err.code ?? '';
  if (err.syscall === 'connect' && err.address !== undefined) {
    return `dial tcp ${joinHostPort(err.address, err.port ?? '')}: ${syscallErrorText(err)}`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL') {
    return `dial tcp: ${lookupErrorText(err.hostname ?? url.hostname, code)}`;
  }
  if (code === 'ECONNRESET') {
    if (err.message === 'socket hang up') return 'EOF';
    return addrs !== undefined ? `read tcp ${addrs}: read: connection reset by peer` : 'EOF';
  }
  if (unknownAuthority.has(code)) return 'x509: certificate signed by unknown authority';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'x509: certificate has expired or is not yet valid';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = (err.cert?.subjectaltname ?? '')
      .split(', ')
      .map((s) => s.replace(/^(DNS|IP Address):/, ''))
      .filter((s) => s !== '');
    return `x509: certificate is valid for ${names.join(', ')}, not ${url.hostname.replace(/^\[|\]$/g, '')}`;
  }
  if (code === 'EPROTO' && /wrong version number|packet length too long/i.test(err.message)) {
    return 'http: server gave HTTP response to HTTPS client';
  }
  if (code === 'ERR_INVALID_CHAR' || code === 'ERR_INVALID_HTTP_TOKEN') return `net/http: invalid header field ${goQuote(err.message)}`;
  if (code.startsWith('HPE_')) return `malformed HTTP response ${goQuote(err.message)}`;
  return err.message;
}
