/**
 * User events, the agent's half (Consul's agent/user_event.go and the blocking of
 * agent/event_endpoint.go). Gossip carries them; this file does the rest:
 *
 * - `fire`: validates with Consul's texts, gives the event a new ID and Version 1, encodes it
 *   as Consul does (msgpack map `ID n nf p sf tf v`), checks serf's 512-byte limit exactly as
 *   serf measures it (before and after serf's own framing), and hands the bytes to `deps.fire`.
 * - `receive`: what gossip delivered (every `consul:event:*` serf user event, including the ones
 *   this agent fired): a checked decode, then Consul's filters against this agent (node regex on
 *   the node name; service regex on the **ID** of a local service, as Consul 1.8.7 does, and
 *   the tag regex on that service's tags), then the ring of the last 256.
 * - `list`: the ring oldest first, by name, with Consul's quasi-blocking: the index is the last
 *   event's ID folded to 64 bits, and a query waits while that index still equals `?index`.
 *
 * Time comes from the injected Clock; no timers of its own.
 */
import { compileGoRegexp } from '../filter/index.js';
import type { EventApi, EventFilters, EventList, UserEvent } from '../http/event.js';
import { MusterError, decode, encode, isUUID, limits, multiErrorText, type Clock, type Logger } from '../lib/index.js';

/**
 * Events an agent keeps: Consul's eventBuf (agent.go: make([]*UserEvent, 256)). Enough for a
 * watch or `consul exec` that looks back a little, and a fixed bound however chatty the
 * cluster; the oldest is overwritten.
 */
export const userEventsKept = 256;
/** The newest event version this agent understands (Consul's userEventMaxVersion). */
export const userEventMaxVersion = 1;
/** Consul's remote-exec event: never listed; handed to `deps.remoteExec`. */
export const remoteExecName = '_rexec';
/** Prefix of a user event's serf name (Consul's userEventPrefix). */
export const userEventPrefix = 'consul:event:';
/** serf's Config.UserEventSizeLimit default, which Consul 1.8.7 keeps: name + payload bytes. */
export const userEventSizeLimitBytes = 512;
/** serf's UserEventSizeLimit, the most any serf can be configured to: bounds what we decode. */
export const userEventBytesMax = 9 * 1024;

export interface LocalService {
  id: string;
  service: string;
  tags: readonly string[];
}

export interface UserEventsDeps {
  nodeName: string;
  /** The agent's own services (Consul's a.State.Services). */
  localServices: () => readonly LocalService[];
  /** A new random UUID (36 characters, hex and dashes). */
  newID: () => string;
  clock: Clock;
  logger: Logger;
  /**
   * Disseminates an encoded event: serf `UserEvent(userEventPrefix + name, encoded, false)`
   * on every LAN segment, through a server (Internal.EventFire) on a client agent, or in
   * `datacenter` when it is not '' nor the agent's own. Rejections are passed on as they are.
   */
  fire: (encoded: Uint8Array, event: { name: string; datacenter: string; token: string }) => Promise<void>;
  /** serf's event clock: the LTime the next event will get (its size counts on the wire). */
  eventLTime?: () => number;
  /** Longest list wait (Consul's agent maxQueryTime, 600 s). */
  waitMsMax?: number;
  /** Runs (or, with `disable_remote_exec`, refuses) a `_rexec` job: remote-exec.ts. */
  remoteExec: (msg: UserEvent) => void;
}

/**
 * Consul's uuidToUint64: hex of id[0:8]+id[9:13]+id[14:18] XOR hex of id[19:23]+id[24:36], the
 * index of an event list (not monotonic: a list blocks while the index is unchanged).
 */
export function uuidToUint64(id: string): bigint {
  const lower = id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18);
  const upper = id.slice(19, 23) + id.slice(24, 36);
  if (!/^[0-9a-fA-F]{16}$/.test(lower)) throw new Error(`Failed to convert ${lower}`);
  if (!/^[0-9a-fA-F]{16}$/.test(upper)) throw new Error(`Failed to convert ${upper}`);
  return BigInt(`0x${lower}`) ^ BigInt(`0x${upper}`);
}

/**
 * The event on the wire, byte for byte as Consul's go-msgpack handle (WriteExt) writes
 * agent.UserEvent: a map with its keys sorted (`ID n nf p sf tf v`), empty ones left out,
 * strings as str8 and the payload as bin. LTime is not sent (serf carries it).
 */
export function encodeUserEvent(e: UserEvent): Uint8Array {
  const m: Record<string, unknown> = { ID: e.id, n: e.name };
  if (e.nodeFilter !== '') m['nf'] = e.nodeFilter;
  if (e.payload !== null && e.payload.length > 0) m['p'] = e.payload;
  if (e.serviceFilter !== '') m['sf'] = e.serviceFilter;
  if (e.tagFilter !== '') m['tf'] = e.tagFilter;
  m['v'] = e.version;
  return encode(m);
}

export type DecodedUserEvent = { ok: true; event: UserEvent } | { ok: false; error: string };

/** A checked decode: bounded, a map, every known field of its type, a well-formed ID. LTime 0. */
export function decodeUserEvent(bytes: Uint8Array): DecodedUserEvent {
  if (bytes.length > userEventBytesMax) return { ok: false, error: `event of ${bytes.length} bytes, over ${userEventBytesMax}` };
  let raw: unknown;
  try {
    raw = decode(bytes);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof Uint8Array) return { ok: false, error: 'event is not a map' };
  const m = raw as Record<string, unknown>;
  const str = (k: string): string | undefined => (m[k] === undefined || m[k] === null ? '' : typeof m[k] === 'string' ? m[k] : undefined);
  const fields = { id: str('ID'), name: str('n'), nodeFilter: str('nf'), serviceFilter: str('sf'), tagFilter: str('tf') };
  for (const [k, v] of Object.entries(fields)) if (v === undefined) return { ok: false, error: `event field ${k} is not a string` };
  const p = m['p'];
  let payload: Uint8Array | null;
  if (p === undefined || p === null) payload = null;
  else if (p instanceof Uint8Array) payload = p.length > 0 ? p.slice() : null;
  else if (typeof p === 'string') payload = p === '' ? null : new TextEncoder().encode(p); // Go's RawToString reads either
  else return { ok: false, error: 'event payload is not bytes' };
  const v = m['v'] ?? 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return { ok: false, error: 'event version is not an integer' };
  if (!isUUID(fields.id!)) return { ok: false, error: `invalid event ID ${JSON.stringify(fields.id)}` };
  const f = fields as Record<keyof typeof fields, string>;
  return { ok: true, event: { id: f.id, name: f.name, payload, nodeFilter: f.nodeFilter, serviceFilter: f.serviceFilter, tagFilter: f.tagFilter, version: v, ltime: 0 } };
}

const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;

/** go-msgpack's unsigned integer: positive fixint, then uint8/16/32/64. */
function goUintBytes(n: number): number {
  return n <= 0x7f ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

/** go-msgpack without WriteExt (serf's handle): strings and bytes as fixstr, else raw16/32. */
function goRawBytes(n: number): number {
  return n + (n < 32 ? 1 : n < 0x10000 ? 3 : 5);
}

/**
 * The size of serf's user-event message as Go's serf encodes it: a type byte, then a msgpack
 * map {LTime, Name, Payload, CC} (serf messages.go encodeMessage, handle without WriteExt).
 */
export function serfUserEventBytes(serfNameBytes: number, payloadBytes: number, ltime: number): number {
  const key = (k: string): number => 1 + k.length;
  return 1 + 1 + key('LTime') + goUintBytes(ltime) + key('Name') + goRawBytes(serfNameBytes) + key('Payload') + goRawBytes(payloadBytes) + key('CC') + 1;
}

/** Consul's Internal.EventFire joins segment errors with go-multierror. */
function segmentError(message: string): MusterError {
  return new MusterError('ERR_RPC', multiErrorText([`error broadcasting event to segment "": ${message}`]));
}

/** serf.UserEvent's two size checks (its 9 KiB "sane limit" cannot bind under 512 bytes). */
function checkSize(name: string, encoded: Uint8Array, ltime: number): void {
  const nameBytes = utf8Bytes(userEventPrefix + name);
  const limit = userEventSizeLimitBytes;
  if (nameBytes + encoded.length > limit) throw segmentError(`user event exceeds configured limit of ${limit} bytes before encoding`);
  if (serfUserEventBytes(nameBytes, encoded.length, ltime) > limit) {
    throw segmentError(`encoded user event exceeds configured limit of ${limit} bytes after encoding`);
  }
}

/** Consul's validateUserEventParams, in its order, with its texts (HTTP 500). */
export function validateUserEvent(name: string, f: EventFilters): void {
  if (name === '') throw new MusterError('ERR_RPC', 'User event missing name');
  if (f.tag !== '' && f.service === '') throw new MusterError('ERR_RPC', 'Cannot provide tag filter without service filter');
  for (const [what, re] of [['node', f.node], ['service', f.service], ['tag', f.tag]] as const) {
    if (re === '') continue;
    const c = compileGoRegexp(re);
    if (!c.ok) throw new MusterError('ERR_RPC', `Invalid ${what} filter: ${c.error}`);
  }
}

export class UserEvents implements EventApi {
  private readonly ring: Array<UserEvent | undefined> = new Array<UserEvent | undefined>(userEventsKept).fill(undefined);
  /** The next slot to write (Consul's eventIndex). */
  private next = 0;
  /** IDs in the ring: gossip may deliver an event twice; it is recorded once. */
  private readonly ids = new Set<string>();
  private readonly waiters = new Set<() => void>();
  private readonly logger: Logger;

  constructor(private readonly deps: UserEventsDeps) {
    this.logger = deps.logger;
  }

  async fire(name: string, payload: Uint8Array | null, filters: EventFilters, datacenter: string, token = ''): Promise<UserEvent> {
    validateUserEvent(name, filters);
    const event: UserEvent = {
      id: this.deps.newID(),
      name,
      payload: payload !== null && payload.length > 0 ? payload : null,
      nodeFilter: filters.node,
      serviceFilter: filters.service,
      tagFilter: filters.tag,
      version: userEventMaxVersion,
      ltime: 0,
    };
    const encoded = encodeUserEvent(event);
    checkSize(name, encoded, this.deps.eventLTime?.() ?? 0);
    await this.deps.fire(encoded, { name, datacenter, token });
    return event;
  }

  /** A user event from gossip (the serf name's prefix already removed) and its Lamport time. */
  receive(encoded: Uint8Array, ltime: number): void {
    const d = decodeUserEvent(encoded);
    if (!d.ok) {
      this.logger.error('Failed to decode event', { error: d.error });
      return;
    }
    const msg: UserEvent = { ...d.event, ltime };
    if (!this.shouldProcess(msg)) return;
    this.ingest(msg);
  }

  /** The recorded events, oldest first (Consul's UserEvents). */
  events(): UserEvent[] {
    const out: UserEvent[] = [];
    for (let k = 0; k < userEventsKept; k++) {
      const e = this.ring[(this.next + k) % userEventsKept];
      if (e) out.push(e);
    }
    return out;
  }

  /** The newest recorded event (Consul's LastUserEvent). */
  lastEvent(): UserEvent | undefined {
    return this.ring[(this.next + userEventsKept - 1) % userEventsKept];
  }

  /** Calls `cb` once, after the next event is recorded; returns a cancel. */
  onNextEvent(cb: () => void): () => void {
    this.waiters.add(cb);
    return () => this.waiters.delete(cb);
  }

  list(name: string, minIndex: bigint, waitMs: number, signal?: AbortSignal): Promise<EventList> {
    const run = (): EventList => {
      const events = this.events().filter((e) => name === '' || e.name === name);
      return { events, index: events.length === 0 ? 1n : uuidToUint64(events[events.length - 1]!.id) };
    };
    let result = run();
    if (minIndex === 0n || result.index !== minIndex || signal?.aborted) return Promise.resolve(result);
    // Consul: no jitter; a wait of 0 (or one that does not parse as positive) is the maximum.
    const max = this.deps.waitMsMax ?? limits.queryWaitMsMax;
    const timeoutMs = waitMs > 0 ? Math.min(waitMs, max) : max;
    return new Promise<EventList>((resolve) => {
      let cancel = (): void => {};
      const finish = (): void => {
        timer.cancel();
        cancel();
        signal?.removeEventListener('abort', finish);
        resolve(result);
      };
      const timer = this.deps.clock.setTimer(timeoutMs, finish);
      signal?.addEventListener('abort', finish);
      const check = (): void => {
        result = run();
        if (result.index !== minIndex) finish();
        else cancel = this.onNextEvent(check);
      };
      cancel = this.onNextEvent(check);
    });
  }

  /** Consul's shouldProcessUserEvent: does the event's filter select this agent? */
  private shouldProcess(msg: UserEvent): boolean {
    if (msg.version > userEventMaxVersion) {
      this.logger.warn('Event version may have unsupported features', { version: msg.version, event: msg.name });
    }
    const compile = (what: string, filter: string): { test(s: string): boolean } | undefined => {
      const c = compileGoRegexp(filter);
      if (c.ok) return c.re;
      this.logger.error(`Failed to parse ${what} filter for event`, { filter, event: msg.name, error: c.error });
      return undefined;
    };
    if (msg.nodeFilter !== '') {
      const re = compile('node', msg.nodeFilter);
      if (!re || !re.test(this.deps.nodeName)) return false;
    }
    if (msg.serviceFilter === '') return true;
    const re = compile('service', msg.serviceFilter);
    if (!re) return false;
    let tagRe: { test(s: string): boolean } | undefined;
    if (msg.tagFilter !== '') {
      tagRe = compile('tag', msg.tagFilter);
      if (!tagRe) return false;
    }
    for (const s of this.deps.localServices()) {
      // Consul ranges over map[ServiceID]: the key's String() is the service ID.
      if (!re.test(s.id)) continue;
      if (!tagRe || s.tags.some((t) => tagRe.test(t))) return true;
    }
    return false;
  }

  /** Consul's ingestUserEvent: `_rexec` goes to remote exec and is not kept; anything else goes into the ring. */
  private ingest(msg: UserEvent): void {
    if (msg.name === remoteExecName) {
      this.deps.remoteExec(msg);
      return;
    }
    if (this.ids.has(msg.id)) return;
    this.logger.debug('new event', { event_name: msg.name, event_id: msg.id });
    const old = this.ring[this.next];
    if (old) this.ids.delete(old.id);
    this.ring[this.next] = msg;
    this.ids.add(msg.id);
    this.next = (this.next + 1) % userEventsKept;
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const cb of woken) cb();
  }
}
