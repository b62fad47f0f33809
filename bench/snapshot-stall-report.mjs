// Formats bench/snapshot-stall.sh results as Markdown and, with --write FILE, replaces (or
// appends) the section "## Snapshots of a large store (issue 6)" of FILE.
//   node bench/snapshot-stall-report.mjs RESULTS.tsv [--write BENCHMARKS.md]
// RESULTS.tsv: as lib.mjs readResults reads it; per in-process round: save_ms, save_stall_ms,
// restore_ms, restore_stall_ms, archive_mb; per real-server round: srv_restore_ms,
// srv_restore_stall, srv_save_ms, srv_save_stall, srv_read_ms, srv_read_stall, srv_install_ms, srv_send_stall,
// srv_install_stall, srv_fwd_read_ms, srv_fwd_read_stall_a, srv_fwd_read_stall_b.
import { int, readResults, reportArgs, writeSection } from './lib.mjs';

const SECTION = '## Snapshots of a large store (issue 6)';
const { resultsPath, writePath } = reportArgs('snapshot-stall-report.mjs');
const { values, meta } = readResults(resultsPath);
const list = (k) => values.muster?.get(k) ?? [];
const span = (k, digits) => {
  const l = list(k);
  return l.length === 0 ? '–' : `${Math.min(...l).toFixed(digits)}–${Math.max(...l).toFixed(digits)}`;
};
const stallKeys = ['save_stall_ms', 'restore_stall_ms', 'srv_restore_stall', 'srv_save_stall', 'srv_send_stall', 'srv_install_stall'];
const worst = Math.max(...stallKeys.flatMap(list));
const keys = int(Number(meta.get('keys')));
const processTable =
  list('save_ms').length === 0
    ? ''
    : `
In one process (${list('save_ms').length} round(s), each a fresh process; \`src/server/snapshot-endpoint.test.ts\`, the large-store test): a
server's state store with ${keys} keys (32-byte values) is saved as a snapshot archive and installed into a second
server by the servers' snapshot endpoint (what \`/v1/snapshot\` calls; the archive streamed in 64 KiB chunks, each
applied as a log entry). The stall is the longest event-loop delay Node's \`monitorEventLoopDelay\` saw meanwhile
(5 ms resolution).

| in one process | time (min–max) | longest event-loop stall (min–max) |
|---|---:|---:|
| save (archive ${span('archive_mb', 1)} MB) | ${span('save_ms', 0)} ms | ${span('save_stall_ms', 1)} ms |
| restore | ${span('restore_ms', 0)} ms | ${span('restore_stall_ms', 1)} ms |
`;
const serverTable =
  list('srv_restore_ms').length === 0
    ? ''
    : `
Real servers (${list('srv_restore_ms').length} round(s), each on fresh data dirs): server A alone (\`-bootstrap\`, durable data dir) on
127.0.0.170 is given an archive of the same ${keys} keys, saved, and then joined by server B on 127.0.0.171; both run
with \`raft_trailing_logs = 64\`, so B can only catch up from A's Raft snapshot. The delay is each agent's own
\`monitorEventLoopDelay\` (\`bench/loop-probe.mjs\`, preloaded; 10 ms resolution, 10 ms taken off), restarted at the
start of each phase; B's starts once B answers HTTP, so its start-up is not in it.

| real servers | time (min–max) | longest event-loop stall (min–max) |
|---|---:|---:|
| A: \`muster snapshot restore\` (ends with A's own Raft snapshot of the 1M keys) | ${span('srv_restore_ms', 0)} ms | ${span('srv_restore_stall', 1)} ms |
| A: \`muster snapshot save\` | ${span('srv_save_ms', 0)} ms | ${span('srv_save_stall', 1)} ms |
| A: one \`GET /v1/kv/?recurse\` of the whole store (not a snapshot; kept out of the worst figure below) | ${span('srv_read_ms', 0)} ms | ${span('srv_read_stall', 1)} ms |
| B joins A: A sends its Raft snapshot | ${span('srv_install_ms', 0)} ms | ${span('srv_send_stall', 1)} ms |
| B joins A: B receives and installs it | (the same) | ${span('srv_install_stall', 1)} ms |
| B: the same \`GET /v1/kv/?recurse\`, forwarded to A over RPC (list parts; not a snapshot, kept out of the worst figure): A | ${span('srv_fwd_read_ms', 0)} ms | ${span('srv_fwd_read_stall_a', 1)} ms |
| the forwarded read: B | (the same) | ${span('srv_fwd_read_stall_b', 1)} ms |
`;

const section = `${SECTION}

The longest event-loop stall while a server takes or installs a snapshot of a large store. Goal (issue 6): never more
than 50 ms at a time. Garbage collection is included, and so is the machine's descheduling of the process. No peer:
Consul saves and restores on goroutines beside its request handlers, so it has no such figure.

- Date: ${meta.get('date')}
- Machine: ${meta.get('nproc')} cores (${meta.get('cpu')}), ${meta.get('mem')}, ${meta.get('os')}; load average ${meta.get('load')}
- Versions: Muster ${meta.get('muster_version')}, Node ${meta.get('node')}
- Repeat (repo root, after \`npm ci\`): \`${meta.get('command')}\`
${processTable}${serverTable}
Worst stall of the run: ${worst.toFixed(1)} ms (${worst <= 50 ? 'within' : '**over**'} the 50 ms goal).
`;

process.stdout.write(section);
if (writePath) writeSection(writePath, SECTION, section);
