import { describe, expect, it } from 'vitest';
import { lanTiming, type Address } from '../gossip/core/index.js';
import { ManualClock, SeededRng, type Logger } from '../lib/index.js';
import { Serf, serfDefaults, type MemberEventKind, type SerfConfig, type UserEvent } from './serf.js';

const key = (a: Address): string => `${a.ip}:${a.port}`;
const quiet: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, named: () => quiet, enabled: () => false };
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Serf members on a simulated network (latency 1–5 ms); members can be cut off and come back. */
function pool(options: { seed?: number; config?: Partial<SerfConfig> } = {}) {
  const clock = new ManualClock(0);
  const rng = new SeededRng(options.seed ?? 1);
  const byAddress = new Map<string, Serf>();
  const down = new Set<string>();
  const memberEvents: Array<{ by: string; kind: MemberEventKind; of: string }> = [];
  const userEvents = new Map<string, UserEvent[]>();
  const addressOf = (i: number): Address => ({ ip: `10.0.0.${i + 1}`, port: 8301 });
  const deliver = (to: Address, fn: (s: Serf) => void): void => {
    clock.setTimer(1 + rng.int(5), () => {
      const s = byAddress.get(key(to));
      if (s && !down.has(key(to))) fn(s);
    });
  };
  const add = (i: number, tags: Record<string, string> = {}): Serf => {
    const name = `n${i}`;
    const self = { name, address: addressOf(i), tags };
    userEvents.set(name, []);
    const serf: Serf = new Serf({
      clock,
      rng: new SeededRng((options.seed ?? 1) * 100 + i + byAddress.size * 7),
      timing: lanTiming,
      config: { ...serfDefaults, ...options.config },
      logger: quiet,
      self,
      send: (to, packet) => {
        if (down.has(key(self.address))) return;
        deliver(to, (s) => s.swim.handlePacket(self.address, packet));
      },
      startPushPull: (to, state) => {
        if (down.has(key(self.address))) return;
        deliver(to, (s) => {
          const reply = s.swim.handlePushPull(state);
          if (reply) deliver(self.address, () => serf.swim.mergeRemoteState(reply));
        });
      },
      events: {
        member: (kind, m) => memberEvents.push({ by: name, kind, of: m.name }),
        user: (e) => userEvents.get(name)!.push(e),
      },
    });
    byAddress.set(key(self.address), serf);
    serf.start();
    return serf;
  };
  /** `s` joins through member j (a push/pull exchange marked as a join), as the agent does. */
  const join = (s: Serf, j: number, ignoreOld = true): void => {
    const target = byAddress.get(key(addressOf(j)))!;
    const reply = target.swim.handlePushPull(s.joinState());
    if (reply && s.mergeJoinReply(reply, ignoreOld)) s.joined();
  };
  const start = (n: number): Serf[] => {
    const all = Array.from({ length: n }, (_, i) => add(i, { role: i < 3 ? 'consul' : 'node' }));
    for (let i = 1; i < n; i++) join(all[i]!, 0);
    clock.advance(10_000);
    return all;
  };
  return {
    clock,
    add,
    join,
    start,
    memberEvents,
    userEvents,
    kill: (i: number) => down.add(key(addressOf(i))),
    revive: (i: number) => down.delete(key(addressOf(i))),
    /** Each live member's view of `name`'s status. */
    statusOf: (name: string, all: Serf[]) => all.filter((s) => s.name !== name && !down.has(key(s.localMember().address))).map((s) => s.member(name)?.status ?? 'unknown'),
  };
}

describe('serf members', () => {
  it('joins five members through one and shows each with its tags, alive, everywhere', () => {
    const p = pool();
    const all = p.start(5);
    for (const s of all) {
      const view = s.members().map((m) => `${m.name}:${m.status}:${m.tags['role']}`).sort();
      expect(view).toEqual(['n0:alive:consul', 'n1:alive:consul', 'n2:alive:consul', 'n3:alive:node', 'n4:alive:node']);
    }
  });

  it('records a graceful leave as left everywhere (never failed), after a leaving phase', () => {
    const p = pool();
    const all = p.start(5);
    let result: string | undefined = 'pending';
    all[3]!.leave((err) => (result = err));
    // Some member sees it leaving before anyone sees it left.
    let leavingSeen = false;
    for (let ms = 0; ms < 2000 && !p.statusOf('n3', all).includes('left'); ms += 10) {
      p.clock.advance(10);
      leavingSeen ||= p.statusOf('n3', all).includes('leaving');
    }
    expect(leavingSeen).toBe(true);
    p.clock.advance(10_000);
    expect(result).toBeUndefined();
    expect(p.statusOf('n3', all.slice(0, 3).concat(all[4]!))).toEqual(['left', 'left', 'left', 'left']);
    expect(p.memberEvents.filter((e) => e.of === 'n3' && e.by !== 'n3' && e.kind !== 'join').map((e) => e.kind)).toEqual(['leave', 'leave', 'leave', 'leave']);
  });

  it('marks a killed member failed, reaps it after the reconnect timeout, and takes it back when it returns', () => {
    const p = pool({ config: { reconnectTimeoutMs: 120_000, reconnectIntervalMs: 5000 } });
    const all = p.start(5);
    p.kill(2);
    p.clock.advance(40_000);
    expect(p.statusOf('n2', all)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(p.memberEvents.filter((e) => e.of === 'n2' && e.kind !== 'join').map((e) => e.kind)).toEqual(['failed', 'failed', 'failed', 'failed']);
    p.clock.advance(130_000);
    expect(p.statusOf('n2', all)).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
    expect(p.memberEvents.filter((e) => e.of === 'n2' && e.kind === 'reap')).toHaveLength(4);
    // It comes back (same name and address) and joins through n4: alive everywhere again.
    p.revive(2);
    p.join(all[2]!, 4);
    p.clock.advance(10_000);
    expect(p.statusOf('n2', all)).toEqual(['alive', 'alive', 'alive', 'alive']);
  });

  it('reconnects to a failed member on its own once the network heals', () => {
    const p = pool({ config: { reconnectIntervalMs: 2000 } });
    const all = p.start(4);
    p.kill(1);
    p.clock.advance(40_000);
    expect(p.statusOf('n1', all)).toEqual(['failed', 'failed', 'failed']);
    p.revive(1);
    p.clock.advance(60_000);
    expect(p.statusOf('n1', all)).toEqual(['alive', 'alive', 'alive']);
  });

  it('force-leave turns a failed member into left everywhere; with prune it is gone everywhere', () => {
    const p = pool();
    const all = p.start(5);
    p.kill(4);
    p.kill(3);
    p.clock.advance(40_000);
    let done = 'pending' as string | undefined;
    all[0]!.forceLeave('n4', false, (err) => (done = err));
    p.clock.advance(5000);
    expect(done).toBeUndefined();
    expect(p.statusOf('n4', all.slice(0, 3))).toEqual(['left', 'left', 'left']);
    all[1]!.forceLeave('n3', true, () => {});
    p.clock.advance(5000);
    expect(p.statusOf('n3', all.slice(0, 3))).toEqual(['unknown', 'unknown', 'unknown']);
  });

  it('gossips new tags: everyone sees them and reports an update', () => {
    const p = pool();
    const all = p.start(4);
    all[2]!.setTags({ role: 'node', build: '1.8.7' });
    p.clock.advance(3000);
    for (const s of all) expect(s.member('n2')?.tags).toEqual({ role: 'node', build: '1.8.7' });
    expect(p.memberEvents.filter((e) => e.kind === 'update' && e.of === 'n2').length).toBeGreaterThanOrEqual(3);
    expect(() => all[2]!.setTags({ big: 'x'.repeat(600) })).toThrow('Encoded length of tags exceeds limit of 512 bytes');
  });
});

describe('serf user events', () => {
  it('delivers an event once to every member, the sender included', () => {
    const p = pool();
    const all = p.start(6);
    all[1]!.userEvent('deploy', bytes('v42'), false);
    p.clock.advance(5000);
    for (const s of all) expect(p.userEvents.get(s.name)!.map((e) => `${e.name}:${text(e.payload)}`)).toEqual(['deploy:v42']);
  });

  it('catches a member up through push/pull after it missed the gossip', () => {
    const p = pool();
    const all = p.start(4);
    p.kill(3);
    all[0]!.userEvent('a', bytes('1'), false);
    p.clock.advance(2000);
    p.revive(3);
    expect(p.userEvents.get('n3')).toEqual([]);
    p.clock.advance(31_000);
    expect(p.userEvents.get('n3')!.map((e) => e.name)).toEqual(['a']);
  });

  it('does not replay old events to a member that joins later (ignoreOld, as Consul joins)', () => {
    const p = pool();
    const all = p.start(3);
    all[0]!.userEvent('old', bytes(''), false);
    p.clock.advance(3000);
    const late = p.add(3);
    p.join(late, 1, true);
    p.clock.advance(40_000);
    expect(p.userEvents.get('n3')).toEqual([]);
    all[2]!.userEvent('new', bytes(''), false);
    p.clock.advance(3000);
    expect(p.userEvents.get('n3')!.map((e) => e.name)).toEqual(['new']);
  });

  it('refuses events over the size limit with serf texts, and sends nothing', () => {
    const p = pool();
    const [a] = p.start(2);
    expect(() => a!.userEvent('n', new Uint8Array(512), false)).toThrow('user event exceeds configured limit of 512 bytes before encoding');
    expect(() => a!.userEvent('n', new Uint8Array(505), false)).toThrow('encoded user event exceeds configured limit of 512 bytes after encoding');
    p.clock.advance(2000);
    expect([...p.userEvents.values()].flat()).toEqual([]);
  });

  it('coalesces events marked so: only the newest of a name is delivered', () => {
    const p = pool({ config: { coalescePeriodMs: 2000, quiescentPeriodMs: 500 } });
    const all = p.start(3);
    all[0]!.userEvent('cfg', bytes('1'), true);
    all[0]!.userEvent('cfg', bytes('2'), true);
    all[0]!.userEvent('other', bytes('x'), false);
    p.clock.advance(5000);
    for (const s of all) expect(p.userEvents.get(s.name)!.map((e) => `${e.name}:${text(e.payload)}`).sort()).toEqual(['cfg:2', 'other:x']);
  });
});

describe('serf queries', () => {
  it('collects one answer and one ack from every member, the asker included', () => {
    const p = pool();
    const all = p.start(5);
    for (const s of all) s.handleQueries('ping', (q) => q.respond(bytes(`pong from ${s.name}`)));
    const acks: string[] = [];
    const answers: string[] = [];
    let done = false;
    all[2]!.queries.query('ping', bytes(''), { requestAck: true, relayFactor: 2 }, { ack: (f) => acks.push(f), response: (f, b) => answers.push(`${f}:${text(b)}`), done: () => (done = true) });
    p.clock.advance(all[2]!.queries.defaultTimeoutMs() + 10);
    expect(done).toBe(true);
    expect(acks.sort()).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
    expect(answers.sort()).toEqual(['n0:pong from n0', 'n1:pong from n1', 'n2:pong from n2', 'n3:pong from n3', 'n4:pong from n4']);
  });

  it('is answered only by the members the node and tag filters name', () => {
    const p = pool();
    const all = p.start(5);
    for (const s of all) s.handleQueries('q', (q) => q.respond(bytes('')));
    const byTag: string[] = [];
    all[4]!.queries.query('q', bytes(''), { filterTags: { role: '^cons' } }, { response: (f) => byTag.push(f), done: () => {} });
    const byNode: string[] = [];
    all[4]!.queries.query('q', bytes(''), { filterNodes: ['n3', 'n4'] }, { response: (f) => byNode.push(f), done: () => {} });
    p.clock.advance(5000);
    expect(byTag.sort()).toEqual(['n0', 'n1', 'n2']);
    expect(byNode.sort()).toEqual(['n3', 'n4']);
  });

  it('refuses an answer past the deadline, and too large a query', () => {
    const p = pool();
    const all = p.start(2);
    const late: string[] = [];
    all[1]!.handleQueries('slow', (q) => {
      p.clock.setTimer(2000, () => {
        try {
          q.respond(bytes('late'));
        } catch (err) {
          late.push((err as Error).message);
        }
      });
    });
    const answers: string[] = [];
    all[0]!.queries.query('slow', bytes(''), { timeoutMs: 500 }, { response: (f) => answers.push(f), done: () => {} });
    p.clock.advance(5000);
    expect(answers).toEqual([]);
    expect(late).toEqual(['response is past the deadline']);
    expect(() => all[0]!.queries.query('big', new Uint8Array(2000), {}, { response: () => {}, done: () => {} })).toThrow('query exceeds limit of 1024 bytes');
  });
});
