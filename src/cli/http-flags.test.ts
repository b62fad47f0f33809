import { describe, expect, it } from 'vitest';
import { FlagSet } from './flags.js';
import { envValue, HttpFlags, type Env } from './http-flags.js';

function config(args: string[], env: Env) {
  const fs = new FlagSet();
  const http = new HttpFlags(fs, { server: true });
  expect(fs.parse(args).kind).toBe('ok');
  return http.clientConfig(env);
}

describe('HttpFlags precedence: flag > MUSTER_* > CONSUL_*', () => {
  const cases: [string, string[], Env, Record<string, unknown>][] = [
    ['nothing: client defaults', [], {}, {}],
    ['CONSUL env', [], { CONSUL_HTTP_ADDR: 'c:1' }, { address: 'c:1' }],
    ['MUSTER env', [], { MUSTER_HTTP_ADDR: 'm:1' }, { address: 'm:1' }],
    ['MUSTER beats CONSUL', [], { MUSTER_HTTP_ADDR: 'm:1', CONSUL_HTTP_ADDR: 'c:1' }, { address: 'm:1' }],
    ['empty MUSTER is unset', [], { MUSTER_HTTP_ADDR: '', CONSUL_HTTP_ADDR: 'c:1' }, { address: 'c:1' }],
    ['flag beats both', ['-http-addr=f:1'], { MUSTER_HTTP_ADDR: 'm:1', CONSUL_HTTP_ADDR: 'c:1' }, { address: 'f:1' }],
    ['https via flag', ['-http-addr', 'https://f:1'], {}, { address: 'https://f:1' }],
    ['MUSTER_HTTP_SSL', [], { MUSTER_HTTP_SSL: 'true' }, { scheme: 'https' }],
    ['CONSUL_HTTP_SSL=1', [], { CONSUL_HTTP_SSL: '1' }, { scheme: 'https' }],
    ['token: CONSUL', [], { CONSUL_HTTP_TOKEN: 'c' }, { token: 'c' }],
    ['token: MUSTER beats CONSUL', [], { CONSUL_HTTP_TOKEN: 'c', MUSTER_HTTP_TOKEN: 'm' }, { token: 'm' }],
    ['token: flag beats env', ['-token=f'], { CONSUL_HTTP_TOKEN: 'c', MUSTER_HTTP_TOKEN: 'm', MUSTER_HTTP_TOKEN_FILE: '/x' }, { token: 'f' }],
    ['token: empty flag still wins', ['-token='], { MUSTER_HTTP_TOKEN: 'm' }, { token: '' }],
    ['token-file flag beats env token', ['-token-file=/f'], { MUSTER_HTTP_TOKEN: 'm' }, { tokenFile: '/f' }],
    ['token beats token-file flag', ['-token-file=/f', '-token=t'], {}, { token: 't' }],
    ['MUSTER token beats CONSUL token file', [], { MUSTER_HTTP_TOKEN: 'm', CONSUL_HTTP_TOKEN_FILE: '/c' }, { token: 'm' }],
    ['same level: file (then token as fallback)', [], { CONSUL_HTTP_TOKEN: 'c', CONSUL_HTTP_TOKEN_FILE: '/c' }, { token: 'c', tokenFile: '/c' }],
    ['datacenter flag', ['-datacenter=dc2'], {}, { datacenter: 'dc2' }],
    ['tls files', ['-ca-file=/ca'], { MUSTER_CLIENT_CERT: '/crt', CONSUL_CLIENT_KEY: '/key', CONSUL_HTTP_SSL_VERIFY: 'false' }, { tls: { caFile: '/ca', certFile: '/crt', keyFile: '/key', insecureSkipVerify: true } }],
  ];
  it.each(cases)('%s', (_name, args, env, want) => {
    expect(config(args, env)).toEqual(want);
  });

  it('envValue reads MUSTER_ then CONSUL_', () => {
    expect(envValue({ CONSUL_X: 'c' }, 'X')).toBe('c');
    expect(envValue({ CONSUL_X: 'c', MUSTER_X: 'm' }, 'X')).toBe('m');
    expect(envValue({}, 'X')).toBeUndefined();
  });

  it('-stale becomes a query option; client-only commands have no -datacenter/-stale', () => {
    const fs = new FlagSet();
    const http = new HttpFlags(fs, { server: true });
    fs.parse(['-stale']);
    expect(http.queryOptions()).toEqual({ stale: true });
    const plain = new FlagSet();
    new HttpFlags(plain);
    expect(plain.lookup('stale')).toBeUndefined();
    expect(plain.lookup('datacenter')).toBeUndefined();
  });
});
