import { describe, expect, it } from 'vitest';
import { ManualClock, SeededRng, encode, nullLogger, type LogFields, type Logger } from '../lib/index.js';
import type { EventFilters, UserEvent } from '../http/event.js';
import { decodeUserEvent, encodeUserEvent, userEventsKept, uuidToUint64, UserEvents, type LocalService } from './user-events.js';

const noFilters: EventFilters = { node: '', service: '', tag: '' };
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface Setup {
  ev: UserEvents;
  clock: ManualClock;
  fired: Array<{ encoded: Uint8Array; name: string; datacenter: string }>;
  logs: string[];
  services: LocalService[];
  ltime: { value: number };
  /** IDs of the `_rexec` events handed to remote exec. */
  rexecs: string[];
  /** Fires through `ev` and delivers the bytes back as gossip would. */
  roundTrip(name: string, filters?: Partial<EventFilters>, payload?: string): Promise<UserEvent>;
}

function setup(opts: { nodeName?: string } = {}): Setup {
  const clock = new ManualClock();
  const rng = new SeededRng(7);
  const fired: Setup['fired'] = [];
  const logs: string[] = [];
  const services: LocalService[] = [];
  const ltime = { value: 0 };
  const rexecs: string[] = [];
  const log = (level: string) => (message: string, fields?: LogFields) => logs.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const logger: Logger = { ...nullLogger, debug: () => {}, info: log('info'), warn: log('warn'), error: log('error') };
  const ev = new UserEvents({
    nodeName: opts.nodeName ?? 'vm',
    localServices: () => services,
    newID: () => {
      const h = Array.from({ length: 32 }, () => rng.int(16).toString(16)).join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
    clock,
    logger,
    fire: async (encoded, e) => {
      fired.push({ encoded, ...e });
    },
    eventLTime: () => ltime.value,
    remoteExec: (msg) => rexecs.push(msg.id),
  });
  const roundTrip = async (name: string, filters: Partial<EventFilters> = {}, payload = ''): Promise<UserEvent> => {
    const e = await ev.fire(name, payload === '' ? null : bytes(payload), { ...noFilters, ...filters }, '');
    ev.receive(fired[fired.length - 1]!.encoded, ++ltime.value);
    return e;
  };
  return { ev, clock, fired, logs, services, ltime, rexecs, roundTrip };
}

const names = (ev: UserEvents): string[] => ev.events().map((e) => e.name);

describe('firing', () => {
  it('refuses bad events with the texts Consul gives, firing nothing', async () => {
    const s = setup();
    const cases: Array<[string, Partial<EventFilters>, string]> = [
      ['', {}, 'User event missing name'],
      ['x', { tag: 'v1' }, 'Cannot provide tag filter without service filter'],
      ['x', { node: '(' }, 'Invalid node filter: error parsing regexp: missing closing ): `(`'],
      ['x', { service: '[a' }, 'Invalid service filter: error parsing regexp: missing closing ]: `[a`'],
      ['x', { service: 'a', tag: '*' }, 'Invalid tag filter: error parsing regexp: missing argument to repetition operator: `*`'],
      // The order of Consul's checks: a tag without a service is reported before a bad node regex.
      ['x', { node: '(', tag: 'v1' }, 'Cannot provide tag filter without service filter'],
    ];
    for (const [name, f, text] of cases) {
      await expect(s.ev.fire(name, null, { ...noFilters, ...f }, '')).rejects.toMatchObject({ code: 'ERR_RPC', message: text });
    }
    expect(s.fired).toEqual([]);
  });

  it('hands the encoded event to gossip and answers it with Version 1, LTime 0, Payload null when empty', async () => {
    const s = setup();
    const e = await s.ev.fire('deploy', new Uint8Array(0), { node: '^vm$', service: 'api', tag: 'blue' }, 'dc2');
    expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(e).toEqual({ id: e.id, name: 'deploy', payload: null, nodeFilter: '^vm$', serviceFilter: 'api', tagFilter: 'blue', version: 1, ltime: 0 });
    expect(s.fired.map((f) => [f.name, f.datacenter])).toEqual([['deploy', 'dc2']]);
    expect(decodeUserEvent(s.fired[0]!.encoded)).toEqual({ ok: true, event: e });
  });

  it('a rejection by gossip reaches the caller as it is', async () => {
    const ev = new UserEvents({
      nodeName: 'vm',
      localServices: () => [],
      newID: () => '00000000-0000-0000-0000-000000000001',
      clock: new ManualClock(),
      logger: nullLogger,
      fire: () => Promise.reject(new Error('No path to datacenter')),
      remoteExec: () => {},
    });
    await expect(ev.fire('x', null, noFilters, 'nope')).rejects.toThrow('No path to datacenter');
  });

  it('encodes byte for byte as Consul (go-msgpack, WriteExt): keys sorted, empty ones left out', () => {
    const id = '28786ba7-7045-0d97-8e4a-fdd2c8de0dd1';
    const base = { id, name: 'deploy', payload: null, nodeFilter: '', serviceFilter: '', tagFilter: '', version: 1, ltime: 7 };
    const idHex = '84a24944d92432383738366261372d373034352d306439372d386534612d666464326338646530646431'.slice(2);
    // Recorded from Consul's UserEvent struct encoded with hashicorp/go-msgpack v0.5.5.
    expect(hex(encodeUserEvent(base))).toBe(`83${idHex}a16ea66465706c6f79a17601`);
    const full = { ...base, payload: bytes('hello world'), nodeFilter: '^vm$', serviceFilter: 'api', tagFilter: 'blue' };
    expect(hex(encodeUserEvent(full))).toBe(`87${idHex}a16ea66465706c6f79a26e66a45e766d24a170c40b68656c6c6f20776f726c64a27366a3617069a27466a4626c7565a17601`);
    const big = encodeUserEvent({ ...base, name: 'big', payload: new Uint8Array(410).fill(0x61) });
    expect([big.length, hex(big.slice(0, 53))]).toEqual([466, `84${idHex}a16ea3626967a170c5019a`]);
  });

  it("enforces serf's 512 bytes where Consul does: before encoding, then after serf's framing", async () => {
    const s = setup();
    const fire = (n: number) => s.ev.fire('big', new Uint8Array(n).fill(0x61), noFilters, '');
    const before = '1 error occurred:\n\t* error broadcasting event to segment "": user event exceeds configured limit of 512 bytes before encoding\n\n';
    const after = '1 error occurred:\n\t* error broadcasting event to segment "": encoded user event exceeds configured limit of 512 bytes after encoding\n\n';
    expect(before.length).toBe(127); // Consul's Content-Length for this body
    // Measured on Consul 1.8.7: with LTime < 128, 410 passes, 420 and 440 fail after, 450 before.
    await expect(fire(410)).resolves.toBeDefined();
    for (const n of [411, 420, 440]) await expect(fire(n)).rejects.toMatchObject({ code: 'ERR_RPC', message: after });
    for (const n of [441, 450, 10_000]) await expect(fire(n)).rejects.toMatchObject({ message: before });
    // With LTime 318 (a uint16 on the wire, two bytes more): 408 passes, 409 fails.
    s.ltime.value = 318;
    await expect(fire(408)).resolves.toBeDefined();
    await expect(fire(409)).rejects.toMatchObject({ message: after });
    expect(s.fired).toHaveLength(2);
  });
});

describe('receiving', () => {
  it('records only events whose filters select this agent: node name, service ID, tags', async () => {
    const s = setup({ nodeName: 'vm' });
    s.services.push({ id: 'api-1', service: 'backend', tags: ['blue', 'primary'] }, { id: 'db', service: 'db', tags: [] });
    const cases: Array<[Partial<EventFilters>, boolean]> = [
      [{}, true],
      [{ node: '^vm$' }, true],
      [{ node: 'v' }, true],
      [{ node: '^other$' }, false],
      [{ service: '^api-1$' }, true],
      // Consul 1.8.7 matches the service filter against the service ID, not its name.
      [{ service: '^backend$' }, false],
      [{ service: 'api', tag: '^prim' }, true],
      [{ service: 'api', tag: 'green' }, false],
      [{ service: 'db', tag: 'blue' }, false],
      [{ service: '.', tag: 'blue' }, true],
      [{ node: '^vm$', service: 'nosuch' }, false],
    ];
    for (const [i, [f]] of cases.entries()) await s.roundTrip(`e${i}`, f);
    expect(names(s.ev)).toEqual(cases.flatMap(([, want], i) => (want ? [`e${i}`] : [])));
  });

  it('keeps the last 256, oldest first, and a redelivered event once', async () => {
    const s = setup();
    for (let i = 1; i <= 300; i++) await s.roundTrip(`ring${i}`);
    expect(userEventsKept).toBe(256);
    const kept = names(s.ev);
    expect([kept.length, kept[0], kept[255]]).toEqual([256, 'ring45', 'ring300']);
    expect(s.ev.lastEvent()?.name).toBe('ring300');
    s.ev.receive(s.fired[299]!.encoded, 999);
    s.ev.receive(s.fired[200]!.encoded, 999);
    expect(names(s.ev)).toEqual(kept);
  });

  it('carries payload and Lamport time from gossip', async () => {
    const s = setup();
    await s.roundTrip('deploy', {}, 'hello world');
    const [e] = s.ev.events();
    expect([Buffer.from(e!.payload!).toString(), e!.ltime]).toEqual(['hello world', 1]);
  });

  it('never lists remote exec events, and hands them to remote exec', async () => {
    const s = setup();
    const e = await s.roundTrip('_rexec');
    expect(s.ev.events()).toEqual([]);
    expect(s.rexecs).toEqual([e.id]);
  });

  it('drops what does not decode as an event, or carries a filter that does not compile, and logs why', () => {
    const s = setup();
    const id = '00000000-0000-0000-0000-000000000001';
    for (const bad of [
      new Uint8Array([0xc1]),
      encode(['not', 'a', 'map']),
      encode({ ID: 'short', n: 'x', v: 1 }),
      encode({ ID: id, n: 5, v: 1 }),
      encode({ ID: id, n: 'x', p: 5, v: 1 }),
      encode({ ID: id, n: 'x', v: 'one' }),
      new Uint8Array(9 * 1024 + 1),
    ]) {
      s.ev.receive(bad, 1);
    }
    s.ev.receive(encode({ ID: id, n: 'x', nf: '(', v: 1 }), 1);
    expect(s.ev.events()).toEqual([]);
    expect(s.logs.filter((l) => l.startsWith('error Failed to decode event'))).toHaveLength(7);
    expect(s.logs[7]).toMatch(/^error Failed to parse node filter for event .*missing closing \)/);
  });

  it('records a newer version, with a warning', () => {
    const s = setup();
    s.ev.receive(encode({ ID: '00000000-0000-0000-0000-000000000001', n: 'x', v: 2, extra: true }), 1);
    expect(names(s.ev)).toEqual(['x']);
    expect(s.logs).toEqual(['warn Event version may have unsupported features {"version":2,"event":"x"}']);
  });
});

describe('listing', () => {
  it("indexes by Consul's uuidToUint64 of the last event listed, 1 when none", async () => {
    // Values from Consul 1.8.7's X-Consul-Index.
    expect(uuidToUint64('28786ba7-7045-0d97-8e4a-fdd2c8de0dd1')).toBe(11975799791484076102n);
    expect(uuidToUint64('343cd8cf-aeed-2ad0-11ad-c06d2af1deef')).toBe(2706971937306637375n);
    const s = setup();
    expect(await s.ev.list('', 0n, 0)).toEqual({ events: [], index: 1n });
    const a = await s.roundTrip('a');
    const b = await s.roundTrip('b');
    expect(await s.ev.list('', 0n, 0)).toMatchObject({ events: [{ name: 'a' }, { name: 'b' }], index: uuidToUint64(b.id) });
    expect(await s.ev.list('a', 0n, 0)).toMatchObject({ events: [{ name: 'a' }], index: uuidToUint64(a.id) });
    expect(await s.ev.list('c', 0n, 0)).toEqual({ events: [], index: 1n });
  });

  it('answers at once when the index differs, whatever the wait', async () => {
    const s = setup();
    await s.roundTrip('a');
    expect((await s.ev.list('', 12345n, 60_000)).events).toHaveLength(1);
    expect(s.clock.pendingTimers()).toBe(0);
  });

  it('blocks while the index is unchanged: an event of another name does not end it, one of this name does', async () => {
    const s = setup();
    await s.roundTrip('deploy');
    const { index } = await s.ev.list('deploy', 0n, 0);
    let done: { index: bigint; events: UserEvent[] } | undefined;
    void s.ev.list('deploy', index, 5_000).then((r) => (done = r));
    await s.roundTrip('other');
    s.clock.advance(1_000);
    await Promise.resolve();
    expect(done).toBeUndefined();
    const next = await s.roundTrip('deploy');
    await Promise.resolve();
    expect(done?.index).toBe(uuidToUint64(next.id));
    expect(done?.events.map((e) => e.id).at(-1)).toBe(next.id);
    expect(s.clock.pendingTimers()).toBe(0);
  });

  it('times out after the wait with the same index (no jitter)', async () => {
    const s = setup();
    await s.roundTrip('a');
    const { index } = await s.ev.list('', 0n, 0);
    let done: { index: bigint } | undefined;
    void s.ev.list('', index, 3_000).then((r) => (done = r));
    s.clock.advance(2_999);
    await Promise.resolve();
    expect(done).toBeUndefined();
    s.clock.advance(1);
    await Promise.resolve();
    expect(done?.index).toBe(index);
  });

  it('an empty list blocks on index 1 until an event arrives; no wait means the 600 s maximum', async () => {
    const s = setup();
    let done: { index: bigint } | undefined;
    void s.ev.list('', 1n, 0).then((r) => (done = r));
    s.clock.advance(599_999);
    await Promise.resolve();
    expect(done).toBeUndefined();
    const e = await s.roundTrip('a');
    await Promise.resolve();
    expect(done?.index).toBe(uuidToUint64(e.id));
    let late: { index: bigint } | undefined;
    void s.ev.list('', uuidToUint64(e.id), 3_600_000).then((r) => (late = r));
    s.clock.advance(600_000);
    await Promise.resolve();
    expect(late?.index).toBe(uuidToUint64(e.id));
  });

  it('a client that goes away releases its wait', async () => {
    const s = setup();
    const aborter = new AbortController();
    const p = s.ev.list('', 1n, 60_000, aborter.signal);
    aborter.abort();
    expect((await p).index).toBe(1n);
    expect(s.clock.pendingTimers()).toBe(0);
  });
});
