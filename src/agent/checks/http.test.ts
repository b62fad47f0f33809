import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/process.js';
import { ManualClock, nullLogger } from '../../lib/index.js';
import { createHttpRunner, type HttpCheckOptions } from './http.js';
import { StatusHandler } from './status-handler.js';
import type { CheckStatus } from './types.js';

const ip = '127.0.0.60';

interface Seen {
  method: string;
  url: string;
  headers: string[];
  body: string;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, ip, () => resolve((server.address() as AddressInfo).port)));
}

const seen: Seen[] = [];
let base = '';
let otherBase = '';
let main: Server;
let other: Server;

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  seen.push({ method: req.method!, url: req.url!, headers: req.rawHeaders, body });
  const send = (code: number, text: string, headers: Record<string, string> = {}): void => {
    res.writeHead(code, headers);
    res.end(text);
  };
  switch (req.url) {
    case '/ok': return send(200, 'hello');
    case '/429': return send(429, 'slow down');
    case '/500': return send(500, 'boom');
    case '/599': return send(599, 'x');
    case '/big': return send(200, `${'a'.repeat(5000)}END`);
    case '/gzip': return send(200, gzipSync('unzipped') as unknown as string, { 'Content-Encoding': 'gzip' });
    case '/redir-other': return send(302, '', { Location: `${otherBase}/other` });
    case '/redir-same': return send(302, '', { Location: '/500' });
    case '/redir307': return send(307, '', { Location: '/ok' });
    case '/loop': return send(302, '', { Location: '/loop' });
    case '/no-location': return send(302, '');
    case '/hang': return; // never answers
    default: return send(404, 'nf');
  }
}

beforeAll(async () => {
  main = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => route(req, res, body));
  });
  other = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.rawHeaders, body: '' });
    res.end('other host');
  });
  base = `http://${ip}:${await listen(main)}`;
  otherBase = `http://${ip}:${await listen(other)}`;
});

afterAll(() => {
  main.closeAllConnections();
  main.close();
  other.close();
});

function check(over: Partial<HttpCheckOptions>) {
  const clock = new ManualClock();
  const updates: Array<[CheckStatus, string]> = [];
  const update = (_id: string, s: CheckStatus, o: string): void => void updates.push([s, o]);
  const deps = { clock, rng: { next: () => 0, int: () => 0 }, logger: nullLogger, update };
  const opts: HttpCheckOptions = {
    checkID: 'web',
    http: `${base}/ok`,
    header: {},
    method: '',
    body: '',
    intervalMs: 10_000,
    timeoutMs: 0,
    tlsSkipVerify: false,
    outputMaxSize: 4096,
    statusHandler: new StatusHandler(update, nullLogger, 0, 0),
    ...over,
  };
  const runner = createHttpRunner(opts, deps);
  runner.start();
  clock.advance(0);
  const first = async (): Promise<[CheckStatus, string]> => {
    const r = await waitFor('a check result', () => updates[0]);
    runner.stop();
    return r;
  };
  return { clock, updates, runner, first };
}

describe('HTTP checks against a real server', () => {
  it.each<[string, CheckStatus, string]>([
    ['/ok', 'passing', '200 OK Output: hello'],
    ['/429', 'warning', '429 Too Many Requests Output: slow down'],
    ['/500', 'critical', '500 Internal Server Error Output: boom'],
    ['/599', 'critical', '599 unknown Output: x'],
    ['/redir-same', 'critical', '500 Internal Server Error Output: boom'],
  ])('%s is %s', async (path, status, tail) => {
    expect(await check({ http: `${base}${path}` }).first()).toEqual([status, `HTTP GET ${base}${path}: ${tail}`]);
  });

  it("sends the method, body and headers as Consul does", async () => {
    seen.length = 0;
    const header = { 'x-foo': ['a', 'b'], Host: ['example.com'] };
    const r = await check({ method: 'POST', body: 'hi', header }).first();
    expect(r).toEqual(['passing', `HTTP POST ${base}/ok: 200 OK Output: hello`]);
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.body).toBe('hi');
    expect(seen[0]!.headers).toEqual([
      'Host', 'example.com',
      'User-Agent', 'Consul Health Check',
      'Content-Length', '2',
      'Accept', 'text/plain, text/*, */*',
      'x-foo', 'a',
      'x-foo', 'b',
      'Accept-Encoding', 'gzip',
      'Connection', 'close',
    ]);
  });

  it('does not follow a redirect to another host: the redirect is the answer, and the check is critical', async () => {
    seen.length = 0;
    const r = await check({ http: `${base}/redir-other`, header: { Authorization: ['secret'] } }).first();
    expect(r).toEqual(['critical', `HTTP GET ${base}/redir-other: 302 Found Output: `]);
    expect(seen).toHaveLength(1);
  });

  it('keeps method and body on 307, turns POST into GET on 302', async () => {
    seen.length = 0;
    await check({ http: `${base}/redir307`, method: 'PUT', body: 'bb' }).first();
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([['PUT', '/redir307', 'bb'], ['PUT', '/ok', 'bb']]);
    seen.length = 0;
    await check({ http: `${base}/redir-same`, method: 'POST', body: 'bb' }).first();
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([['POST', '/redir-same', 'bb'], ['GET', '/500', '']]);
  });

  it('stops after 10 redirects with Go\'s error', async () => {
    seen.length = 0;
    expect(await check({ http: `${base}/loop` }).first()).toEqual(['critical', 'Get "/loop": stopped after 10 redirects']);
    expect(seen).toHaveLength(10);
    expect(await check({ http: `${base}/no-location` }).first()).toEqual(['critical', `Get "${base}/no-location": 302 response missing Location header`]);
  });

  it('keeps the last output_max_size bytes of the body, and unzips a gzip body', async () => {
    expect(await check({ http: `${base}/big`, outputMaxSize: 100 }).first()).toEqual(['passing', `HTTP GET ${base}/big: 200 OK Output: ${'a'.repeat(97)}END`]);
    expect(await check({ http: `${base}/gzip` }).first()).toEqual(['passing', `HTTP GET ${base}/gzip: 200 OK Output: unzipped`]);
  });

  it('times out on the injected clock with Go\'s text', async () => {
    seen.length = 0;
    const t = check({ http: `${base}/hang`, timeoutMs: 500 });
    await waitFor('the request to arrive', () => (seen.length > 0 ? true : undefined));
    expect(t.updates).toEqual([]);
    t.clock.advance(500);
    expect(await t.first()).toEqual(['critical', `Get "${base}/hang": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`]);
  });

  it('reports a closed port, bad URLs and methods as Go does', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    expect(await check({ http: `http://${ip}:${port}/` }).first()).toEqual([
      'critical',
      `Get "http://${ip}:${port}/": dial tcp ${ip}:${port}: connect: connection refused`,
    ]);
    expect(await check({ http: '::nope' }).first()).toEqual(['critical', 'parse "::nope": missing protocol scheme']);
    expect(await check({ http: 'ftp://x/' }).first()).toEqual(['critical', 'Get "ftp://x/": unsupported protocol scheme "ftp"']);
    expect(await check({ http: 'http:///x' }).first()).toEqual(['critical', 'Get "http:///x": http: no Host in request URL']);
    expect(await check({ http: 'foo' }).first()).toEqual(['critical', 'Get "foo": unsupported protocol scheme ""']);
    expect(await check({ http: 'http://127.0.0.1:abc/' }).first()).toEqual(['critical', 'parse "http://127.0.0.1:abc/": invalid port ":abc" after host']);
    expect(await check({ http: 'http://a b/' }).first()).toEqual(['critical', 'parse "http://a b/": invalid character " " in host name']);
    expect(await check({ method: 'GE T' }).first()).toEqual(['critical', 'net/http: invalid method "GE T"']);
    expect(await check({ http: `https://${base.slice(7)}/ok` }).first()).toEqual([
      'critical',
      `Get "https://${base.slice(7)}/ok": http: server gave HTTP response to HTTPS client`,
    ]);
  });
});

describe('HTTPS checks', () => {
  let dir = '';
  let server: Server;
  let url = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'muster-https-check-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end('secure'));
    url = `https://${ip}:${await listen(server)}/`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails verification of a self-signed certificate', async () => {
    expect(await check({ http: url }).first()).toEqual(['critical', `Get "${url}": x509: certificate signed by unknown authority`]);
  });

  it('passes with tls_skip_verify', async () => {
    expect(await check({ http: url, tlsSkipVerify: true }).first()).toEqual(['passing', `HTTP GET ${url}: 200 OK Output: secure`]);
  });
});
