// Formats bench/raft-cluster.sh results as Markdown and, with --write FILE, replaces (or appends)
// the section "## Raft: 3-server cluster (issue 6)" of FILE.
//   node bench/raft-report.mjs RESULTS.tsv [--write BENCHMARKS.md]
// RESULTS.tsv lines: "TARGET<TAB>METRIC<TAB>VALUE" (TARGET muster|consul|etcd; several values of
// one metric are rounds: the median is shown, and the worst for failover) and "meta<TAB>KEY<TAB>VALUE".
import { fmt, int, readResults, writeSection, reportArgs } from './lib.mjs';

const SECTION = '## Raft: 3-server cluster (issue 6)';
const NAMES = { consul: 'Consul', muster: 'Muster', etcd: 'etcd' };
const COLUMNS = ['consul', 'muster', 'etcd'];
const PEERS = ['consul', 'etcd'];

const { resultsPath, writePath } = reportArgs('raft-report.mjs');
const { values, meta, get } = readResults(resultsPath);
const worst = (t, k) => {
  const l = values[t]?.get(k);
  return l && l.length ? Math.max(...l) : undefined;
};
const ratioText = (r) => `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;

/** A cell: value (median or, with `pick` 'max', the worst round), "–" when missing, errors in bold. */
function cell(t, metric, unit, errMetric, pick) {
  const v = pick === 'max' ? worst(t, metric) : get(t, metric);
  const errs = errMetric ? get(t, errMetric) : 0;
  const note = errs ? ` (**${int(errs)} ${errMetric.endsWith('timeouts') ? 'rounds without a new leader' : 'errors'}**)` : '';
  if (v === undefined || Number.isNaN(v)) return `–${note}`;
  return fmt[unit](v) + note;
}

/** rows: [label, metric, unit, better ('higher' | 'lower' | 'none'), errors metric?, pick?]. */
function table(rows) {
  const head = ['measurement', ...COLUMNS.map((t) => NAMES[t]), ...PEERS.map((p) => `Muster/${NAMES[p]} (>1: Muster better)`)];
  const out = [`| ${head.join(' | ')} |`, `|---|${head.slice(1).map(() => '---:').join('|')}|`];
  for (const [label, metric, unit, better, errMetric, pick] of rows) {
    const val = (t) => (pick === 'max' ? worst(t, metric) : get(t, metric));
    const m = val('muster');
    const ratios = PEERS.map((p) => {
      const v = val(p);
      if (better === 'none' || !(v > 0 && m > 0)) return '–';
      return ratioText(better === 'higher' ? m / v : v / m);
    });
    out.push(`| ${label} | ${[...COLUMNS.map((t) => cell(t, metric, unit, errMetric, pick)), ...ratios].join(' | ')} |`);
  }
  return out.join('\n');
}

const concs = (meta.get('concurrency') ?? '1,16,64').split(',');
const putRows = [];
for (const c of concs) {
  const p = `put_c${c}`;
  const who = c === '1' ? '1 client' : `${c} clients`;
  putRows.push([`PUT, ${who}: throughput`, `${p}_rps`, 'rps', 'higher', `${p}_errors`]);
  putRows.push([`PUT, ${who}: p50`, `${p}_p50_us`, 'us', 'lower', `${p}_errors`]);
  putRows.push([`PUT, ${who}: p99`, `${p}_p99_us`, 'us', 'lower', `${p}_errors`]);
}

const rounds = meta.get('rounds') ?? '?';
const foRows = [
  [`raft_multiplier 5 (etcd: its defaults): median of ${rounds}`, 'failover_m5_ms', 'ms', 'lower', 'failover_m5_timeouts'],
  ['raft_multiplier 5 (etcd: its defaults): worst round', 'failover_m5_ms', 'ms', 'lower', undefined, 'max'],
  [`raft_multiplier 1: median of ${rounds}`, 'failover_m1_ms', 'ms', 'lower', 'failover_m1_timeouts'],
  ['raft_multiplier 1: worst round', 'failover_m1_ms', 'ms', 'lower', undefined, 'max'],
];
// etcd's failover (no multiplier) is recorded as m0; it shares the m5 rows.
for (const k of ['failover_m0_ms', 'failover_m0_timeouts']) {
  const l = values.etcd?.get(k);
  if (l) values.etcd.set(k.replace('m0', 'm5'), l);
}

const secs = meta.get('stab_seconds') ?? '60';
const stabRows = [
  ['writes/s (64 connections, to the leader)', 'stab_rps', 'rps', 'higher', 'stab_errors'],
  ['write p99', 'stab_p99_us', 'us', 'lower', 'stab_errors'],
  ['**leader changes** seen by any server (polled every 100 ms; goal 0)', 'stab_watch_changes', 'count', 'none'],
  ['"starting election" log lines, all servers', 'stab_elections', 'count', 'none'],
  ['polls answered with no leader', 'stab_watch_leaderless', 'count', 'none'],
  ['**event-loop delay on the leader: p99** (probe; goal < 500 ms, a tenth of the 5 s election timeout)', 'stab_loop_p99_ms', 'ms', 'none'],
  ['event-loop delay on the leader: p50', 'stab_loop_p50_ms', 'ms', 'none'],
  ['event-loop delay on the leader: max', 'stab_loop_max_ms', 'ms', 'none'],
  ['event-loop delay on the followers: worst p99', 'stab_loop_follower_p99_ms', 'ms', 'none', undefined, 'max'],
  ['agent gauge runtime.event_loop_delay_max_ms on the leader (includes 10 ms): p99 of the 1 s readings', 'stab_watch_gauge_p99_ms', 'ms', 'none'],
  ['agent gauge runtime.event_loop_delay_max_ms on the leader (includes 10 ms): max', 'stab_watch_gauge_max_ms', 'ms', 'none'],
];

const versions = [
  meta.has('consul_version') ? `Consul ${meta.get('consul_version')}` : undefined,
  meta.has('muster_version') ? `Muster ${meta.get('muster_version')}` : undefined,
  meta.has('etcd_version') ? `etcd ${meta.get('etcd_version')}` : undefined,
  `Node ${meta.get('node')}`,
].filter(Boolean).join(', ');

const section = `${SECTION}

Three 3-server clusters, one at a time, each on its own loopback addresses with default ports and its own data
dirs (durable logs, no \`-dev\`): Muster and Consul as \`agent -server -bootstrap-expect 3 -retry-join <the other two>\`,
etcd as 3 static members. Defaults everywhere: \`raft_multiplier\` 5 for Muster and Consul (both default to 5: 5 s
election timeout), etcd's 100 ms heartbeat and 1 s election timeout. The load generator (\`bench/raft-load.mjs\`, one Node
process, one keep-alive connection per client, one PUT in flight on each, every key new, 100-byte value) sends every
write to the leader: \`PUT /v1/kv/<key>\` for Consul and Muster, the HTTP/JSON gateway's \`POST /v3/kv/put\` (base64)
for etcd. Latencies are exact percentiles of every answered PUT. The client and the three servers share the
machine's cores, so figures are same-box ceilings; other jobs ran on this 2-core machine during the run (see the
load average), so treat differences under about 20% as noise.
Throughput ratio is Muster/peer; latency and time ratios are peer/Muster: **> 1 means Muster is better**.

- Date: ${meta.get('date')}
- Machine: ${meta.get('nproc')} cores (${meta.get('cpu')}), ${meta.get('mem')}, ${meta.get('os')}; load average ${meta.get('load')}
- Versions: ${versions}
- Settings: ${meta.get('settings')}
- Repeat (repo root, after \`npm ci\`; installs \`etcd-server\` with apt if missing): \`${meta.get('command')}\`

### KV PUT throughput and latency

${table(putRows)}

### Time to a new leader after SIGKILL of the leader

From the kill until a survivor names another leader (\`/v1/status/leader\`; etcd: \`leader\` of
\`/v3/maintenance/status\`), polled every 20 ms; the killed server is then restarted on its data dir and the cluster
waited for (one leader, 3 voters) before the next round. The multiplier-1 rounds run on fresh clusters.

${table(foRows)}

### ${secs} s of 64-connection writes (raft_multiplier 5)

Every server is asked who leads every 100 ms. Muster's event-loop delay comes from \`bench/loop-probe.mjs\`, preloaded
into each Muster agent with \`NODE_OPTIONS=--import\` (\`perf_hooks.monitorEventLoopDelay\`, 10 ms resolution, reset at
the start of the window; the histogram holds whole timer intervals, so 10 ms is taken off each value), and from the
agent's own gauge \`runtime.event_loop_delay_max_ms\` (the longest interval of its own 10 ms monitor in each second, read
from \`/v1/agent/metrics\` once a second; it still includes those 10 ms). Consul is Go: no event loop; etcd was not run here.

${table(stabRows)}
`;

console.log(section);

if (writePath) writeSection(writePath, SECTION, section);
