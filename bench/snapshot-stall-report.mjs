// Formats bench/snapshot-stall.sh results as Markdown and, with --write FILE, replaces (or
// appends) the section "## Snapshots of a large store (issue 6)" of FILE.
//   node bench/snapshot-stall-report.mjs RESULTS.tsv [--write BENCHMARKS.md]
// RESULTS.tsv: as lib.mjs readResults reads it; per round: save_ms, save_stall_ms, restore_ms,
// restore_stall_ms, archive_mb.
import { int, readResults, reportArgs, writeSection } from './lib.mjs';

const SECTION = '## Snapshots of a large store (issue 6)';
const { resultsPath, writePath } = reportArgs('snapshot-stall-report.mjs');
const { values, meta } = readResults(resultsPath);
const list = (k) => values.muster?.get(k) ?? [];
const span = (k, digits) => {
  const l = list(k);
  return l.length === 0 ? '–' : `${Math.min(...l).toFixed(digits)}–${Math.max(...l).toFixed(digits)}`;
};
const worst = Math.max(...list('save_stall_ms'), ...list('restore_stall_ms'));

const section = `${SECTION}

A server's state store with ${int(Number(meta.get('keys')))} keys (32-byte values) is saved as a snapshot archive
and installed into a second server by the servers' snapshot endpoint (what \`/v1/snapshot\` calls; the archive
streamed in 64 KiB chunks, each applied as a log entry), in one process; each round a fresh one (\`src/server/snapshot-endpoint.test.ts\`, the large-store test). The stall is the
longest event-loop delay Node's \`monitorEventLoopDelay\` saw meanwhile (5 ms resolution; garbage collection
included). Goal (issue 6): never more than 50 ms at a time. No peer: Consul saves and restores on goroutines
beside its request handlers, so it has no such figure.

- Date: ${meta.get('date')}
- Machine: ${meta.get('nproc')} cores (${meta.get('cpu')}), ${meta.get('mem')}, ${meta.get('os')}; load average ${meta.get('load')}
- Versions: Muster ${meta.get('muster_version')}, Node ${meta.get('node')}
- Repeat (repo root, after \`npm ci\`): \`${meta.get('command')}\`

| ${meta.get('rounds')} round(s) | time (min–max) | longest event-loop stall (min–max) |
|---|---:|---:|
| save (archive ${span('archive_mb', 1)} MB) | ${span('save_ms', 0)} ms | ${span('save_stall_ms', 1)} ms |
| restore | ${span('restore_ms', 0)} ms | ${span('restore_stall_ms', 1)} ms |

Worst stall of the run: ${worst.toFixed(1)} ms (${worst <= 50 ? 'within' : '**over**'} the 50 ms goal).
`;

process.stdout.write(section);
if (writePath) writeSection(writePath, SECTION, section);
