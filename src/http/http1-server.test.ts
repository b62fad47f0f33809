import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { request, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Http1Server } from './http1-server.js';
import type { Exchange } from './exchange.js';

const date = new Date(Date.UTC(2026, 10, 24, 15, 0, 0)).getTime();
const dateText = 'Tue, 24 Nov 2026 15:00:00 GMT';

/** Polls `cond` until it holds, at most `ms`. */
async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function collect(ex: Exchange): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of ex.body()) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString('latin1');
}

interface Fixture {
  server: Http1Server;
  port: number;
  aborted: string[];
  /** Requests that are waiting for the test to let them answer. */
  held: Map<string, () => void>;
}

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.server.close();
  fx = undefined;
});

/**
 * A server with handlers that exercise the transport: /echo reads the body and answers it,
 * /ignore answers without reading it, /stream streams three pieces, /hold/<name> answers when
 * the test releases it (or records that its client went away), /head answers 200 with a body.
 */
async function start(opts: { keepAliveMs?: number; headMs?: number } = {}): Promise<Fixture> {
  const aborted: string[] = [];
  const held = new Map<string, () => void>();
  const server = new Http1Server({
    nowMs: () => date,
    ...opts,
    handle: (ex) => {
      void (async () => {
        const path = ex.url.split('?')[0]!;
        if (path === '/echo') {
          try {
            const body = await collect(ex);
            ex.reply(200, { 'Content-Type': 'text/plain' }, `${ex.method} ${ex.url} len=${ex.contentLength} body=${body}`);
          } catch (err) {
            ex.reply(500, {}, (err as Error).message);
          }
        } else if (path === '/ignore') {
          ex.reply(200, {}, 'ignored');
        } else if (path === '/stream') {
          const out = ex.stream(200, { 'Content-Type': 'text/plain' });
          out.write('one ');
          out.write('two ');
          out.end('three');
        } else if (path === '/forever') {
          // Writes a line every few ms until the client goes away, as the monitor does.
          const out = ex.stream(200, { 'Content-Type': 'text/plain' });
          const timer = setInterval(() => out.write('line\n'), 2);
          ex.signal.addEventListener('abort', () => {
            clearInterval(timer);
            aborted.push('forever');
            out.end();
          });
        } else if (path.startsWith('/hold/')) {
          const name = path.slice('/hold/'.length);
          ex.signal.addEventListener('abort', () => aborted.push(name));
          await new Promise<void>((resolve) => held.set(name, resolve));
          ex.reply(200, {}, `released ${name}`);
        } else if (path === '/canonical') {
          ex.reply(200, { 'X-Consul-KnownLeader': 'true', 'x-consul-lastcontact': 0 }, 'ok');
        } else if (path === '/bad-header') {
          ex.reply(200, { Location: 'a\r\nInjected: yes' }, 'x');
        } else {
          ex.reply(404, {}, '');
        }
      })().catch(() => ex.destroy());
    },
  });
  const addr = (await server.listen({ host: '127.0.0.1', port: 0 })) as AddressInfo;
  fx = { server, port: addr.port, aborted, held };
  return fx;
}

/** A raw connection: what was received so far, and whether the server closed it. */
class Raw {
  readonly socket: Socket;
  text = '';
  closed = false;
  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.socket.on('data', (d: string) => (this.text += d));
    this.socket.on('end', () => (this.closed = true));
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => (this.closed = true));
  }
  send(s: string): this {
    this.socket.write(Buffer.from(s, 'latin1'));
    return this;
  }
  async closes(): Promise<string> {
    await until('the server to close the connection', () => this.closed);
    return this.text;
  }
  async has(s: string, times = 1): Promise<string> {
    await until(`${JSON.stringify(s)} x${times} in ${JSON.stringify(this.text)}`, () => this.text.split(s).length - 1 >= times);
    return this.text;
  }
}

const ok = (body: string, extra = ''): string => `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: ${dateText}\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

describe('Http1Server', () => {
  it('answers pipelined requests in order on one connection, and keeps it open', async () => {
    const { port } = await start();
    const c = new Raw(port).send('GET /echo?a=1 HTTP/1.1\r\nHost: x\r\n\r\nPUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /echo?b HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = await c.has('HTTP/1.1 200 OK', 3);
    expect(text).toBe(ok('GET /echo?a=1 len=0 body=') + ok('PUT /echo len=3 body=abc') + ok('GET /echo?b len=0 body='));
    expect(c.closed).toBe(false);
    c.socket.destroy();
  });

  it('reads bodies that arrive a byte at a time, and chunked bodies', async () => {
    const { port } = await start();
    const c = new Raw(port);
    for (const ch of 'PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello') c.send(ch);
    await c.has('body=hello');
    c.send('PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext\r\nde\r\n0\r\nT: 1\r\n\r\n');
    expect(await c.has('body=abcde')).toContain('PUT /echo len=-1 body=abcde');
    c.socket.destroy();
  });

  it('answers a broken chunked body from the handler (500, as Consul) and closes', async () => {
    const { port } = await start();
    const c = new Raw(port).send('PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\nGET /echo HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await c.closes()).toBe(`HTTP/1.1 500 Internal Server Error\r\nDate: ${dateText}\r\nContent-Length: 28\r\nConnection: close\r\n\r\ninvalid byte in chunk length`);
  });

  it('sends 100 Continue only when the handler reads the body', async () => {
    const { port } = await start();
    const c = new Raw(port).send('PUT /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n');
    await c.has('HTTP/1.1 100 Continue\r\n\r\n');
    c.send('hi');
    expect(await c.has('body=hi')).toBe('HTTP/1.1 100 Continue\r\n\r\n' + ok('PUT /echo len=2 body=hi'));
    // A handler that answers without reading: no 100, and the connection closes (the client
    // may or may not send the body; the two sides cannot agree on where the next request starts).
    const d = new Raw(port).send('PUT /ignore HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n');
    expect(await d.closes()).toBe(`HTTP/1.1 200 OK\r\nDate: ${dateText}\r\nContent-Length: 7\r\nConnection: close\r\n\r\nignored`);
    c.socket.destroy();
  });

  it('skips a short unread body to reach the next request; a long one closes the connection', async () => {
    const { port } = await start();
    const c = new Raw(port).send('PUT /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n');
    await c.has('ignored');
    c.send('dataGET /echo HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.has('GET /echo len=0');
    expect(c.closed).toBe(false);
    const d = new Raw(port).send(`PUT /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: ${1 << 20}\r\n\r\n`);
    expect(await d.closes()).toContain('Connection: close\r\n\r\nignored');
    c.socket.destroy();
  });

  it('streams with chunked encoding to HTTP/1.1 and until the close to HTTP/1.0', async () => {
    const { port } = await start();
    const c = new Raw(port).send('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await c.has('0\r\n\r\n')).toBe(
      `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: ${dateText}\r\nTransfer-Encoding: chunked\r\n\r\n4\r\none \r\n4\r\ntwo \r\n5\r\nthree\r\n0\r\n\r\n`,
    );
    const d = new Raw(port).send('GET /stream HTTP/1.0\r\n\r\n');
    expect(await d.closes()).toBe(`HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nDate: ${dateText}\r\n\r\none two three`);
    c.socket.destroy();
  });

  it('survives a streaming client that goes away mid-stream (writes fail with EPIPE), and serves the next', async () => {
    const f = await start();
    for (let round = 0; round < 3; round++) {
      const c = new Raw(f.port).send('GET /forever HTTP/1.1\r\nHost: x\r\n\r\n');
      await c.has('line\n', 3);
      c.socket.resetAndDestroy();
      await until('the stream to see its client gone', () => f.aborted.filter((a) => a === 'forever').length === round + 1);
    }
    const d = new Raw(f.port).send('GET /echo HTTP/1.1\r\nHost: x\r\n\r\n');
    await d.has('body=');
    d.socket.destroy();
  });

  it('HTTP/1.0: closes after the answer, or says keep-alive when asked', async () => {
    const { port } = await start();
    expect(await new Raw(port).send('GET /echo HTTP/1.0\r\n\r\n').closes()).toBe(
      `HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nDate: ${dateText}\r\nContent-Length: 21\r\n\r\nGET /echo len=0 body=`,
    );
    const c = new Raw(port).send('GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    expect(await c.has('body=')).toContain('Connection: keep-alive\r\n');
    expect(c.closed).toBe(false);
    c.socket.destroy();
  });

  it('Connection: close is answered with Connection: close, then the close', async () => {
    const { port } = await start();
    expect(await new Raw(port).send('GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n').closes()).toBe(ok('GET /echo len=0 body=', 'Connection: close\r\n'));
  });

  it('HEAD gets the head with its Content-Length and no body', async () => {
    const { port } = await start();
    const c = new Raw(port).send('HEAD /echo HTTP/1.1\r\nHost: x\r\n\r\nGET /ignore HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await c.has('ignored')).toBe(
      `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: ${dateText}\r\nContent-Length: 22\r\n\r\n` + `HTTP/1.1 200 OK\r\nDate: ${dateText}\r\nContent-Length: 7\r\n\r\nignored`,
    );
    c.socket.destroy();
  });

  it('answers a malformed request as Go does and closes', async () => {
    const { port } = await start();
    expect(await new Raw(port).send('GET /v1/status/leader HTTP/1.1\r\n\r\n').closes()).toBe(
      'HTTP/1.1 400 Bad Request: missing required Host header\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: missing required Host header',
    );
    expect(await new Raw(port).send(`GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat((1 << 20) + 5000)}\r\n\r\n`).closes()).toBe(
      'HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large',
    );
  });

  it('aborts a waiting request when its client goes away, and not one that was answered', async () => {
    const f = await start();
    const c = new Raw(f.port).send('GET /hold/a HTTP/1.1\r\nHost: x\r\n\r\n');
    await until('request a to be held', () => f.held.has('a'));
    c.socket.destroy();
    await until('request a to be aborted', () => f.aborted.includes('a'));
    const d = new Raw(f.port).send('GET /hold/b HTTP/1.1\r\nHost: x\r\n\r\n');
    await until('request b to be held', () => f.held.has('b'));
    f.held.get('b')!();
    await d.has('released b');
    d.socket.destroy();
    await d.closes();
    expect(f.aborted).toEqual(['a']);
  });

  it('takes a half-close as the client going away (as Go does), still answers what it asked, then closes', async () => {
    const f = await start();
    const c = new Raw(f.port).send('GET /hold/h HTTP/1.1\r\nHost: x\r\n\r\nGET /echo HTTP/1.1\r\nHost: x\r\n\r\n');
    c.socket.end();
    await until('request h to be held', () => f.held.has('h'));
    f.held.get('h')!();
    const text = await c.closes();
    expect(text).toContain('released h');
    expect(text).toContain('GET /echo len=0 body=');
    expect(f.aborted).toEqual(['h']);
  });

  it('closes idle keep-alive connections after keepAliveMs, and slow heads after headMs', async () => {
    const { port } = await start({ keepAliveMs: 1000, headMs: 1000 });
    const idle = new Raw(port).send('GET /echo HTTP/1.1\r\nHost: x\r\n\r\n');
    await idle.has('body=');
    const slow = new Raw(port).send('GET /echo HTTP/1.1\r\nHo');
    await idle.closes();
    expect(await slow.closes()).toBe('');
  });

  it("answers a head cut short by the client's end with 400, and an empty connection with nothing", async () => {
    const { port } = await start();
    const c = new Raw(port).send('GET /echo HTTP/1.1\r\nHost: x');
    c.socket.end();
    expect(await c.closes()).toBe('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
    const d = new Raw(port);
    d.socket.end();
    expect(await d.closes()).toBe('');
  });

  it("closes, saying so, when 256 KiB or more of a body was left unread (Go's limit)", async () => {
    const { port } = await start();
    const body = 'a'.repeat(256 * 1024);
    const c = new Raw(port).send(`PUT /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}GET /echo HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(await c.closes()).toBe(`HTTP/1.1 200 OK\r\nDate: ${dateText}\r\nContent-Length: 7\r\nConnection: close\r\n\r\nignored`);
  });

  it('writes field names as Go canonicalizes them, and no length for a HEAD answer without a body', async () => {
    const { port } = await start();
    const c = new Raw(port).send('GET /canonical HTTP/1.1\r\nHost: x\r\n\r\nHEAD /nothing HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await c.has('HTTP/1.1 404', 1)).toBe(
      `HTTP/1.1 200 OK\r\nX-Consul-Knownleader: true\r\nX-Consul-Lastcontact: 0\r\nDate: ${dateText}\r\nContent-Length: 2\r\n\r\nok` + `HTTP/1.1 404 Not Found\r\nDate: ${dateText}\r\n\r\n`,
    );
    c.socket.destroy();
  });

  it('answers OPTIONS * itself, and any other request for * with an empty 400 and a close', async () => {
    const { port } = await start();
    const c = new Raw(port).send('OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\nGET * HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await c.closes()).toBe(`HTTP/1.1 200 OK\r\nDate: ${dateText}\r\nContent-Length: 0\r\n\r\nHTTP/1.1 400 Bad Request\r\nDate: ${dateText}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  });

  it('refuses to write a header value with a line break (no response splitting)', async () => {
    const { port } = await start();
    expect(await new Raw(port).send('GET /bad-header HTTP/1.1\r\nHost: x\r\n\r\n').closes()).toBe('');
  });

  it('serves Node\'s own HTTP client over keep-alive', async () => {
    const { port } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const put = (body: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/echo', method: 'PUT', agent }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve(`${res.statusCode} ${text}`));
        });
        req.on('error', reject);
        req.end(body);
      });
    const sockets = new Set<Socket>();
    agent.on('free', (s: Socket) => sockets.add(s));
    for (let i = 0; i < 5; i++) expect(await put(`v${i}`)).toBe(`200 PUT /echo len=2 body=v${i}`);
    expect(sockets.size).toBe(1);
    agent.destroy();
  });
});
