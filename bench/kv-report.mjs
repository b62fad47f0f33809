// Formats bench/kv.sh results as Markdown and, with --write FILE, replaces (or appends) the
// section "## KV (issue 2)" of FILE, creating FILE with a short header if it is missing.
//   node bench/kv-report.mjs RESULTS.tsv [--write BENCHMARKS.md]
// RESULTS.tsv lines: "TARGET<TAB>METRIC<TAB>VALUE" (TARGET consul|muster; several values of
// one metric are runs, and the median is shown) and "meta<TAB>KEY<TAB>VALUE".
import { int, readResults, table, versionsLine, writeSection, reportArgs } from './lib.mjs';

const SECTION = '## KV (issue 2)';

const { resultsPath, writePath } = reportArgs('kv-report.mjs');

const { meta, get } = readResults(resultsPath);

// [label, metric, unit, better, errors metric]: better 'higher' → ratio Muster/Consul, 'lower' → Consul/Muster.
const rows = [['RSS idle (after start + settle)', 'rss_idle', 'kib', 'lower']];
for (const [op, what] of [['put', 'PUT 100 B, key varies'], ['get', 'GET one key']]) {
  for (const [c, conc] of [['c1', '-t1 -c1'], ['c64', '-t2 -c64']]) {
    const p = `${op}_${c}`;
    rows.push([`${what}, ${conc}: throughput`, `${p}_rps`, 'rps', 'higher', `${p}_errors`]);
    rows.push([`${what}, ${conc}: p50`, `${p}_p50_us`, 'us', 'lower', `${p}_errors`]);
    rows.push([`${what}, ${conc}: p99`, `${p}_p99_us`, 'us', 'lower', `${p}_errors`]);
  }
}
rows.push(['RSS after the PUT/GET runs', 'rss_loaded', 'kib', 'lower']);
const fillKeys = /fill (\d+) keys/.exec(meta.get('settings') ?? '')?.[1];
const fillLabel = fillKeys ? `${int(Number(fillKeys))} keys` : 'keys';
const inFlight = /(\d+) in flight/.exec(meta.get('settings') ?? '')?.[1] ?? '?';
rows.push([`Fill ${fillLabel} (${inFlight} in flight): throughput`, 'fill_rps', 'rps', 'higher', 'fill_errors']);
rows.push([`RSS with the ${fillLabel} (fresh agent + fill)`, 'rss_filled', 'kib', 'lower', 'fill_errors']);
rows.push(['Peak RSS (VmHWM) of the fill agent', 'rss_peak', 'kib', 'lower']);

const section = `${SECTION}

Both agents run \`agent -dev\` (in-memory Raft and state) on their own loopback address, started by the
script in the same run; wrk and both agents share the machine's cores, so figures are same-box ceilings.
Throughput ratio is Muster/Consul; latency and memory ratios are Consul/Muster: **> 1 means Muster is better**.

- Date: ${meta.get('date')}
- Machine: ${meta.get('nproc')} cores (${meta.get('cpu')}), ${meta.get('mem')}, ${meta.get('os')}; load average ${meta.get('load')}
- Versions: ${versionsLine(meta)}
- Settings: ${meta.get('settings')}
- Repeat (repo root, after \`npm ci\`): \`${meta.get('command')}\`

${table(rows, get)}

wrk does not correct for coordinated omission, so p99 under saturation (c64) is optimistic for both.
RSS is VmRSS (peak: VmHWM) of the agent's process tree, from /proc. The fill runs on freshly restarted
agents, so its RSS does not depend on how many writes each agent absorbed in the PUT runs (the -dev Raft
log is kept in memory).
`;

console.log(section);

if (writePath) writeSection(writePath, SECTION, section);
