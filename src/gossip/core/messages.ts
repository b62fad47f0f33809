/**
 * The gossip messages on the wire: one type byte, then a msgpack array of the fields (our own
 * protocol; the roles are memberlist's net.go messages). Several messages travel in one UDP
 * packet as a compound (memberlist's makeCompoundMessage): type, count, each length as 2 bytes,
 * then the messages. Decoding checks every field's type: a packet from the network is untrusted,
 * and anything malformed is a GossipDecodeError.
 */
import { decode, encode } from '../../lib/codec.js';

export const MessageType = {
  ping: 0,
  indirectPing: 1,
  ack: 2,
  nack: 3,
  suspect: 4,
  alive: 5,
  dead: 6,
  user: 7,
  compound: 8,
} as const;

/** A member's address as gossip carries it. */
export interface Address {
  ip: string;
  port: number;
}

export type Message =
  /** Are you alive? `node` names the target, so a member that took over an address says no. */
  | { type: 'ping'; seqNo: number; node: string; source: Address; sourceNode: string }
  /** Please ping `target` for me; with `nack`, say so if you get no ack in time (Lifeguard). */
  | { type: 'indirectPing'; seqNo: number; target: Address; node: string; nack: boolean; source: Address; sourceNode: string }
  | { type: 'ack'; seqNo: number; payload: Uint8Array }
  | { type: 'nack'; seqNo: number }
  | { type: 'suspect'; incarnation: number; node: string; from: string }
  | { type: 'alive'; incarnation: number; node: string; address: Address; meta: Uint8Array; vsn: number[] }
  | { type: 'dead'; incarnation: number; node: string; from: string }
  /** A payload for the layer above (serf's events and queries). */
  | { type: 'user'; payload: Uint8Array };

export class GossipDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GossipDecodeError';
  }
}

const addr = (a: Address): unknown[] => [a.ip, a.port];

export function encodeMessage(m: Message): Uint8Array {
  let fields: unknown[];
  switch (m.type) {
    case 'ping':
      fields = [m.seqNo, m.node, addr(m.source), m.sourceNode];
      break;
    case 'indirectPing':
      fields = [m.seqNo, addr(m.target), m.node, m.nack, addr(m.source), m.sourceNode];
      break;
    case 'ack':
      fields = [m.seqNo, m.payload];
      break;
    case 'nack':
      fields = [m.seqNo];
      break;
    case 'suspect':
    case 'dead':
      fields = [m.incarnation, m.node, m.from];
      break;
    case 'alive':
      fields = [m.incarnation, m.node, addr(m.address), m.meta, m.vsn];
      break;
    case 'user':
      fields = [m.payload];
      break;
  }
  return encodeTyped(MessageType[m.type], fields);
}

/** Reads a decoded msgpack list field by field, checking each type (for this layer and serf's). */
export class Fields {
  private i = 0;
  constructor(
    private readonly values: unknown[],
    private readonly what: string,
  ) {}
  private next(kind: string): unknown {
    if (this.i >= this.values.length) throw new GossipDecodeError(`${this.what}: missing field ${this.i}`);
    const v = this.values[this.i++];
    if (kind === 'bytes' ? !(v instanceof Uint8Array) : typeof v !== kind) throw new GossipDecodeError(`${this.what}: field ${this.i - 1} is not ${kind}`);
    return v;
  }
  uint(): number {
    const v = this.next('number') as number;
    if (!Number.isSafeInteger(v) || v < 0) throw new GossipDecodeError(`${this.what}: field ${this.i - 1} is not a whole number`);
    return v;
  }
  str(): string {
    return this.next('string') as string;
  }
  bool(): boolean {
    return this.next('boolean') as boolean;
  }
  bytes(): Uint8Array {
    return this.next('bytes') as Uint8Array;
  }
  address(): Address {
    const v = this.next('object');
    if (!Array.isArray(v)) throw new GossipDecodeError(`${this.what}: field ${this.i - 1} is not an address`);
    const f = new Fields(v, `${this.what} address`);
    const a = { ip: f.str(), port: f.uint() };
    if (a.port > 65535) throw new GossipDecodeError(`${this.what}: port ${a.port} out of range`);
    return a;
  }
  list(): unknown[] {
    const v = this.next('object');
    if (!Array.isArray(v)) throw new GossipDecodeError(`${this.what}: field ${this.i - 1} is not a list`);
    return v;
  }
  uints(): number[] {
    const v = this.next('object');
    if (!Array.isArray(v)) throw new GossipDecodeError(`${this.what}: field ${this.i - 1} is not a list`);
    const f = new Fields(v, `${this.what} list`);
    return v.map(() => f.uint());
  }
}

/** A type byte and a msgpack list of fields: the type and a reader over the fields. */
export function openTyped(bytes: Uint8Array, what = 'message'): { type: number; f: Fields } {
  if (bytes.length < 2) throw new GossipDecodeError(`${what} of ${bytes.length} bytes is too short`);
  const type = bytes[0]!;
  let values: unknown;
  try {
    values = decode(bytes.subarray(1));
  } catch (err) {
    throw new GossipDecodeError(`${what} type ${type}: ${(err as Error).message}`);
  }
  if (!Array.isArray(values)) throw new GossipDecodeError(`${what} type ${type}: body is not a list`);
  return { type, f: new Fields(values, `${what} type ${type}`) };
}

/** A type byte, then the fields as a msgpack list. */
export function encodeTyped(type: number, fields: unknown[]): Uint8Array {
  const body = encode(fields);
  const out = new Uint8Array(body.length + 1);
  out[0] = type;
  out.set(body, 1);
  return out;
}

/** One message (not a compound). */
export function decodeMessage(bytes: Uint8Array): Message {
  const { type, f } = openTyped(bytes);
  switch (type) {
    case MessageType.ping:
      return { type: 'ping', seqNo: f.uint(), node: f.str(), source: f.address(), sourceNode: f.str() };
    case MessageType.indirectPing:
      return { type: 'indirectPing', seqNo: f.uint(), target: f.address(), node: f.str(), nack: f.bool(), source: f.address(), sourceNode: f.str() };
    case MessageType.ack:
      return { type: 'ack', seqNo: f.uint(), payload: f.bytes() };
    case MessageType.nack:
      return { type: 'nack', seqNo: f.uint() };
    case MessageType.suspect:
      return { type: 'suspect', incarnation: f.uint(), node: f.str(), from: f.str() };
    case MessageType.dead:
      return { type: 'dead', incarnation: f.uint(), node: f.str(), from: f.str() };
    case MessageType.alive:
      return { type: 'alive', incarnation: f.uint(), node: f.str(), address: f.address(), meta: f.bytes(), vsn: f.uints() };
    case MessageType.user:
      return { type: 'user', payload: f.bytes() };
    default:
      throw new GossipDecodeError(`unknown message type ${type}`);
  }
}

/** A member's state in a push/pull exchange. */
export type SnapshotState = 'alive' | 'suspect' | 'dead' | 'left';
const stateCodes: readonly SnapshotState[] = ['alive', 'suspect', 'dead', 'left'];

export interface PushPullMember {
  name: string;
  address: Address;
  meta: Uint8Array;
  vsn: number[];
  incarnation: number;
  state: SnapshotState;
}

/** The full state one member sends another (memberlist's push/pull, over a stream). */
export interface PushPull {
  /** This exchange is a join (the receiver may treat a joiner specially). */
  join: boolean;
  members: PushPullMember[];
  /** State of the layer above (serf's Lamport clocks, recent events). */
  user: Uint8Array;
}

/** Type byte of a push/pull exchange on a stream. */
export const pushPullType = 9;

export function encodePushPull(p: PushPull): Uint8Array {
  const members = p.members.map((m) => [m.name, addr(m.address), m.meta, m.vsn, m.incarnation, stateCodes.indexOf(m.state)]);
  return encodeTyped(pushPullType, [p.join, members, p.user]);
}

export function decodePushPull(bytes: Uint8Array): PushPull {
  if (bytes[0] !== pushPullType) throw new GossipDecodeError('not a push/pull exchange');
  const { f } = openTyped(bytes, 'push/pull');
  const join = f.bool();
  const list = f.list();
  const members = list.map((entry, i) => {
    if (!Array.isArray(entry)) throw new GossipDecodeError(`push/pull member ${i} is not a list`);
    const m = new Fields(entry, `push/pull member ${i}`);
    const member = { name: m.str(), address: m.address(), meta: m.bytes(), vsn: m.uints(), incarnation: m.uint(), state: stateCodes[m.uint()] };
    if (!member.state) throw new GossipDecodeError(`push/pull member ${i}: unknown state`);
    return member as PushPullMember;
  });
  return { join, members, user: f.bytes() };
}

/** Messages one compound may hold (its count is one byte). */
export const compoundMessagesMax = 255;

/** A compound of encoded messages: type, count, 2-byte lengths, messages. */
export function encodeCompound(messages: readonly Uint8Array[]): Uint8Array {
  if (messages.length > compoundMessagesMax) throw new RangeError(`a compound holds at most ${compoundMessagesMax} messages`);
  let size = 2 + 2 * messages.length;
  for (const m of messages) {
    if (m.length > 0xffff) throw new RangeError(`a message of ${m.length} bytes does not fit a compound`);
    size += m.length;
  }
  const out = new Uint8Array(size);
  out[0] = MessageType.compound;
  out[1] = messages.length;
  let o = 2;
  for (const m of messages) {
    out[o++] = m.length >> 8;
    out[o++] = m.length & 0xff;
  }
  for (const m of messages) {
    out.set(m, o);
    o += m.length;
  }
  return out;
}

/** The messages of a packet: itself, or the parts of a compound (which may not nest). */
export function splitPacket(packet: Uint8Array): Uint8Array[] {
  if (packet.length === 0) throw new GossipDecodeError('empty packet');
  if (packet[0] !== MessageType.compound) return [packet];
  if (packet.length < 2) throw new GossipDecodeError('compound without a count');
  const count = packet[1]!;
  let o = 2 + 2 * count;
  if (o > packet.length) throw new GossipDecodeError(`compound of ${count} messages is cut off in its lengths`);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const len = (packet[2 + 2 * i]! << 8) | packet[3 + 2 * i]!;
    if (o + len > packet.length) throw new GossipDecodeError(`compound part ${i} of ${len} bytes runs past the packet`);
    const part = packet.subarray(o, o + len);
    if (part[0] === MessageType.compound) throw new GossipDecodeError('compounds do not nest');
    parts.push(part);
    o += len;
  }
  return parts;
}

/**
 * Packs encoded messages into as few packets of at most `packetBytesMax` as it can, in order:
 * one message alone when it is the only one (no compound framing), else compounds. A message
 * too large for any packet is returned in `tooLarge` (it must go over a stream).
 */
export function packPackets(messages: readonly Uint8Array[], packetBytesMax: number): { packets: Uint8Array[]; tooLarge: Uint8Array[] } {
  const packets: Uint8Array[] = [];
  const tooLarge: Uint8Array[] = [];
  let batch: Uint8Array[] = [];
  let batchBytes = 2;
  const flush = (): void => {
    if (batch.length === 1) packets.push(batch[0]!);
    else if (batch.length > 1) packets.push(encodeCompound(batch));
    batch = [];
    batchBytes = 2;
  };
  for (const m of messages) {
    if (m.length > packetBytesMax) {
      tooLarge.push(m);
      continue;
    }
    const cost = m.length + 2;
    if (batch.length > 0 && (batchBytes + cost > packetBytesMax || batch.length === compoundMessagesMax)) flush();
    batch.push(m);
    batchBytes += cost;
  }
  flush();
  return { packets, tooLarge };
}
