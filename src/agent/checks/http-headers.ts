/**
 * Request headers of a HTTP check, as CheckHTTP.check and Go's http.Client set them. The
 * check's Header map is used as given (keys are not canonicalised, so only an exact `Host`,
 * `User-Agent` or `Accept` key counts as that header).
 */
export type HeaderMap = Record<string, string[]>;

/** checks.UserAgent. */
export const checkUserAgent = 'Consul Health Check';
const defaultAccept = 'text/plain, text/*, */*';

/** The first request's header map (with Consul's User-Agent and Accept defaults) and Host. */
export function buildRequestHeaders(user: HeaderMap): { headers: HeaderMap; host: string } {
  const headers: HeaderMap = {};
  for (const [k, v] of Object.entries(user)) headers[k] = [...v];
  const host = headers['Host']?.[0] ?? '';
  if (!headers['User-Agent']?.[0]) headers['User-Agent'] = [checkUserAgent];
  if (!headers['Accept']?.[0]) headers['Accept'] = [defaultAccept];
  return { headers, host };
}

const sensitive = new Set(['authorization', 'www-authenticate', 'cookie', 'cookie2']);

/** Go's canonicalAddr: host:port with the scheme's default port. */
function canonicalAddr(u: URL): string {
  const port = u.port !== '' ? u.port : u.protocol === 'https:' ? '443' : '80';
  return `${u.hostname.toLowerCase()}:${port}`;
}

function isDomainOrSubdomain(sub: string, parent: string): boolean {
  if (sub === parent) return true;
  return sub.endsWith(parent) && sub[sub.length - parent.length - 1] === '.';
}

export interface RedirectContext {
  /** The first request's headers and custom Host ('' when none). */
  initial: { headers: HeaderMap; host: string };
  /** The first request's URL as written in the check. */
  initialUrl: string;
  prevUrl: URL;
  /** prevUrl as Go prints it (the check's own text for the first request). */
  prevUrlText: string;
  nextUrl: URL;
  location: string;
}

/** The next request's headers after a redirect (makeHeadersCopier, refererForURL) and Host. */
export function redirectHeaders(c: RedirectContext): { headers: HeaderMap; host: string } {
  const headers: HeaderMap = {};
  const sameDomain = isDomainOrSubdomain(canonicalAddr(c.nextUrl), canonicalAddr(c.prevUrl));
  for (const [k, v] of Object.entries(c.initial.headers)) {
    if (sensitive.has(k.toLowerCase()) && !sameDomain) continue;
    headers[k] = [...v];
  }
  if (!(c.prevUrl.protocol === 'https:' && c.nextUrl.protocol === 'http:')) {
    headers['Referer'] = [c.prevUrlText.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@]*@/, '$1')];
  }
  let host = '';
  const initialHost = new URL(c.initialUrl).host;
  if (c.initial.host !== '' && c.initial.host !== initialHost && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(c.location)) {
    host = c.initial.host;
  }
  return { headers, host };
}
