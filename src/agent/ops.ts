/**
 * What the agent reports about itself: metrics (with the runtime gauges Consul emits every
 * second), the log stream for /v1/agent/monitor, the host facts of /v1/agent/host (gopsutil's
 * shape, which Consul returns), and the version.
 */
import { cpus, freemem, hostname, loadavg, platform, release, totalmem, uptime, arch } from 'node:os';
import { statfsSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import type { AgentOpsApi } from '../http/index.js';
import {
  formatJsonLine,
  formatTextLine,
  levelEnabled,
  Metrics,
  type Clock,
  type LogLevel,
  type LogSink,
  type Timer,
} from '../lib/index.js';
import { consulApiVersion, musterVersion } from './version.js';

export interface AgentOpsDeps {
  clock: Clock;
  logSink: LogSink | undefined;
  dataDir: string;
  prometheusRetentionMs: number;
  /** Raft-like gauges: the log's last index and the FSM's applied index. */
  indexes: () => { applied: number; last: number };
  sessionTimers: () => number;
}

/** go-metrics' runtime stats interval. */
const runtimeIntervalMs = 1000;

export class AgentOps implements AgentOpsApi {
  readonly metrics: Metrics;
  private timer: Timer | undefined;
  private gcPauseNs = 0;
  private gcRuns = 0;
  private readonly gcObserver: PerformanceObserver;
  /**
   * Behind `runtime.event_loop_delay_max_ms`: made when metrics are first read, not at start.
   * Node's loop-delay histogram holds 360 KiB (HDR, fixed precision), and an agent nobody asks
   * for metrics should not carry it; the gauge covers the time since the first read.
   */
  private loopDelay: IntervalHistogram | undefined;
  private running = false;

  constructor(private readonly deps: AgentOpsDeps) {
    this.metrics = new Metrics(deps.clock);
    this.gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        this.gcPauseNs += Math.round(e.duration * 1e6);
        this.gcRuns++;
      }
    });
  }

  start(): void {
    this.gcObserver.observe({ entryTypes: ['gc'] });
    this.running = true;
    this.emitRuntime();
  }

  stop(): void {
    this.timer?.cancel();
    this.gcObserver.disconnect();
    this.running = false;
    this.loopDelay?.disable();
  }

  private emitRuntime(): void {
    const m = this.metrics;
    const mem = process.memoryUsage();
    m.setGauge('runtime.alloc_bytes', mem.heapUsed);
    m.setGauge('runtime.sys_bytes', mem.rss);
    m.setGauge('runtime.num_goroutines', process.getActiveResourcesInfo().length);
    m.setGauge('runtime.total_gc_pause_ns', this.gcPauseNs);
    m.setGauge('runtime.total_gc_runs', this.gcRuns);
    if (this.loopDelay) {
      m.setGauge('runtime.event_loop_delay_max_ms', this.loopDelay.max / 1e6);
      this.loopDelay.reset();
    }
    const { applied, last } = this.deps.indexes();
    m.setGauge('raft.applied_index', applied);
    m.setGauge('raft.last_index', last);
    m.setGauge('session_ttl.active', this.deps.sessionTimers());
    this.timer = this.deps.clock.setTimer(runtimeIntervalMs, () => this.emitRuntime());
  }

  private watchLoopDelay(): void {
    if (this.loopDelay || !this.running) return;
    this.loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.loopDelay.enable();
  }

  metricsSummary(): Record<string, unknown> {
    this.watchLoopDelay();
    return this.metrics.summary();
  }

  metricsPrometheus(): string | undefined {
    this.watchLoopDelay();
    return this.deps.prometheusRetentionMs > 0 ? this.metrics.prometheus() : undefined;
  }

  monitor(level: LogLevel, json: boolean, onLine: (line: string) => void): () => void {
    const sink = this.deps.logSink;
    if (!sink) return () => {};
    return sink.subscribe((r) => {
      if (levelEnabled(r.level, level)) onLine((json ? formatJsonLine(r) : formatTextLine(r)) + '\n');
    });
  }

  version(): Record<string, unknown> {
    return { SHA: `muster-${musterVersion}`, BuildDate: '', HumanVersion: consulApiVersion, FIPS: '' };
  }

  host(): Record<string, unknown> {
    const errors: string[] = [];
    const total = totalmem();
    const free = freemem();
    let disk: Record<string, unknown> = {};
    try {
      const path = this.deps.dataDir || '/';
      const s = statfsSync(path);
      const totalBytes = s.blocks * s.bsize;
      const freeBytes = s.bavail * s.bsize;
      const used = totalBytes - s.bfree * s.bsize;
      disk = {
        path,
        fstype: String(s.type),
        total: totalBytes,
        free: freeBytes,
        used,
        usedPercent: totalBytes > 0 ? (used / (used + freeBytes)) * 100 : 0,
        inodesTotal: s.files,
        inodesUsed: s.files - s.ffree,
        inodesFree: s.ffree,
        inodesUsedPercent: s.files > 0 ? ((s.files - s.ffree) / s.files) * 100 : 0,
      };
    } catch (err) {
      errors.push(`disk: ${(err as Error).message}`);
    }
    return {
      Memory: { total, available: free, used: total - free, usedPercent: ((total - free) / total) * 100, free },
      CPU: cpus().map((c, i) => ({ cpu: i, vendorId: '', family: '', model: '', modelName: c.model, mhz: c.speed, cores: 1 })),
      Host: {
        hostname: hostname(),
        uptime: Math.floor(uptime()),
        bootTime: Math.floor(this.deps.clock.nowMs() / 1000 - uptime()),
        procs: 0,
        os: platform(),
        platform: platform(),
        kernelVersion: release(),
        kernelArch: arch(),
        loadavg: loadavg(),
      },
      Disk: disk,
      CollectionTime: this.deps.clock.nowMs() * 1e6,
      Errors: errors.length > 0 ? errors : null,
    };
  }
}
