// Formats bench/kv.sh results as Markdown and, with --write FILE, replaces (or appends) the
// section "## KV (issue 2)" of FILE, creating FILE with a short header if it is missing.
//   node bench/kv-report.mjs RESULTS.tsv [--write BENCHMARKS.md]
// RESULTS.tsv lines: "TARGET<TAB>METRIC<TAB>VALUE" (TARGET consul|muster; several values of
// one metric are runs, and the median is shown) and "meta<TAB>KEY<TAB>VALUE".
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const SECTION = '## KV (issue 2)';
const FILE_HEADER = `# Benchmarks

Performance figures for Muster, each measured side by side with a peer (the reference Consul)
in one run on the same machine, by a script in \`bench/\`. Ratios are Muster against the peer,
oriented so that **> 1 means Muster is better**. Re-run the command given in each section to
repeat a measurement; figures from different machines or runs are not comparable.
`;

const args = process.argv.slice(2);
const resultsPath = args[0];
const writeIdx = args.indexOf('--write');
const writePath = writeIdx >= 0 ? args[writeIdx + 1] : undefined;
if (!resultsPath || (writeIdx >= 0 && !writePath)) {
  console.error('usage: node bench/kv-report.mjs RESULTS.tsv [--write BENCHMARKS.md]');
  process.exit(2);
}

const values = { consul: new Map(), muster: new Map() };
const meta = new Map();
for (const line of readFileSync(resultsPath, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const [target, key, ...rest] = line.split('\t');
  const value = rest.join('\t');
  if (target === 'meta') meta.set(key, value);
  else if (values[target]) {
    const list = values[target].get(key) ?? [];
    list.push(Number(value));
    values[target].set(key, list);
  }
}

const median = (list) => {
  if (!list || list.length === 0) return undefined;
  const s = [...list].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const get = (target, key) => median(values[target].get(key));

const int = (n) => Math.round(n).toLocaleString('en-US');
const fmt = {
  rps: (n) => `${int(n)}/s`,
  us: (n) => (n < 1000 ? `${Math.round(n)} µs` : n < 1_000_000 ? `${(n / 1000).toFixed(2)} ms` : `${(n / 1_000_000).toFixed(2)} s`),
  kib: (n) => `${(n / 1024).toFixed(1)} MiB`,
  s: (n) => `${n.toFixed(1)} s`,
};

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

const cell = (target, metric, unit, errMetric) => {
  const v = get(target, metric);
  if (v === undefined || Number.isNaN(v)) return '–';
  const errs = errMetric ? get(target, errMetric) : 0;
  return fmt[unit](v) + (errs ? ` (**${int(errs)} errors**)` : '');
};

const table = ['| measurement | Consul | Muster | ratio (>1: Muster better) |', '|---|---:|---:|---:|'];
for (const [label, metric, unit, better, errMetric] of rows) {
  const c = get('consul', metric);
  const m = get('muster', metric);
  let ratio = '–';
  if (c > 0 && m > 0) ratio = `${(better === 'higher' ? m / c : c / m).toFixed(2)}×`;
  table.push(`| ${label} | ${cell('consul', metric, unit, errMetric)} | ${cell('muster', metric, unit, errMetric)} | ${ratio} |`);
}

const versions = [
  meta.has('consul_version') ? `Consul ${meta.get('consul_version')}` : undefined,
  meta.has('muster_version') ? `Muster ${meta.get('muster_version')}` : undefined,
  `Node ${meta.get('node')}`,
  `wrk ${meta.get('wrk')}`,
].filter(Boolean).join(', ');

const section = `${SECTION}

Both agents run \`agent -dev\` (in-memory Raft and state) on their own loopback address, started by the
script in the same run; wrk and both agents share the machine's cores, so figures are same-box ceilings.
Throughput ratio is Muster/Consul; latency and memory ratios are Consul/Muster: **> 1 means Muster is better**.

- Date: ${meta.get('date')}
- Machine: ${meta.get('nproc')} cores (${meta.get('cpu')}), ${meta.get('mem')}, ${meta.get('os')}; load average ${meta.get('load')}
- Versions: ${versions}
- Settings: ${meta.get('settings')}
- Repeat (repo root, after \`npm ci\`): \`${meta.get('command')}\`

${table.join('\n')}

wrk does not correct for coordinated omission, so p99 under saturation (c64) is optimistic for both.
RSS is VmRSS (peak: VmHWM) of the agent's process tree, from /proc. The fill runs on freshly restarted
agents, so its RSS does not depend on how many writes each agent absorbed in the PUT runs (the -dev Raft
log is kept in memory).
`;

console.log(section);

if (writePath) {
  let doc = existsSync(writePath) ? readFileSync(writePath, 'utf8') : FILE_HEADER;
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.trim() === SECTION);
  if (start < 0) {
    doc = `${doc.replace(/\n*$/, '')}\n\n${section}`;
  } else {
    let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
    if (end < 0) end = lines.length;
    const before = lines.slice(0, start).join('\n').replace(/\n*$/, '');
    const after = lines.slice(end).join('\n');
    doc = `${before}\n\n${section}${after ? `\n${after}` : ''}`;
  }
  writeFileSync(writePath, doc.replace(/\n*$/, '\n'));
}
