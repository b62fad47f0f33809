// Formats bench/health.sh results as Markdown and, with --write FILE, replaces (or appends) the
// section "## Health (issue 3)" of FILE, creating FILE with a short header if it is missing.
//   node bench/health-report.mjs RESULTS.tsv [--write BENCHMARKS.md]
// RESULTS.tsv: as bench/kv-report.mjs reads it (lib.mjs readResults); the fan-out metrics of
// level N are named bN_* (one value per round), notes are meta keys note_<n>.
import { int, readResults, table, versionsLine, writeSection, reportArgs } from './lib.mjs';

const SECTION = '## Health (issue 3)';

const { resultsPath, writePath } = reportArgs('health-report.mjs');

const { values, meta, get: median } = readResults(resultsPath);
// Per level: errors are summed over the rounds; the RSS while blocked is round 1's (the agent is
// fresh then; later rounds also hold what the previous fan-out left behind); the peak is the
// highest of the rounds. Everything else is the median of the runs/rounds.
const get = (target, key) => {
  const list = values[target].get(key);
  if (/^b\d+_errors$/.test(key)) return list?.reduce((a, b) => a + b, 0);
  if (/^b\d+_rss_blocked$/.test(key)) return list?.[0];
  if (/^b\d+_rss_peak$/.test(key)) return list ? Math.max(...list) : undefined;
  return median(target, key);
};

const instances = Number(meta.get('instances') ?? 1000);
const nodes = Number(meta.get('nodes') ?? 100);
const levels = (meta.get('blockers') ?? '').split(',').filter(Boolean).map(Number);
const regConc = /registered (\d+) in flight/.exec(meta.get('settings') ?? '')?.[1] ?? '?';
const rounds = /median of (\d+) round/.exec(meta.get('settings') ?? '')?.[1] ?? '?';

// [label, metric, unit, better, errors metric]: better 'higher' → ratio Muster/Consul, 'lower' → Consul/Muster.
const rows = [
  [`Register ${int(instances)} instances (${int(nodes)} nodes, ${regConc} in flight): throughput`, 'register_rps', 'rps', 'higher'],
  [`RSS with the ${int(instances)} instances (fresh agent + register, settled)`, 'rss_registered', 'kib', 'lower'],
  [`Response of ?passing (${int(instances)} entries): size`, 'resp_bytes', 'bytes', 'none'],
];
for (const [c, conc] of [['c1', '-t1 -c1'], ['c64', '-t2 -c64']]) {
  const p = `get_${c}`;
  rows.push([`GET ?passing, ${conc}: throughput`, `${p}_rps`, 'rps', 'higher', `${p}_errors`]);
  rows.push([`GET ?passing, ${conc}: p50`, `${p}_p50_us`, 'us', 'lower', `${p}_errors`]);
  rows.push([`GET ?passing, ${conc}: p99`, `${p}_p99_us`, 'us', 'lower', `${p}_errors`]);
}
rows.push(['RSS after the GET runs', 'rss_loaded', 'kib', 'lower']);
for (const n of levels) {
  const p = `b${n}_`;
  const q = `${int(n)} blocking queries`;
  rows.push([`${q}: time to open them until the agent is idle`, `${p}open_s`, 's', 'lower']);
  rows.push([`${q}: RSS while they are blocked (round 1)`, `${p}rss_blocked`, 'kib', 'lower']);
  rows.push([`${q}: the write (one check → critical) answered after`, `${p}write_ms`, 'ms', 'lower']);
  rows.push([`${q}: write → first returned`, `${p}first_ms`, 'ms', 'lower']);
  rows.push([`${q}: write → half returned`, `${p}p50_ms`, 'ms', 'lower']);
  rows.push([`${q}: **write → all returned** with the new index`, `${p}all_ms`, 'ms', 'lower', `${p}errors`]);
  rows.push([`${q}: peak RSS during a fan-out (highest round)`, `${p}rss_peak`, 'kib', 'lower']);
  rows.push([`${q}: agent CPU time, write → all returned`, `${p}agent_cpu_s`, 's', 'lower']);
}

const notes = [...meta.entries()]
  .filter(([k]) => k.startsWith('note_'))
  .sort(([a], [b]) => Number(a.slice(5)) - Number(b.slice(5)))
  .map(([, v]) => `- ${v}`);

const section = `${SECTION}

Both agents run \`agent -dev\` (in-memory Raft and state) on their own loopback address, started by the
script in the same run; the load generators (wrk, the Node client) and both agents share the machine's
cores, so figures are same-box ceilings. Throughput ratio is Muster/Consul; time and memory ratios are
Consul/Muster: **> 1 means Muster is better**.

- Date: ${meta.get('date')}
- Machine: ${meta.get('nproc')} cores (${meta.get('cpu')}), ${meta.get('mem')}, ${meta.get('os')}; load average ${meta.get('load')}
- Versions: ${versionsLine(meta)}
- Settings: ${meta.get('settings')}
- Repeat (repo root, after \`npm ci\`): \`${meta.get('command')}\`

The catalog: ${int(instances)} instances of \`web\` on ${int(nodes)} nodes (${int(instances / nodes)} per node, as on container hosts run by
a scheduler; \`BENCH_NODES=${instances}\` gives one per node, as with one VM per instance), each registered with
\`PUT /v1/catalog/register\` with tags, meta and one passing service check. \`-dev\` indents every JSON reply
(Consul's DevMode), so responses are about twice their compact size. wrk and the Node client send no
\`Accept-Encoding\`, so neither agent compresses.

Blocking queries: one Node process holds N \`GET /v1/health/service/web?index=<current>&wait=5m\` (one
keep-alive connection each; both agents started with \`-hcl '${'limits { http_max_conns_per_client = 10000 }'}'\`, since
Consul's default of 200 connections per client IP would refuse the rest). Once the agent has accepted
them all and its CPU is idle (every query parked on its watch), and after the settle time, one passing
instance's check is set to critical with \`PUT /v1/catalog/register\` on another connection; "write → all
returned" is the time from sending that write until the last of the N responses has been read in full,
each a 200 carrying the write's \`X-Consul-Index\`. Each level runs on freshly restarted agents; ${rounds} rounds,
median shown; errors are summed over the rounds. RSS is VmRSS of the agent's process tree, read in round 1
(later rounds also carry what the previous fan-out left: neither Go nor V8 hands memory back at once);
the peak is VmHWM, reset through \`/proc/PID/clear_refs\` just before each write, highest round shown. A fan-out is stopped, and the agent
killed, if its RSS passes the memory guard or the machine's MemAvailable falls under 3 GiB.

${table(rows, get)}

wrk does not correct for coordinated omission, so p99 under saturation (c64) is optimistic for both.
${notes.length ? `\nSeen in this run:\n\n${notes.join('\n')}\n` : ''}`;

console.log(section);

if (writePath) writeSection(writePath, SECTION, section);
