/**
 * The DNS listeners: UDP and TCP on one port (Consul's `ports.dns` on `client_addr`). They only
 * move bytes: the resolver answers, this file sends, asks the recursors, and logs. TCP follows
 * RFC 7766 framing (2-byte length), answers pipelined queries in order, and drops a connection
 * that stays idle or sends a frame it cannot parse.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, type Server as TcpServer, type Socket } from 'node:net';
import type { Logger } from '../lib/index.js';
import type { DnsLookupApi } from '../server/index.js';
import { withExternal } from './catalog.js';
import { FetchingCatalog } from './fetching-catalog.js';
import { forward, resolveExternal, type Recursor } from './recursor.js';
import type { Network, Resolver } from './resolver/resolver.js';
import { decodeMessage } from './wire/decode.js';
import { typeName, type ResourceRecord } from './wire/message.js';

export interface DnsServerOptions {
  resolver: Resolver;
  /** Told after each answer is sent (the agent's LoopSpin keeps the loop awake a moment). */
  afterReply?: (() => void) | undefined;
  logger: Logger;
  recursors: readonly Recursor[];
  recursorTimeoutMs: number;
  /**
   * A client agent's lookups (RPCs to a server): every query is answered from them, in passes
   * (see FetchingCatalog). Absent on a server, which answers from its own store.
   */
  lookups?: DnsLookupApi;
}

/** Passes of one request over fetched lookups: a name, a CNAME target, its records, and spare. */
const lookupPassesMax = 4;

/** A TCP connection with no complete query for this long is closed (miekg's idle timeout, 8s). */
const tcpIdleMs = 8_000;
/** TCP connections served at once; more are refused until some close. */
const tcpConnectionsMax = 1024;
/** A frame is at most 65,535 bytes; buffered input beyond one frame plus a header is a protocol error. */
const tcpBufferBytesMax = 65_535 + 2;

export class DnsServer {
  private readonly udp: UdpSocket[] = [];
  private readonly tcp: TcpServer[] = [];
  private readonly connections = new Set<Socket>();

  constructor(private opts: DnsServerOptions) {}

  /** Recursors for queries from now on (a reload). */
  setRecursors(recursors: readonly Recursor[], timeoutMs: number): void {
    this.opts = { ...this.opts, recursors, recursorTimeoutMs: timeoutMs };
  }

  /** Binds UDP and TCP on `host:port` (port 0: one free port for both); returns the port. */
  async listen(host: string, port: number): Promise<number> {
    const family = isIP(host) === 6 ? 'udp6' : 'udp4';
    for (let attempt = 0; ; attempt++) {
      const udp = createSocket({ type: family });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, host, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      const bound = udp.address().port;
      try {
        const tcp = await this.listenTcp(host, bound);
        udp.on('message', (msg, rinfo) => this.onUdp(udp, msg, rinfo.address, rinfo.port));
        udp.on('error', (err) => this.opts.logger.error('DNS UDP socket error', { error: err.message }));
        this.udp.push(udp);
        this.tcp.push(tcp);
        return bound;
      } catch (err) {
        udp.close();
        // With port 0 the TCP side of the port UDP got may be taken: try another.
        if (port !== 0 || attempt >= 20 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
  }

  private listenTcp(host: string, port: number): Promise<TcpServer> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => this.onTcpConnection(socket));
      server.maxConnections = tcpConnectionsMax;
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.connections) s.destroy();
    await Promise.all([
      ...this.udp.map((u) => new Promise<void>((resolve) => u.close(() => resolve()))),
      ...this.tcp.map((t) => new Promise<void>((resolve) => t.close(() => resolve()))),
    ]);
    this.udp.length = 0;
    this.tcp.length = 0;
  }

  /** Send errors reach the socket's 'error' handler. */
  private onUdp(socket: UdpSocket, msg: Buffer, address: string, port: number): void {
    this.answer(msg, 'udp', `${address}:${port}`, (bytes) => socket.send(bytes, port, address));
  }

  private onTcpConnection(socket: Socket): void {
    this.connections.add(socket);
    const client = `${socket.remoteAddress}:${socket.remotePort}`;
    let buffered: Buffer = Buffer.alloc(0);
    // Replies go out in query order even when one waits for a recursor.
    let queue: Promise<void> = Promise.resolve();
    socket.setTimeout(tcpIdleMs, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      if (buffered.length > tcpBufferBytesMax && buffered.length > 2 + buffered.readUInt16BE(0)) {
        // More than a whole frame's worth waiting behind a frame: a client not reading our replies.
        socket.destroy();
        return;
      }
      while (buffered.length >= 2) {
        const n = buffered.readUInt16BE(0);
        if (buffered.length < 2 + n) break;
        const packet = buffered.subarray(2, 2 + n);
        buffered = buffered.subarray(2 + n);
        queue = queue.then(
          () =>
            new Promise<void>((resolve) => {
              this.answer(packet, 'tcp', client, (bytes) => {
                if (!socket.destroyed) {
                  const len = Buffer.alloc(2);
                  len.writeUInt16BE(bytes.length, 0);
                  socket.write(Buffer.concat([len, bytes]));
                }
                resolve();
              }, resolve);
            }),
        );
      }
    });
  }

  /** Answers one packet; `send` gets the reply bytes, `dropped` runs when there is none. */
  private answer(packet: Uint8Array, network: Network, client: string, write: (bytes: Uint8Array) => void, dropped?: () => void): void {
    const { resolver, logger, afterReply } = this.opts;
    const send = (bytes: Uint8Array): void => {
      write(bytes);
      afterReply?.();
    };
    if (this.opts.lookups) {
      this.answerRemote(packet, network, this.opts.lookups).then(
        (bytes) => (bytes ? send(bytes) : dropped?.()),
        (err: unknown) => {
          logger.error('DNS request failed', { error: String(err), client });
          dropped?.();
        },
      );
      return;
    }
    let outcome;
    try {
      outcome = resolver.handle(packet, network);
    } catch (err) {
      // A bug must not take the listener down: log it and answer nothing.
      logger.error('DNS request failed', { error: String(err), client });
      dropped?.();
      return;
    }
    if (outcome.kind === 'reply' && outcome.needs.length === 0) {
      send(outcome.bytes);
      if (logger.enabled('debug')) this.logServed(packet, client, network);
      return;
    }
    if (outcome.kind === 'drop') {
      dropped?.();
      return;
    }
    // A request to forward, or an answer that needs the recursors first.
    const work = outcome.kind === 'recurse' ? this.recurse(outcome.request, packet, network) : this.withExternal(packet, network, outcome.needs);
    work.then(send, (err: unknown) => {
      logger.error('DNS request failed', { error: String(err), client });
      dropped?.();
    });
  }

  /** A client agent's answer: passes of the resolver over lookups fetched from a server. */
  private async answerRemote(packet: Uint8Array, network: Network, lookups: DnsLookupApi): Promise<Uint8Array | undefined> {
    const { resolver, logger, recursors, recursorTimeoutMs } = this.opts;
    const catalog = new FetchingCatalog(lookups);
    for (let pass = 1; ; pass++) {
      const out = resolver.handle(packet, network, catalog);
      if (catalog.hasPending) {
        if (pass === lookupPassesMax) throw new Error(`DNS answer still needs lookups after ${pass} passes`);
        for (const err of await catalog.fetch()) logger.error('rpc error', { error: err instanceof Error ? err.message : String(err) });
        continue;
      }
      if (out.kind === 'drop') return undefined;
      if (out.kind === 'recurse') return this.recurse(out.request, packet, network);
      if (out.needs.length === 0) return out.bytes;
      if (pass === lookupPassesMax) throw new Error(`DNS answer still needs host names after ${pass} passes`);
      await Promise.all(out.needs.map(async (name) => catalog.setExternal(name, await resolveExternal(name, recursors, recursorTimeoutMs))));
    }
  }

  private async recurse(request: Parameters<Resolver['servfail']>[0], packet: Uint8Array, network: Network): Promise<Uint8Array> {
    const { resolver, logger, recursors, recursorTimeoutMs } = this.opts;
    const q = request.questions[0]!;
    const { reply, failures } = await forward(packet, recursors, network, recursorTimeoutMs);
    for (const f of failures) logger.debug('recurse failed', { question: `${q.name} ${typeName(q.type)}`, recursor: f });
    if (reply) return resolver.fitForwarded(reply, request, network);
    logger.error('all resolvers failed for question', { question: `${q.name} ${typeName(q.type)}` });
    return resolver.servfail(request, network);
  }

  /** Resolves the host names an answer points to through the recursors, then answers again. */
  private async withExternal(packet: Uint8Array, network: Network, needs: string[]): Promise<Uint8Array> {
    const { resolver, recursors, recursorTimeoutMs } = this.opts;
    const answers = new Map<string, readonly ResourceRecord[]>();
    await Promise.all(needs.map(async (name) => answers.set(name, await resolveExternal(name, recursors, recursorTimeoutMs))));
    const out = resolver.handle(packet, network, withExternal(resolver.catalog, answers));
    if (out.kind !== 'reply') throw new Error(`answer changed between passes: ${out.kind}`);
    return out.bytes;
  }

  private logServed(packet: Uint8Array, client: string, network: Network): void {
    const { logger } = this.opts;
    try {
      const q = decodeMessage(packet).questions[0];
      if (q) logger.debug('request served from client', { name: q.name, type: typeName(q.type), client, client_network: network });
    } catch {
      // logged only when it decodes
    }
  }
}
