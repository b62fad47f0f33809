/**
 * Serf's messages (serf's messages.go), carried in gossip user messages and in the push/pull
 * user state: a type byte, then a msgpack list of fields, every field checked on decode (a
 * message from the network is untrusted; anything malformed is a GossipDecodeError).
 */
import { Fields, GossipDecodeError, encodeTyped, openTyped, type Address } from '../gossip/core/index.js';

export const SerfMessageType = {
  leave: 0,
  join: 1,
  pushPull: 2,
  userEvent: 3,
  query: 4,
  queryResponse: 5,
  relay: 6,
} as const;

/** A member's intent to leave (or another's decision to remove it: force-leave, with prune). */
export interface LeaveIntent {
  type: 'leave';
  lTime: number;
  node: string;
  prune: boolean;
}

/** A member's intent to (re)join: refutes an older leave intent. */
export interface JoinIntent {
  type: 'join';
  lTime: number;
  node: string;
}

export interface UserEventMessage {
  type: 'userEvent';
  lTime: number;
  name: string;
  payload: Uint8Array;
  /** Coalesce: only the newest event of a name within the coalesce period is delivered. */
  cc: boolean;
}

/** Query flags (serf's queryFlagAck, queryFlagNoBroadcast). */
export const QueryFlag = { ack: 1, noBroadcast: 2 } as const;

export interface QueryMessage {
  type: 'query';
  lTime: number;
  id: number;
  /** Where responses go (the asking member's gossip address). */
  address: Address;
  sourceNode: string;
  /** Only these nodes answer (empty: all). */
  filterNodes: string[];
  /** Only members whose tag matches the regular expression answer. */
  filterTags: Array<[string, string]>;
  flags: number;
  relayFactor: number;
  timeoutMs: number;
  name: string;
  payload: Uint8Array;
}

export interface QueryResponseMessage {
  type: 'queryResponse';
  lTime: number;
  id: number;
  from: string;
  flags: number;
  payload: Uint8Array;
}

/** A message handed to `relayFactor` other members, to pass on to `dest` (serf's relay). */
export interface RelayMessage {
  type: 'relay';
  dest: Address;
  message: Uint8Array;
}

export type SerfMessage = LeaveIntent | JoinIntent | UserEventMessage | QueryMessage | QueryResponseMessage | RelayMessage;

/** The recent user events of one Lamport time (serf's userEvents). */
export interface EventsAt {
  lTime: number;
  events: Array<{ name: string; payload: Uint8Array }>;
}

/** What serf adds to a push/pull exchange (serf's messagePushPull). */
export interface SerfPushPull {
  lTime: number;
  statusLTimes: Array<[string, number]>;
  leftMembers: string[];
  eventLTime: number;
  events: EventsAt[];
  queryLTime: number;
}

const addr = (a: Address): unknown[] => [a.ip, a.port];

export function encodeSerfMessage(m: SerfMessage): Uint8Array {
  switch (m.type) {
    case 'leave':
      return encodeTyped(SerfMessageType.leave, [m.lTime, m.node, m.prune]);
    case 'join':
      return encodeTyped(SerfMessageType.join, [m.lTime, m.node]);
    case 'userEvent':
      return encodeTyped(SerfMessageType.userEvent, [m.lTime, m.name, m.payload, m.cc]);
    case 'query':
      return encodeTyped(SerfMessageType.query, [
        m.lTime,
        m.id,
        addr(m.address),
        m.sourceNode,
        m.filterNodes,
        m.filterTags,
        m.flags,
        m.relayFactor,
        m.timeoutMs,
        m.name,
        m.payload,
      ]);
    case 'queryResponse':
      return encodeTyped(SerfMessageType.queryResponse, [m.lTime, m.id, m.from, m.flags, m.payload]);
    case 'relay':
      return encodeTyped(SerfMessageType.relay, [addr(m.dest), m.message]);
  }
}

export function decodeSerfMessage(bytes: Uint8Array): SerfMessage {
  const { type, f } = openTyped(bytes, 'serf message');
  switch (type) {
    case SerfMessageType.leave:
      return { type: 'leave', lTime: f.uint(), node: f.str(), prune: f.bool() };
    case SerfMessageType.join:
      return { type: 'join', lTime: f.uint(), node: f.str() };
    case SerfMessageType.userEvent:
      return { type: 'userEvent', lTime: f.uint(), name: f.str(), payload: f.bytes(), cc: f.bool() };
    case SerfMessageType.query:
      return {
        type: 'query',
        lTime: f.uint(),
        id: f.uint(),
        address: f.address(),
        sourceNode: f.str(),
        filterNodes: strings(f.list(), 'query node filter'),
        filterTags: pairs(f.list()),
        flags: f.uint(),
        relayFactor: f.uint(),
        timeoutMs: f.uint(),
        name: f.str(),
        payload: f.bytes(),
      };
    case SerfMessageType.queryResponse:
      return { type: 'queryResponse', lTime: f.uint(), id: f.uint(), from: f.str(), flags: f.uint(), payload: f.bytes() };
    case SerfMessageType.relay:
      return { type: 'relay', dest: f.address(), message: f.bytes() };
    default:
      throw new GossipDecodeError(`unknown serf message type ${type}`);
  }
}

export function encodeSerfPushPull(p: SerfPushPull): Uint8Array {
  const events = p.events.map((e) => [e.lTime, e.events.map((x) => [x.name, x.payload])]);
  return encodeTyped(SerfMessageType.pushPull, [p.lTime, p.statusLTimes, p.leftMembers, p.eventLTime, events, p.queryLTime]);
}

export function decodeSerfPushPull(bytes: Uint8Array): SerfPushPull {
  const { type, f } = openTyped(bytes, 'serf push/pull');
  if (type !== SerfMessageType.pushPull) throw new GossipDecodeError(`serf push/pull has type ${type}`);
  const lTime = f.uint();
  const statusLTimes = f.list().map((entry, i) => {
    const e = new Fields(asList(entry, `status time ${i}`), `status time ${i}`);
    return [e.str(), e.uint()] as [string, number];
  });
  const leftMembers = strings(f.list(), 'left members');
  const eventLTime = f.uint();
  const events = f.list().map((entry, i) => {
    const e = new Fields(asList(entry, `events ${i}`), `events ${i}`);
    const at = e.uint();
    const list = e.list().map((x, j) => {
      const ev = new Fields(asList(x, `event ${i}.${j}`), `event ${i}.${j}`);
      return { name: ev.str(), payload: ev.bytes() };
    });
    return { lTime: at, events: list };
  });
  return { lTime, statusLTimes, leftMembers, eventLTime, events, queryLTime: f.uint() };
}

function asList(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new GossipDecodeError(`serf ${what} is not a list`);
  return v;
}

function strings(list: unknown[], what: string): string[] {
  const f = new Fields(list, what);
  return list.map(() => f.str());
}

function pairs(list: unknown[]): Array<[string, string]> {
  return list.map((entry, i) => {
    const e = new Fields(asList(entry, `tag filter ${i}`), `tag filter ${i}`);
    return [e.str(), e.str()] as [string, string];
  });
}
