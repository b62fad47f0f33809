import { describe, expect, it } from 'vitest';
import { checkMessage } from './messages.js';

describe('checkMessage', () => {
  const append = { type: 'append', from: 'a', to: 'b', term: 2, prevIndex: 4, prevTerm: 1, commit: 3,
    entries: [{ index: 5, term: 2, type: 'command', data: new Uint8Array(1) }] };

  it('accepts every well-formed message', () => {
    const ok = [
      append,
      { type: 'append-response', from: 'b', to: 'a', term: 2, index: 5, reject: false, hintIndex: 0, hintTerm: 0 },
      { type: 'heartbeat', from: 'a', to: 'b', term: 2, commit: 1, seq: 3, sentTick: 10 },
      { type: 'heartbeat-response', from: 'b', to: 'a', term: 2, seq: 3, sentTick: 10 },
      { type: 'pre-vote', from: 'a', to: 'b', term: 3, lastIndex: 5, lastTerm: 2, transfer: false },
      { type: 'vote-response', from: 'b', to: 'a', term: 3, reject: true },
      { type: 'install-snapshot', from: 'a', to: 'b', term: 2, snapshot: { index: 9, term: 2, configurationIndex: 1, configuration: { servers: [] } } },
      { type: 'timeout-now', from: 'a', to: 'b', term: 2 },
    ];
    for (const m of ok) expect(checkMessage(m), m.type).toBeUndefined();
  });

  it('rejects malformed ones with a reason', () => {
    expect(checkMessage(null)).toBe('message is not an object');
    expect(checkMessage({ ...append, type: 'gossip' })).toMatch(/unknown message type/);
    expect(checkMessage({ ...append, term: -1 })).toMatch(/term/);
    expect(checkMessage({ ...append, from: '' })).toMatch(/from/);
    expect(checkMessage({ ...append, entries: [{ index: 7, term: 2, type: 'command', data: new Uint8Array(0) }] })).toMatch(/index 7 where 5/);
    expect(checkMessage({ ...append, entries: [{ index: 5, term: 2, type: 'nope', data: new Uint8Array(0) }] })).toMatch(/type/);
    expect(checkMessage({ ...append, entries: [{ index: 5, term: 2, type: 'command', data: 'x' }] })).toMatch(/bytes/);
    expect(checkMessage({ type: 'vote', from: 'a', to: 'b', term: 1, lastIndex: 0, lastTerm: 0 })).toMatch(/vote/);
    expect(checkMessage({ type: 'install-snapshot', from: 'a', to: 'b', term: 1, snapshot: { index: 1 } })).toMatch(/snapshot/);
  });
});
