import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../lib/index.js';
import { GossipSnapshot, replaySnapshot } from './gossip-snapshot.js';

const lines: string[] = [];
const logger: Logger = {
  trace() {},
  debug() {},
  info: (m) => void lines.push(`INFO ${m}`),
  warn: (m) => void lines.push(`WARN ${m}`),
  error: (m) => void lines.push(`ERROR ${m}`),
  named: () => logger,
  enabled: () => true,
};

describe('serf snapshot', () => {
  it('replays serf lines: later ones win, not-alive removes, clocks kept, junk warned about', () => {
    const text = ['# comment', 'alive: a 10.0.0.1:8301', 'alive: b 10.0.0.2:8301', 'clock: 7', 'not-alive: a', 'event-clock: 3', 'query-clock: 2', 'alive: c d 10.0.0.3:8301', 'bogus', 'coordinate: {}'].join('\n');
    const s = replaySnapshot(text, false, logger);
    expect([...s.alive]).toEqual([['b', '10.0.0.2:8301'], ['c d', '10.0.0.3:8301']]);
    expect([s.clock, s.eventClock, s.queryClock]).toEqual([7, 3, 2]);
    expect(lines.pop()).toBe('WARN serf: Unrecognized snapshot line: bogus');
  });

  it('forgets everything at a leave, unless rejoin_after_leave', () => {
    const text = 'alive: a 10.0.0.1:8301\nclock: 9\nleave\n';
    expect(replaySnapshot(text, false, logger).alive.size).toBe(0);
    expect(replaySnapshot(text, false, logger).clock).toBe(0);
    const kept = replaySnapshot(text, true, logger);
    expect([...kept.alive.keys()]).toEqual(['a']);
    expect(lines.pop()).toBe('INFO serf: Ignoring previous leave in snapshot');
  });

  it('records members and clocks, survives a reopen, and compacts a long log to what is alive', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'muster-snap-')), 'serf', 'local.snapshot');
    const { snapshot } = await GossipSnapshot.open(path, false, logger);
    snapshot.memberAlive('a', '10.0.0.1:8301');
    snapshot.memberAlive('b', '10.0.0.2:8301');
    snapshot.clocks({ clock: 5, eventClock: 1, queryClock: 1 });
    snapshot.memberGone('a');
    await snapshot.flush();
    expect(readFileSync(path, 'utf8')).toBe('alive: a 10.0.0.1:8301\nalive: b 10.0.0.2:8301\nclock: 4\nnot-alive: a\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = await GossipSnapshot.open(path, false, logger);
    expect([...again.previous.alive.keys()]).toEqual(['b']);
    expect(again.previous.clock).toBe(4);
    // Flapping members grow the log past 128 KiB: it is rewritten with only what is alive.
    for (let i = 0; i < 3000; i++) {
      again.snapshot.memberAlive('flappy', '10.0.0.9:8301');
      again.snapshot.memberGone('flappy');
      if (i % 100 === 0) await again.snapshot.flush();
    }
    await again.snapshot.flush();
    expect(statSync(path).size).toBeLessThan(128 * 1024);
    const replayed = replaySnapshot(readFileSync(path, 'utf8'), false, logger);
    expect([...replayed.alive.keys()]).toEqual(['b']);
    await again.snapshot.leave();
    expect(replaySnapshot(readFileSync(path, 'utf8'), false, logger).alive.size).toBe(0);
  });
});
