import { describe, expect, it } from 'vitest';
import { ManualClock, SeededRng } from '../../lib/index.js';
import { Awareness } from './awareness.js';
import { lanTiming } from './config.js';
import { Members, type AliveMessage, type Member } from './members.js';
import type { Message } from './messages.js';

const vsn = [1, 5, 2, 2, 5, 4];
const alive = (node: string, incarnation: number, ip = `10.0.0.${node.charCodeAt(0)}`): AliveMessage => ({
  type: 'alive',
  incarnation,
  node,
  address: { ip, port: 8301 },
  meta: new Uint8Array(),
  vsn,
});

function table(size = 10) {
  const clock = new ManualClock(0);
  const sent: Array<[string, Message]> = [];
  const events: string[] = [];
  const awareness = new Awareness(8);
  const members = new Members({
    clock,
    rng: new SeededRng(1),
    timing: lanTiming,
    selfName: 'me',
    awareness,
    broadcast: (name, m) => sent.push([name, m]),
    events: {
      join: (m: Member) => events.push(`join ${m.name}`),
      leave: (m: Member) => events.push(`${m.state} ${m.name}`),
      update: (m: Member) => events.push(`update ${m.name}`),
      conflict: (m: Member) => events.push(`conflict ${m.name}`),
    },
  });
  members.alive(alive('me', 1), true);
  for (let i = 1; i < size; i++) members.alive(alive(`n${i}`, 1, `10.1.0.${i}`));
  sent.length = 0;
  events.length = 0;
  return { clock, sent, events, members, awareness };
}

describe('member table', () => {
  it('adds a member on its first alive message, and ignores older or equal news about it', () => {
    const t = table(2);
    t.members.alive(alive('x', 3));
    expect(t.events).toEqual(['join x']);
    expect(t.sent.map(([n, m]) => `${n} ${m.type}`)).toEqual(['x alive']);
    t.members.alive(alive('x', 3));
    t.members.alive(alive('x', 2));
    expect(t.sent).toHaveLength(1);
    expect(t.members.order.map((m) => m.name).sort()).toEqual(['me', 'n1', 'x']);
  });

  it('declares a suspect dead at the longest timeout without confirmations (24 s for 10 members)', () => {
    const t = table(10);
    t.members.suspect({ type: 'suspect', incarnation: 1, node: 'n1', from: 'n2' });
    expect(t.members.get('n1')!.state).toBe('suspect');
    t.clock.advance(23_999);
    expect(t.members.get('n1')!.state).toBe('suspect');
    t.clock.advance(1);
    expect(t.members.get('n1')!.state).toBe('dead');
    expect(t.events).toEqual(['dead n1']);
    expect(t.sent.map(([, m]) => m.type)).toEqual(['suspect', 'dead']);
  });

  it('declares it dead sooner with independent confirmations, and rebroadcasts each new one', () => {
    const t = table(10);
    t.members.suspect({ type: 'suspect', incarnation: 1, node: 'n1', from: 'n2' });
    t.members.suspect({ type: 'suspect', incarnation: 1, node: 'n1', from: 'n2' });
    t.members.suspect({ type: 'suspect', incarnation: 1, node: 'n1', from: 'n3' });
    t.members.suspect({ type: 'suspect', incarnation: 1, node: 'n1', from: 'n4' });
    expect(t.sent.map(([, m]) => m.type)).toEqual(['suspect', 'suspect', 'suspect']);
    t.clock.advance(4000);
    expect(t.members.get('n1')!.state).toBe('dead');
  });

  it('clears a suspicion when the member says it is alive with a higher incarnation', () => {
    const t = table(10);
    t.members.suspect({ type: 'suspect', incarnation: 1, node: 'n1', from: 'n2' });
    t.members.alive(alive('n1', 2, '10.1.0.1'));
    t.clock.advance(60_000);
    expect(t.members.get('n1')).toMatchObject({ state: 'alive', incarnation: 2 });
    expect(t.events).toEqual([]);
  });

  it('refutes a suspicion or death of itself with a higher incarnation, and counts it against its health', () => {
    const t = table(3);
    t.members.suspect({ type: 'suspect', incarnation: 5, node: 'me', from: 'n1' });
    expect(t.members.get('me')).toMatchObject({ state: 'alive', incarnation: 6 });
    t.members.dead({ type: 'dead', incarnation: 6, node: 'me', from: 'n1' });
    expect(t.members.get('me')).toMatchObject({ state: 'alive', incarnation: 7 });
    expect(t.sent.map(([n, m]) => `${n} ${m.type} ${'incarnation' in m ? m.incarnation : ''}`)).toEqual(['me alive 6', 'me alive 7']);
    expect(t.awareness.score).toBe(2);
  });

  it('corrects others who speak for it with different news, and lets its own death through when leaving', () => {
    const t = table(3);
    t.members.alive({ ...alive('me', 1), meta: Uint8Array.from([1]) });
    expect(t.sent.map(([n, m]) => `${n} ${m.type} ${'incarnation' in m ? m.incarnation : ''}`)).toEqual(['me alive 2']);
    t.members.leaving = true;
    t.members.dead({ type: 'dead', incarnation: 2, node: 'me', from: 'me' });
    expect(t.members.get('me')!.state).toBe('left');
  });

  it('marks a member that announces its own death as left, and lets it come back from another address', () => {
    const t = table(3);
    t.members.dead({ type: 'dead', incarnation: 1, node: 'n1', from: 'n1' });
    expect(t.events).toEqual(['left n1']);
    t.members.alive(alive('n1', 1, '10.9.9.9'));
    expect(t.members.get('n1')).toMatchObject({ state: 'alive', address: { ip: '10.9.9.9', port: 8301 } });
    expect(t.events).toEqual(['left n1', 'join n1']);
  });

  it('refuses a name already alive at another address (a conflict), and bad protocol versions', () => {
    const t = table(3);
    t.members.alive(alive('n1', 9, '10.9.9.9'));
    expect(t.events).toEqual(['conflict n1']);
    expect(t.members.get('n1')).toMatchObject({ incarnation: 1, address: { ip: '10.1.0.1' } });
    t.members.alive({ ...alive('y', 1), vsn: [0, 5, 2] });
    t.members.alive({ ...alive('z', 1), vsn: [5, 1, 2] });
    expect([t.members.get('y'), t.members.get('z')]).toEqual([undefined, undefined]);
  });

  it('leaves at once when there is nobody to tell, and never refutes its own death after leaving', () => {
    const alone = table(1);
    let sent = 0;
    alone.members.leave(() => sent++);
    expect(sent).toBe(1);
    const t = table(3);
    t.members.leave(() => sent++);
    expect(t.members.get('me')!.state).toBe('left');
    expect(t.sent.map(([n, m]) => `${n} ${m.type}`)).toEqual(['me dead']);
    t.members.suspect({ type: 'suspect', incarnation: 9, node: 'me', from: 'n1' });
    t.members.alive(alive('me', 9));
    expect(t.sent).toHaveLength(1);
  });

  it('only suspects the members a push/pull peer says are dead', () => {
    const t = table(10);
    t.members.merge([
      { name: 'n1', address: { ip: '10.1.0.1', port: 8301 }, meta: new Uint8Array(), vsn, incarnation: 1, state: 'dead' },
      { name: 'n2', address: { ip: '10.1.0.2', port: 8301 }, meta: new Uint8Array(), vsn, incarnation: 1, state: 'left' },
      { name: 'new', address: { ip: '10.1.0.99', port: 8301 }, meta: new Uint8Array(), vsn, incarnation: 4, state: 'alive' },
    ]);
    expect([t.members.get('n1')!.state, t.members.get('n2')!.state, t.members.get('new')!.state]).toEqual(['suspect', 'left', 'alive']);
  });
});
