// Formats bench/dns.sh results as Markdown and, with --write FILE, replaces (or appends) the
// section "## DNS (issue 4)" of FILE, creating FILE with a short header if it is missing.
//   node bench/dns-report.mjs RESULTS.tsv [--write BENCHMARKS.md]
// RESULTS.tsv: as bench/kv-report.mjs reads it (lib.mjs readResults), with a third target,
// dnsmasq. Per workload W (node, service, srv): W_qps, W_lat_us, W_lost, W_errors (one value per
// run; the median is shown) and W_answers, W_bytes, W_tc from the probe's dig.
import { fmt, int, readResults, writeSection, reportArgs } from './lib.mjs';

const SECTION = '## DNS (issue 4)';
const NAMES = { consul: 'Consul', muster: 'Muster', dnsmasq: 'dnsmasq' };

const { resultsPath, writePath } = reportArgs('dns-report.mjs');

const { meta, get } = readResults(resultsPath);
const ran = new Set((meta.get('targets') ?? 'consul muster dnsmasq').split(/[ ,]+/).filter(Boolean));
const columns = ['consul', 'muster', 'dnsmasq'].filter((t) => ran.has(t));
const peers = ran.has('muster') ? columns.filter((t) => t !== 'muster') : [];
const nodes = Number(meta.get('nodes') ?? 100);
const instances = Number(meta.get('instances') ?? 10);
const edns = meta.get('edns') !== '0';

const ratioText = (r) => `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;

/** A cell: the value, "–" when missing, and the count of non-NOERROR answers in bold if any. */
function cell(target, metric, unit, errMetric) {
  const errs = errMetric ? get(target, errMetric) : 0;
  const note = errs ? ` (**${int(errs)} errors**)` : '';
  if (unit === 'answer') {
    const answers = get(target, `${metric}_answers`);
    const bytes = get(target, `${metric}_bytes`);
    if (answers === undefined || bytes === undefined) return '–';
    return `${int(answers)} record${answers === 1 ? '' : 's'}, ${int(bytes)} B${get(target, `${metric}_tc`) ? ', TC' : ''}`;
  }
  const v = get(target, metric);
  if (v === undefined || Number.isNaN(v)) return `–${note}`;
  return fmt[unit](v) + note;
}

/**
 * rows: [label, metric, unit, better, errors metric?]; better 'higher' → ratio Muster/peer,
 * 'lower' → peer/Muster, 'none' → no ratio.
 */
function table(rows) {
  const head = ['measurement', ...columns.map((t) => NAMES[t]), ...peers.map((p) => `Muster/${NAMES[p]} (>1: Muster better)`)];
  const out = [`| ${head.join(' | ')} |`, `|---|${head.slice(1).map(() => '---:').join('|')}|`];
  for (const [label, metric, unit, better, errMetric] of rows) {
    const cells = columns.map((t) => cell(t, metric, unit, errMetric));
    const m = get('muster', metric);
    const ratios = peers.map((p) => {
      const v = get(p, metric);
      if (better === 'none' || !(v > 0 && m > 0)) return '–';
      return ratioText(better === 'higher' ? m / v : v / m);
    });
    out.push(`| ${label} | ${[...cells, ...ratios].join(' | ')} |`);
  }
  return out.join('\n');
}

const workloads = [
  ['node', `Node lookups: \`node-N.node.consul A\`, cycling over the ${int(nodes)} nodes`],
  ['service', `Service lookups: \`web.service.consul A\`, ${int(instances)} healthy instances`],
  ['srv', `SRV lookups: \`web.service.consul SRV\`, ${int(instances)} healthy instances`],
];
const workloadTables = workloads.map(([w, title]) => `### ${title}

${table([
    ['queries/s', `${w}_qps`, 'count', 'higher', `${w}_errors`],
    ['average latency', `${w}_lat_us`, 'us', 'lower', `${w}_errors`],
    ['lost queries', `${w}_lost`, 'count', 'none'],
    ['reply to one query (dig)', w, 'answer', 'none'],
  ])}
`);

const memoryTable = table([
  ['RSS with the catalog, before the load (settled)', 'rss_idle', 'kib', 'lower'],
  ['RSS after the three workloads (settled)', 'rss_loaded', 'kib', 'lower'],
  ['Peak RSS (VmHWM)', 'rss_peak', 'kib', 'lower'],
]);

const versions = [
  meta.has('consul_version') ? `Consul ${meta.get('consul_version')}` : undefined,
  meta.has('muster_version') ? `Muster ${meta.get('muster_version')}` : undefined,
  meta.has('dnsmasq_version') ? `dnsmasq ${meta.get('dnsmasq_version')}` : undefined,
  `dnsperf ${meta.get('dnsperf')}`,
  `Node ${meta.get('node')}`,
].filter(Boolean).join(', ');

const ednsText = edns
  ? `Queries carry EDNS0 with a 4096-byte UDP size (\`dnsperf -e\`), so every target answers all ${int(instances)} instances
(\`BENCH_EDNS=0\` sends plain 512-byte queries: Consul then answers at most 3 records, its
\`dns_config.udp_answer_limit\`, and dnsmasq all of them with as many additionals as fit).`
  : `Queries carry no EDNS (512-byte UDP, as glibc's stub resolver sends): Consul answers at most 3 records, A or SRV
(its \`dns_config.udp_answer_limit\`), dnsmasq all of them with as many additionals as fit in 512 bytes.`;

const section = `${SECTION}

Consul and Muster run \`agent -dev\` (in-memory) with their default DNS settings, dnsmasq answers the same names from a hosts
file and \`--srv-host\` lines; each listens on its own loopback address, all started by the script in the same run. Both agents
hold the same catalog, registered with \`PUT /v1/catalog/register\`: ${int(nodes)} nodes \`node-N\` (127.1.0.N) and ${int(instances)} instances of
\`web\` on ${int(instances)} of them, each with one passing check and no address of its own (SRV targets are \`node-N.node.dc1.consul\`,
with their A records as additionals). dnsperf sends from one socket with 100 queries outstanding. It takes about one of the
machine's cores, which the targets share, so figures are same-box ceilings (the C servers are probably limited by the client).
${ednsText} Query-rate ratio is Muster/peer; latency and memory ratios are peer/Muster: **> 1 means Muster is better**.
Goal (issue 4): well ahead of Consul and close to dnsmasq.

- Date: ${meta.get('date')}
- Machine: ${meta.get('nproc')} cores (${meta.get('cpu')}), ${meta.get('mem')}, ${meta.get('os')}; load average ${meta.get('load')}
- Versions: ${versions}
- Settings: ${meta.get('settings')}
- Repeat (repo root, after \`npm ci\`): \`${meta.get('command')}\`

${workloadTables.join('\n')}
### Memory

${memoryTable}

dnsperf 2.10 reports the average latency only (no percentiles). "Lost" are queries without a reply within 5 s; errors are
replies other than NOERROR. The reply sizes are those of one \`dig\` per workload before the load (Consul and Muster shuffle
the instances, which does not change the size). RSS is VmRSS (peak: VmHWM) of each target's process tree, from /proc.
`;

console.log(section);

if (writePath) writeSection(writePath, SECTION, section);
