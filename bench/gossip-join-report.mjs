// Formats bench/gossip-join.sh results as Markdown and, with --write FILE, replaces (or appends)
// the section "## Gossip: join spread, from the agents' logs (issue 5)" of FILE.
//   node bench/gossip-join-report.mjs RESULTS.tsv [--write BENCHMARKS.md]
// RESULTS.tsv: as lib.mjs readResults reads it. Per target, one value per round: join_first_ms,
// join_last_ms (rounds that finished), join_timeouts (0 or 1).
import { median, readResults, reportArgs, writeSection } from './lib.mjs';

const SECTION = "## Gossip: join spread, from the agents' logs (issue 5)";

const { resultsPath, writePath } = reportArgs('gossip-join-report.mjs');
const { values, meta } = readResults(resultsPath);
const ran = new Set((meta.get('targets') ?? 'consul muster').split(/[ ,]+/).filter(Boolean));
const size = meta.get('size') ?? '10';
const rounds = Number(meta.get('rounds') ?? 40);

const list = (t, metric) => values[t]?.get(metric) ?? [];
const quantile = (l, q) => [...l].sort((a, b) => a - b)[Math.min(l.length - 1, Math.floor(q * l.length))];
const ms = (n) => `${Math.round(n)} ms`;

function row(label, metric) {
  const cells = ['consul', 'muster'].map((t) => {
    const l = list(t, metric);
    if (!ran.has(t) || l.length === 0) return ['–', '–', '–', '–'];
    return [ms(median(l)), ms(quantile(l, 0.75)), ms(quantile(l, 0.9)), ms(Math.max(...l))];
  });
  const c = median(list('consul', metric));
  const m = median(list('muster', metric));
  const ratio = c !== undefined && m !== undefined && c > 0 ? `${(m / c).toFixed(2)}×` : '–';
  return `| ${label} | ${cells[0].join(' | ')} | ${cells[1].join(' | ')} | ${ratio} |`;
}

const timeouts = (t) => list(t, 'join_timeouts').reduce((a, b) => a + b, 0);
const section = `${SECTION}

Each product as a pool of ${size} real agents on this machine with the default LAN gossip timing (gossip every
200 ms to 3 members), one pool at a time; a newcomer joins through agent 2, ${rounds} times. Times come from each
old agent's own log line \`serf: EventMemberJoin: <newcomer>\` (UTC, milliseconds), measured from the join
request, so nothing polls the agents while they gossip. "One hop": the first old agent other than agent 2 (the
one joined through, which learns in the join's push/pull) to know; "every agent": the last one.
**Times: lower is better**; the ratio is Muster/Consul of the medians (< 1: Muster faster).

- Date: ${meta.get('date')}
- Machine: ${meta.get('nproc')} cores (${meta.get('cpu')}), ${meta.get('mem')}, ${meta.get('os')}; load average ${meta.get('load')}
- Versions: ${[meta.has('consul_version') ? `Consul ${meta.get('consul_version')}` : undefined, meta.has('muster_version') ? `Muster ${meta.get('muster_version')}` : undefined, `Node ${meta.get('node')}`].filter(Boolean).join(', ')}
- Rounds that timed out (not every agent knew within the deadline): Consul ${ran.has('consul') ? timeouts('consul') : '–'}, Muster ${ran.has('muster') ? timeouts('muster') : '–'}
- Repeat (repo root, after \`npm ci\`): \`${meta.get('command')}\`

| newcomer known by | Consul median | p75 | p90 | max | Muster median | p75 | p90 | max | Muster/Consul, medians |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${row('one hop: the first other old agent', 'join_first_ms')}
${row('every old agent', 'join_last_ms')}
`;

process.stdout.write(section);
if (writePath) writeSection(writePath, SECTION, section);
