/**
 * Asking the upstream resolvers (`recursors`), as Consul's handleRecurse and resolveCNAME do:
 * over the network the client used (a UDP reply with TC goes back to the client, which retries
 * over TCP), each recursor in turn, each within `recursor_timeout`. A reply counts only if it
 * comes from the recursor asked, carries the ID we chose (random per exchange, so an off-path
 * forger must guess it and the source port) and answers our question.
 */
import { createSocket } from 'node:dgram';
import { isIP, connect } from 'node:net';
import { decodeCounts, decodeHeader, decodeMessage } from './wire/decode.js';
import { Encoder } from './wire/encode.js';
import type { Network } from './resolver/resolver.js';
import { secureRandomInt } from '../host/index.js';
import { Rcode, Type, emptyHeader, type Message, type ResourceRecord } from './wire/message.js';

export interface Recursor {
  host: string;
  port: number;
}

/** Consul's recursorAddr: port 53 when none is given; `[v6]:port` and bare v6 accepted. */
export function parseRecursor(text: string): Recursor {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return check({ host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : 53 }, text);
  if (isIP(text) === 6) return { host: text, port: 53 };
  const colon = text.lastIndexOf(':');
  if (colon < 0) return check({ host: text, port: 53 }, text);
  return check({ host: text.slice(0, colon), port: Number(text.slice(colon + 1)) }, text);
}

function check(r: Recursor, text: string): Recursor {
  if (!Number.isInteger(r.port) || r.port < 1 || r.port > 65535) throw new Error(`Invalid recursor address: ${text}: invalid port`);
  if (isIP(r.host) === 0) throw new Error(`Invalid recursor address: ${text}: not an IP address`);
  if (r.host === '0.0.0.0' || r.host === '::') throw new Error('DNS recursor address cannot be 0.0.0.0, :: or [::]');
  return r;
}

/**
 * Sends `packet` (its ID is replaced by a random one) to the recursor and returns the reply
 * with the original ID put back. Rejects on timeout, a socket error, or a reply that is not ours.
 */
export async function exchange(packet: Uint8Array, to: Recursor, network: Network, timeoutMs: number): Promise<Uint8Array> {
  const id = secureRandomInt(0x10000);
  const out = Buffer.from(packet);
  const originalId = out.readUInt16BE(0);
  out.writeUInt16BE(id, 0);
  const reply = network === 'udp' ? await udpExchange(out, to, id, timeoutMs) : await tcpExchange(out, to, timeoutMs);
  if (reply.length < 12 || reply.readUInt16BE(0) !== id || !decodeHeader(reply).response) throw new Error(`reply from ${to.host}:${to.port} is not an answer to our query`);
  if (!sameQuestion(out, reply)) throw new Error(`reply from ${to.host}:${to.port} answers another question`);
  reply.writeUInt16BE(originalId, 0);
  return reply;
}

function sameQuestion(query: Buffer, reply: Buffer): boolean {
  try {
    const q = decodeMessage(query).questions[0];
    const [qd] = decodeCounts(reply);
    if (!q) return qd === 0;
    if (qd !== 1) return false;
    const partial: Partial<Message> = {};
    try {
      decodeMessage(reply, partial);
    } catch {
      // A reply broken after its question is still checked on the question.
    }
    const r = partial.questions?.[0];
    return r !== undefined && r.name.toLowerCase() === q.name.toLowerCase() && r.type === q.type;
  } catch {
    return false;
  }
}

type Settle = (err: Error | undefined, reply?: Buffer) => void;

/**
 * One exchange on one socket: settled once, by the first of `settle` and the timeout; the
 * socket is closed either way.
 */
function exchangeOnce(timeoutMs: number, timeoutError: string, start: (settle: Settle) => { close(): void }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let finished = false;
    const opened: { socket?: { close(): void } } = {};
    const settle: Settle = (err, reply) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      opened.socket?.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => settle(new Error(timeoutError)), timeoutMs);
    opened.socket = start(settle);
    if (finished) opened.socket.close();
  });
}

function udpExchange(packet: Buffer, to: Recursor, id: number, timeoutMs: number): Promise<Buffer> {
  return exchangeOnce(timeoutMs, `read udp ${to.host}:${to.port}: i/o timeout`, (settle) => {
    // A connected socket, as Go's net.Dial: only the recursor's replies reach it, and a closed
    // port (ICMP port unreachable) fails at once instead of after the timeout.
    const socket = createSocket(isIP(to.host) === 6 ? 'udp6' : 'udp4');
    socket.on('error', (err) => settle(err));
    socket.on('message', (msg) => {
      // A stale or forged ID is ignored; the timeout still runs.
      if (msg.length >= 2 && msg.readUInt16BE(0) === id) settle(undefined, msg);
    });
    socket.connect(to.port, to.host, () => socket.send(packet, (err) => err && settle(err)));
    return { close: () => socket.close() };
  });
}

function tcpExchange(packet: Buffer, to: Recursor, timeoutMs: number): Promise<Buffer> {
  return exchangeOnce(timeoutMs, `read tcp ${to.host}:${to.port}: i/o timeout`, (settle) => {
    const socket = connect({ host: to.host, port: to.port });
    let buffered = Buffer.alloc(0);
    socket.on('error', (err) => settle(err));
    socket.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(packet.length, 0);
      socket.write(Buffer.concat([len, packet]));
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) settle(undefined, buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
    });
    socket.on('end', () => settle(new Error(`tcp ${to.host}:${to.port}: connection closed before a reply`)));
    return { close: () => socket.destroy() };
  });
}

export interface ForwardResult {
  /** The reply to send, or undefined when every recursor failed (the caller answers SERVFAIL). */
  reply: Buffer | undefined;
  /** One line per recursor that failed, for the log. */
  failures: string[];
}

/**
 * Consul's handleRecurse: the first recursor whose reply is NOERROR or NXDOMAIN (or truncated)
 * wins; any other rcode moves on to the next one.
 */
export async function forward(packet: Uint8Array, recursors: readonly Recursor[], network: Network, timeoutMs: number): Promise<ForwardResult> {
  const failures: string[] = [];
  for (const r of recursors) {
    try {
      const reply = Buffer.from(await exchange(packet, r, network, timeoutMs));
      const h = decodeHeader(reply);
      if (h.rcode !== Rcode.NOERROR && h.rcode !== Rcode.NXDOMAIN && !h.truncated) {
        failures.push(`${r.host}:${r.port}: rcode ${h.rcode}`);
        continue;
      }
      return { reply, failures };
    } catch (err) {
      failures.push(`${r.host}:${r.port}: ${(err as Error).message}`);
    }
  }
  return { reply: undefined, failures };
}

const encoder = new Encoder();

/**
 * Consul's resolveCNAME for a name outside the domain: an A query to each recursor in turn over
 * UDP; the first reply's answer section (whatever its rcode). [] when all fail.
 */
export async function resolveExternal(name: string, recursors: readonly Recursor[], timeoutMs: number): Promise<readonly ResourceRecord[]> {
  const header = emptyHeader(0);
  header.recursionDesired = true;
  const packet = encoder.encode({ header, questions: [{ name, type: Type.A, class: 1 }], answers: [], authorities: [], additionals: [] });
  for (const r of recursors) {
    try {
      return decodeMessage(await exchange(packet, r, 'udp', timeoutMs)).answers;
    } catch {
      // next recursor
    }
  }
  return [];
}
