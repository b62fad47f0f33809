/**
 * In-memory metrics, as Consul's go-metrics InmemSink keeps them: values are aggregated into
 * 10-second intervals, the last minute is retained, and /v1/agent/metrics shows the current
 * interval (gauges: last value; counters and samples: count, sum, min, max, mean, stddev, and
 * the rate per second over the interval). With `prometheus_retention_time` set, the same data is
 * also exposed in Prometheus' text format (cumulative counters, summaries for samples).
 * Names are Consul's (`consul.runtime.alloc_bytes`, `consul.http.GET.v1.kv._`). Time comes from
 * the injected clock.
 */
import type { Clock } from './clock.js';
import { isoTimeMs } from './iso-time.js';
import { metricsSeriesMax } from './limits.js';

export type Labels = Record<string, string>;

interface Aggregate {
  name: string;
  labels: Labels;
  count: number;
  sum: number;
  sumSq: number;
  min: number;
  max: number;
}

interface Interval {
  startMs: number;
  gauges: Map<string, { name: string; labels: Labels; value: number }>;
  counters: Map<string, Aggregate>;
  samples: Map<string, Aggregate>;
}

const intervalMs = 10_000;
const retainMs = 60_000;

const keyOf = (name: string, labels: Labels): string => {
  for (const _ in labels) return `${name}\u0000${JSON.stringify(Object.entries(labels).sort())}`;
  return name; // the common case: no labels
};

export class Metrics {
  private intervals: Interval[] = [];
  /** Prometheus needs totals since start, not per interval. */
  private readonly totalCounters = new Map<string, Aggregate>();
  private readonly totalSamples = new Map<string, Aggregate>();
  /** `name` → `consul.name`, so the hot path does not concatenate per call. */
  private readonly fullNames = new Map<string, string>();
  private readonly lastGauges = new Map<string, { name: string; labels: Labels; value: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly prefix = 'consul',
  ) {}

  setGauge(name: string, value: number, labels: Labels = {}): void {
    const full = `${this.prefix}.${name}`;
    const g = { name: full, labels, value };
    this.current().gauges.set(keyOf(full, labels), g);
    this.lastGauges.set(keyOf(full, labels), g);
  }

  incrCounter(name: string, by = 1, labels: Labels = {}): void {
    const full = this.full(name);
    this.add(this.current().counters, full, by, labels);
    this.add(this.totalCounters, full, by, labels);
  }

  addSample(name: string, value: number, labels: Labels = {}): void {
    const full = this.full(name);
    this.add(this.current().samples, full, value, labels);
    this.add(this.totalSamples, full, value, labels);
  }

  private full(name: string): string {
    let full = this.fullNames.get(name);
    if (full === undefined) {
      full = `${this.prefix}.${name}`;
      if (this.fullNames.size < metricsSeriesMax) this.fullNames.set(name, full);
    }
    return full;
  }

  /** Records the milliseconds since `startMs` (monotonic) as a sample. */
  measureSince(name: string, startMs: number, labels: Labels = {}): void {
    this.addSample(name, this.clock.monotonicMs() - startMs, labels);
  }

  /** The /v1/agent/metrics document (go-metrics' MetricsSummary). */
  summary(): Record<string, unknown> {
    const iv = this.current();
    const seconds = intervalMs / 1000;
    const agg = (a: Aggregate): Record<string, unknown> => {
      const mean = a.count > 0 ? a.sum / a.count : 0;
      const variance = a.count > 1 ? (a.sumSq - a.count * mean * mean) / (a.count - 1) : 0;
      return {
        Name: a.name,
        Count: a.count,
        Rate: a.sum / seconds,
        Sum: a.sum,
        Min: a.min,
        Max: a.max,
        Mean: mean,
        Stddev: Math.sqrt(Math.max(0, variance)),
        Labels: a.labels,
      };
    };
    const byName = <T extends { name: string }>(m: Map<string, T>): T[] => [...m.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      Timestamp: goUtcTime(iv.startMs),
      Gauges: byName(iv.gauges).map((g) => ({ Name: g.name, Value: g.value, Labels: g.labels })),
      Points: [],
      Counters: byName(iv.counters).map(agg),
      Samples: byName(iv.samples).map(agg),
    };
  }

  /** Prometheus text exposition (version 0.0.4) of everything seen since start. */
  prometheus(): string {
    const lines: string[] = [];
    const promName = (n: string): string => n.replace(/[^a-zA-Z0-9_:]/g, '_');
    const promLabels = (l: Labels): string => {
      const e = Object.entries(l).sort(([a], [b]) => (a < b ? -1 : 1));
      return e.length === 0 ? '' : `{${e.map(([k, v]) => `${promName(k)}=${JSON.stringify(v)}`).join(',')}}`;
    };
    const groups = new Map<string, { type: string; rows: string[] }>();
    const row = (name: string, type: string, text: string): void => {
      let g = groups.get(name);
      if (!g) groups.set(name, (g = { type, rows: [] }));
      g.rows.push(text);
    };
    for (const g of this.lastGauges.values()) row(promName(g.name), 'gauge', `${promName(g.name)}${promLabels(g.labels)} ${g.value}`);
    for (const a of this.totalCounters.values()) row(promName(a.name), 'counter', `${promName(a.name)}${promLabels(a.labels)} ${a.sum}`);
    for (const a of this.totalSamples.values()) {
      const n = promName(a.name);
      row(n, 'summary', `${n}_sum${promLabels(a.labels)} ${a.sum}`);
      row(n, 'summary', `${n}_count${promLabels(a.labels)} ${a.count}`);
    }
    for (const name of [...groups.keys()].sort()) {
      const g = groups.get(name)!;
      lines.push(`# HELP ${name} ${name}`, `# TYPE ${name} ${g.type}`, ...g.rows);
    }
    return lines.join('\n') + '\n';
  }

  private add(map: Map<string, Aggregate>, name: string, value: number, labels: Labels): void {
    const key = keyOf(name, labels);
    let a = map.get(key);
    if (!a) {
      if (map.size >= metricsSeriesMax) return;
      map.set(key, (a = { name, labels, count: 0, sum: 0, sumSq: 0, min: value, max: value }));
    }
    a.count++;
    a.sum += value;
    a.sumSq += value * value;
    if (value < a.min) a.min = value;
    if (value > a.max) a.max = value;
  }

  private current(): Interval {
    const now = this.clock.nowMs();
    const start = now - (now % intervalMs);
    const last = this.intervals[this.intervals.length - 1];
    if (last && last.startMs === start) return last;
    const iv: Interval = { startMs: start, gauges: new Map(), counters: new Map(), samples: new Map() };
    this.intervals = this.intervals.filter((i) => i.startMs > now - retainMs);
    this.intervals.push(iv);
    return iv;
  }
}

/** Go's time.Time String() in UTC: `2026-11-23 10:43:40 +0000 UTC`. */
function goUtcTime(ms: number): string {
  const iso = isoTimeMs(ms); // 2026-11-23T10:43:40.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}
