// Event-loop delay probe, preloaded into a Muster agent by bench/raft-cluster.sh (no change to
// src/): NODE_OPTIONS=--import=<this file> LOOP_PROBE_OUT=FILE bin/muster agent ...
// It keeps perf_hooks.monitorEventLoopDelay (10 ms resolution, Node's default) and, once a
// second, writes FILE (atomically, by rename) with the delays since the last reset, in ms. The
// histogram holds the time between two runs of its 10 ms timer, so the delay is that minus 10 ms:
//   {"window","samples","p50_ms","p99_ms","max_ms","mean_ms"}
// A reset happens when FILE.reset holds a new text (a window name, e.g. "stability"); "window"
// is that text. The timer is unref'd, so it never keeps the agent alive.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const out = process.env.LOOP_PROBE_OUT;
const RESOLUTION_MS = 10;
const WRITE_INTERVAL_MS = 1000;

if (out) {
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  let window = '';
  // the histogram's values are whole intervals: the delay is what passes the resolution
  const ms = (ns) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 1000) / 1000);
  const tick = () => {
    let wanted = window;
    try {
      wanted = readFileSync(`${out}.reset`, 'utf8').trim();
    } catch {
      // no reset file yet: keep counting from the start
    }
    if (wanted !== window) {
      h.reset();
      window = wanted;
    }
    const n = h.count;
    const line = JSON.stringify({
      window, samples: n, p50_ms: n ? ms(h.percentile(50)) : null, p99_ms: n ? ms(h.percentile(99)) : null,
      max_ms: n ? ms(h.max) : null, mean_ms: n ? ms(h.mean) : null,
    });
    try {
      writeFileSync(`${out}.tmp`, line + '\n');
      renameSync(`${out}.tmp`, out);
    } catch {
      // the bench's work dir is gone: nothing to report to
    }
  };
  setInterval(tick, WRITE_INTERVAL_MS).unref();
}
