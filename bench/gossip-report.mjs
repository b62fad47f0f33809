// Formats bench/gossip.sh results as Markdown and, with --write FILE, replaces (or appends) the
// section "## Gossip between real agents (issue 5)" of FILE, creating FILE with a short header
// if it is missing.
//   node bench/gossip-report.mjs RESULTS.tsv [--write BENCHMARKS.md]
// RESULTS.tsv: as lib.mjs readResults reads it. Per pool size N and target: nN_detect_first_ms,
// nN_detect_last_ms, nN_join_first_ms, nN_join_last_ms, nN_join_all_ms (one value per round),
// nN_detect_timeouts, nN_join_timeouts (0 or 1 per round), and per quiet period P (quiet, load):
// nN_P_polls, _errors, _failed_members, _failed_pairs, _failed_samples, _other_samples,
// _max_poll_ms, _log_failed, _log_suspect, _log_refute.
import { int, median, readResults, reportArgs, writeSection } from './lib.mjs';

const SECTION = '## Gossip between real agents (issue 5)';

const { resultsPath, writePath } = reportArgs('gossip-report.mjs');
const { values, meta } = readResults(resultsPath);
const ran = new Set((meta.get('targets') ?? 'consul muster').split(/[ ,]+/).filter(Boolean));
const sizes = (meta.get('sizes') ?? '5,10').split(',').map(Number);
const rounds = Number(meta.get('rounds') ?? 5);
const hogs = meta.get('hogs') ?? '4';
const quietS = Number(meta.get('quiet') ?? 60);
const loadPhase = meta.get('load_phase') !== '0';

const list = (t, metric) => values[t]?.get(metric) ?? [];
const sum = (l) => l.reduce((a, b) => a + b, 0);
const seconds = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);
const ratioText = (r) => `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;

/** Median and max cells of one time metric, with the rounds that timed out in bold. */
function timeCells(t, metric, timeoutMetric) {
  if (!ran.has(t)) return ['–', '–'];
  const l = list(t, metric);
  const timeouts = timeoutMetric ? sum(list(t, timeoutMetric)) : 0;
  const note = timeouts ? ` (**${timeouts} of ${rounds} rounds timed out**)` : '';
  if (l.length === 0) return [`–${note}`, '–'];
  return [seconds(median(l)) + note, seconds(Math.max(...l))];
}

function timeTable() {
  const rows = [
    ['SIGKILLed member: the first agent lists it failed', 'detect_first_ms', 'detect_timeouts'],
    ['SIGKILLed member: every other agent lists it failed', 'detect_last_ms', 'detect_timeouts'],
    ['newcomer: the first old agent lists it alive', 'join_first_ms', 'join_timeouts'],
    ['newcomer: every old agent lists it alive', 'join_last_ms', 'join_timeouts'],
    ['newcomer: that, and it lists every old agent alive', 'join_all_ms', 'join_timeouts'],
  ];
  const out = [
    '| measurement | agents | Consul median | Consul max | Muster median | Muster max | Muster/Consul, medians (< 1: Muster faster) |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [label, metric, timeoutMetric] of rows) {
    for (const n of sizes) {
      const m = `n${n}_${metric}`;
      const c = median(list('consul', m));
      const u = median(list('muster', m));
      const ratio = c > 0 && u > 0 ? ratioText(u / c) : '–';
      const cells = [...timeCells('consul', m, `n${n}_${timeoutMetric}`), ...timeCells('muster', m, `n${n}_${timeoutMetric}`)];
      out.push(`| ${label} | ${n} | ${cells.join(' | ')} | ${ratio} |`);
    }
  }
  return out.join('\n');
}

/** What one target saw during one quiet period (sums over the runs; one run per size). */
function quietCell(t, n, p) {
  if (!ran.has(t)) return '–';
  const get = (k) => sum(list(t, `n${n}_${p}_${k}`));
  const polls = list(t, `n${n}_${p}_polls`);
  if (polls.length === 0) return '–';
  const failed = get('failed_members');
  const main = failed
    ? `**${int(failed)} member${failed === 1 ? '' : 's'} shown failed** (${int(get('failed_pairs'))} agent/member pairs, ${int(get('failed_samples'))} samples)`
    : 'none failed';
  const errors = get('errors');
  const extra = [
    `${int(get('polls'))} polls`,
    errors ? `**${int(errors)} poll errors**` : undefined,
    `slowest poll ${int(Math.max(...list(t, `n${n}_${p}_max_poll_ms`)))} ms`,
  ].filter(Boolean);
  return `${main}; ${extra.join(', ')}`;
}

function logCell(t, n, p) {
  if (!ran.has(t) || list(t, `n${n}_${p}_polls`).length === 0) return '–';
  const get = (k) => int(sum(list(t, `n${n}_${p}_log_${k}`)));
  return `${get('failed')} / ${get('suspect')} / ${get('refute')}`;
}

function quietTable() {
  const periods = [['quiet', `${quietS} s, all agents up`]];
  if (loadPhase) periods.push(['load', `${quietS} s, the last agent and ${hogs} busy loops on one core`]);
  const out = ['| period | agents | Consul | Muster |', '|---|---:|---|---|'];
  for (const [p, label] of periods) {
    for (const n of sizes) {
      out.push(`| ${label}: members shown failed | ${n} | ${quietCell('consul', n, p)} | ${quietCell('muster', n, p)} |`);
      out.push(`| ${label}: log lines failed / suspect / refute | ${n} | ${logCell('consul', n, p)} | ${logCell('muster', n, p)} |`);
    }
  }
  return out.join('\n');
}

const versions = [
  meta.has('consul_version') ? `Consul ${meta.get('consul_version')}` : undefined,
  meta.has('muster_version') ? `Muster ${meta.get('muster_version')}` : undefined,
  `Node ${meta.get('node')}`,
].filter(Boolean).join(', ');

const quietText = quietS > 0 ? `### False positives

Every agent's \`/v1/agent/members\` polled every ${meta.get('poll_ms') ?? 100} ms for the whole period; a member that any agent
shows as failed (Status 4) while nobody failed is a false positive. Under load, the last agent (all its threads) and ${hogs}
busy loops (\`sh -c 'while :; do :; done'\`, bounded by \`timeout\`) are pinned with \`taskset\` to the machine's last core:
Lifeguard's case of a slow member. Log lines counted in all agents' logs during the period: \`EventMemberFailed\`,
memberlist's \`Suspect ... has failed\` / \`Marking ... as failed\`, and \`Refuting\`.

${quietTable()}
` : '';

const section = `${SECTION}

Consul and Muster, each as a pool of real agents on this machine with the default LAN gossip timing (no \`-dev\`, which
shortens it: probe every 1 s, probe timeout 500 ms, suspicion multiplier 4, gossip every 200 ms to 3 members, push/pull
every 30 s). Agent 1 runs \`-server -bootstrap\`, the others are clients started with \`-retry-join\` to it, each with its own
\`-data-dir\` and \`-bind\`/\`-client\` on its own loopback address (127.0.0.100 on, default ports); one pool at a time (Consul's,
then Muster's, for each size), watched through every agent's \`/v1/agent/members\` (polled every ${meta.get('poll_ms') ?? 100} ms, so times are
±${meta.get('poll_ms') ?? 100} ms). Detection: a client (each in turn) is killed with SIGKILL; time from the kill until the first, and until
every other agent, lists it failed; it then restarts with the same name and data dir and the pool converges again. Join: a
new client (fresh name and data dir) joins through agent 2 (\`PUT /v1/agent/join\`); time from that request until the first
and every old agent lists it alive; it then leaves. ${rounds} round${rounds === 1 ? '' : 's'} of each (joins watched every ${meta.get('join_poll_ms') ?? 20} ms); **times: lower is better**, and the ratio is
Muster/Consul of the medians, so **< 1 means Muster is faster** (unlike the throughput sections above).
Goal (issue 5): detection and convergence at least as fast as Consul's, with no more false positives.

- Date: ${meta.get('date')}
- Machine: ${meta.get('nproc')} cores (${meta.get('cpu')}), ${meta.get('mem')}, ${meta.get('os')}; load average ${meta.get('load')}
- Versions: ${versions}
- Settings: ${meta.get('settings')}
- Repeat (repo root, after \`npm ci\`): \`${meta.get('command')}\`

### Detection and join

${timeTable()}

${quietText}`;

console.log(section);

if (writePath) writeSection(writePath, SECTION, section);
