// Event-loop delay probe, preloaded into a Muster agent by bench/raft-cluster.sh (no change to
// src/): NODE_OPTIONS=--import=<this file> LOOP_PROBE_OUT=FILE bin/muster agent ...
// It keeps perf_hooks.monitorEventLoopDelay (10 ms resolution, Node's default) and, once a
// second, writes FILE (atomically, by rename) with the delays since the last reset, in ms. The
// histogram holds the time between two runs of its 10 ms timer, so the delay is that minus 10 ms:
//   {"window","samples","p50_ms","p99_ms","max_ms","mean_ms"}
// A reset happens when FILE.reset holds a new text (a window name, e.g. "stability"); "window"
// is that text. The timer is unref'd, so it never keeps the agent alive.
// With LOOP_PROBE_STALLS_MS=N, a 2 ms timer also appends a line to FILE.stalls for each gap
// between its runs longer than N ms: "<ISO time the gap ended> stall <gap in ms> cpu <CPU ms of
// the process in the gap>" (far below the gap: the process was descheduled), and a line
// for each garbage collection of N/4 ms or more: "<ISO time it began> gc <kind> <ms>", to find
// what ran then in the agent's log (a diagnosis aid; the timer costs a little CPU).
// LOOP_PROBE_V8_FLAGS (e.g. "--trace-gc", which NODE_OPTIONS refuses) is handed to
// v8.setFlagsFromString at start, for the same purpose.
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const out = process.env.LOOP_PROBE_OUT;
const RESOLUTION_MS = 10;
const WRITE_INTERVAL_MS = 1000;

if (process.env.LOOP_PROBE_V8_FLAGS) v8.setFlagsFromString(process.env.LOOP_PROBE_V8_FLAGS);

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

  const stallMs = Number(process.env.LOOP_PROBE_STALLS_MS ?? 0);
  if (stallMs > 0) {
    let last = performance.now();
    let lastCpu = process.cpuUsage();
    setInterval(() => {
      const now = performance.now();
      const cpu = process.cpuUsage();
      if (now - last > stallMs) {
        // CPU time of the process (all its threads) over the gap: near the gap, the loop was busy
        // (or GC ran); far below it, the process was not scheduled (a busy machine).
        const cpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
        appendFileSync(`${out}.stalls`, `${new Date().toISOString()} stall ${(now - last).toFixed(1)} cpu ${cpuMs.toFixed(1)}\n`);
      }
      last = now;
      lastCpu = cpu;
    }, 2).unref();
    const kinds = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental', 8: 'weak-callbacks' };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.duration < stallMs / 4) continue;
        const at = new Date(performance.timeOrigin + e.startTime).toISOString();
        appendFileSync(`${out}.stalls`, `${at} gc ${kinds[e.detail?.kind] ?? e.detail?.kind} ${e.duration.toFixed(1)}\n`);
      }
    }).observe({ entryTypes: ['gc'] });
  }
}
