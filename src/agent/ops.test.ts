import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/index.js';
import { AgentOps } from './ops.js';

function gauges(summary: Record<string, unknown>): string[] {
  return ((summary['Gauges'] ?? []) as { Name: string }[]).map((g) => g.Name);
}

let ops: AgentOps | undefined;
afterEach(() => ops?.stop());

describe('AgentOps runtime gauges', () => {
  it('reports the runtime gauges every second, and the loop delay once metrics have been read', () => {
    const clock = new ManualClock(1_700_000_000_000);
    ops = new AgentOps({ clock, logSink: undefined, dataDir: '', prometheusRetentionMs: 0, indexes: () => ({ applied: 7, last: 9 }), sessionTimers: () => 0 });
    ops.start();
    // The first read starts the loop-delay histogram (360 KiB an idle agent does not carry)...
    const first = gauges(ops.metricsSummary());
    expect(first).toContain('consul.runtime.alloc_bytes');
    expect(first).not.toContain('consul.runtime.event_loop_delay_max_ms');
    // ...and the next runtime tick reports it.
    clock.advance(1000);
    expect(gauges(ops.metricsSummary())).toContain('consul.runtime.event_loop_delay_max_ms');
  });
});
