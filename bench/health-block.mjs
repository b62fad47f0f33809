// Blocking-query fan-out: holds CONNS blocking queries
// GET /v1/health/service/SERVICE?index=<current>&wait=5m open from this one process (a
// keep-alive http.Agent with CONNS sockets), waits until the agent has accepted them all and gone
// idle (so every query is parked on its watch), then sets one passing instance's service check to
// critical (PUT /v1/catalog/register, on a separate socket) and times how long it takes until
// every query has returned; each must return 200 with the X-Consul-Index of that write. ROUNDS
// rounds, each with a fresh http.Agent (no round reuses a socket the agent might be closing).
// Prints one JSON line per round.
//   node bench/health-block.mjs BASE CONNS ROUNDS SETTLE_S DEADLINE_S NODES PIDS [service=web] [rss_guard_mib=12288]
// PIDS: comma-separated process IDs of the agent's process tree. Their VmRSS (summed) is read
// while the queries are blocked, and VmHWM (reset through /proc/PID/clear_refs just before the
// write) after the fan-out. Memory guard: if during a fan-out the agent's RSS passes
// rss_guard_mib, or the machine's MemAvailable falls below 3 GiB, the agent is killed (SIGKILL:
// it would go on building the responses of closed connections) and the run stops there.
// Bodies are counted, never kept. Exit status: 0 if every round had every query return 200
// with the new index, 1 otherwise.
import http from 'node:http';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorText, request } from './lib.mjs';
import { checkBody, instanceOf } from './health-shape.mjs';

const args = process.argv.slice(2);
if (args.length < 7) {
  console.error('usage: node bench/health-block.mjs BASE CONNS ROUNDS SETTLE_S DEADLINE_S NODES PIDS [service] [rss_guard_mib]');
  process.exit(2);
}
const [base, connsArg, roundsArg, settleArg, deadlineArg, nodesArg, pidsArg, service = 'web', guardArg = '12288'] = args;
const conns = Number(connsArg);
const rounds = Number(roundsArg);
const settleMs = Number(settleArg) * 1000;
const deadlineMs = Number(deadlineArg) * 1000;
const nodes = Number(nodesArg);
const pids = pidsArg.split(',').filter(Boolean).map(Number);
const rssGuardKib = Number(guardArg) * 1024;
const memAvailableMinKib = 3 * 1024 * 1024;
const openBatch = 250; // requests sent at once while ramping up (keeps the listen backlog short)
const openTimeoutMs = 300_000; // bound on sending them all and waiting for the agent to hold them and go idle
const quietWindowMs = 1000; // the agent is idle when it used < quietCpuMs of CPU over this window
const quietCpuMs = 50;
const plainTimeoutMs = 120_000; // bound on the non-blocking reads (the ?passing list before and after a round)
const pollMs = 5; // how often a fan-out's progress and the memory guard are looked at
const url = new URL(base);
const path = `/v1/health/service/${service}`;
const clockTicksPerS = 100; // USER_HZ of /proc/PID/stat on Linux

// ---- /proc readings --------------------------------------------------------------------
function procKib(field) {
  let total = 0;
  for (const pid of pids) {
    try {
      const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      total += m ? Number(m[1]) : 0;
    } catch { /* the process is gone: counts 0 */ }
  }
  return total;
}
const fdCount = () => pids.reduce((n, pid) => { try { return n + readdirSync(`/proc/${pid}/fd`).length; } catch { return n; } }, 0);
/** User + system CPU time of the agent, ms. */
function agentCpuMs() {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
    } catch { /* gone */ }
  }
  return (ticks * 1000) / clockTicksPerS;
}
const clientCpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
function resetPeak() {
  try { for (const pid of pids) writeFileSync(`/proc/${pid}/clear_refs`, '5'); return true; } catch { return false; }
}
function memAvailableKib() {
  const m = /^MemAvailable:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) : Infinity;
}
const agentAlive = () => pids.some((pid) => { try { process.kill(pid, 0); return true; } catch { return false; } });

// ---- the queries ---------------------------------------------------------------------------
/** Sends one blocking query; `sent` resolves once it is on the wire, `q.endAt` is set when it has finished either way. */
function blockingQuery(agent, index) {
  const q = { status: 0, index: '', bytes: 0, endAt: -1, error: '' };
  let onSent;
  const sent = new Promise((resolve) => { onSent = resolve; });
  const finish = (error) => {
    if (q.endAt >= 0) return;
    q.endAt = performance.now();
    q.error = error;
    onSent();
  };
  const req = http.request({ host: url.hostname, port: url.port, method: 'GET', path: `${path}?index=${index}&wait=5m`, agent }, (res) => {
    q.status = res.statusCode;
    q.index = String(res.headers['x-consul-index'] ?? '');
    res.on('data', (c) => { q.bytes += c.length; });
    res.on('end', () => finish(''));
    res.on('error', (err) => finish(errorText(err)));
    res.on('aborted', () => finish('response aborted'));
  });
  req.on('error', (err) => finish(errorText(err)));
  req.on('finish', () => onSent());
  req.end();
  return { q, sent, req };
}

/** The ?passing list: its index and the IDs of the passing instances. */
async function passingNow(agent) {
  const res = await request(agent, base, 'GET', `${path}?passing`, undefined, plainTimeoutMs);
  if (res.status !== 200) throw new Error(`GET ${path}?passing: HTTP ${res.status}: ${res.body.slice(0, 200)}`);
  const list = JSON.parse(res.body);
  return { index: String(res.headers['x-consul-index'] ?? ''), count: list.length, ids: new Set(list.map((e) => e.Service.ID)) };
}

/** The first instance from number `from` on whose check is passing (so that setting it critical is a change). */
function firstPassing(ids, from) {
  for (let i = from; i < from + ids.size + nodes; i++) {
    const inst = instanceOf(i, nodes);
    if (ids.has(inst.id)) return inst;
  }
  throw new Error('no instance is passing');
}

/** Sends CONNS blocking queries in batches, then waits until the agent holds them all and is idle. */
async function openAll(agent, index, fdsBefore) {
  const started = performance.now();
  const queries = [];
  for (let i = 0; i < conns; i += openBatch) {
    const batch = [];
    for (let j = i; j < Math.min(conns, i + openBatch); j++) batch.push(blockingQuery(agent, index));
    queries.push(...batch);
    const left = openTimeoutMs - (performance.now() - started);
    if (left <= 0) break;
    await Promise.race([Promise.all(batch.map((b) => b.sent)), sleep(left, undefined, { ref: false })]);
  }
  let cpu = agentCpuMs();
  for (;;) {
    await sleep(quietWindowMs);
    const now = agentCpuMs();
    const accepted = fdCount() - fdsBefore >= conns;
    if ((accepted && now - cpu < quietCpuMs) || performance.now() - started > openTimeoutMs) break;
    cpu = now;
  }
  return { queries, openMs: performance.now() - started - quietWindowMs };
}

// ---- one round -------------------------------------------------------------------------
async function round(r) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: conns, maxFreeSockets: conns });
  const plain = new http.Agent({ keepAlive: true, maxSockets: 1 }); // the write must not queue behind the queries
  try {
    const before = await passingNow(plain).catch((err) => { throw new Error(`GET ${path}?passing before the round: ${errorText(err)}`); });
    const fdsBefore = fdCount();
    const { queries, openMs } = await openAll(agent, before.index, fdsBefore);
    await sleep(settleMs);
    const o = { r, before, queries, openMs, early: queries.filter((b) => b.q.endAt >= 0).length };
    o.rssBlockedKib = procKib('VmRSS');
    o.fds = fdCount() - fdsBefore;
    const peakReset = resetPeak();
    const inst = firstPassing(before.ids, r - 1);
    o.check = inst.id;
    const body = Buffer.from(JSON.stringify(checkBody(inst, service, 'critical')));
    const cpu = { agent: agentCpuMs(), client: clientCpuMs() };
    o.zero = performance.now();
    // The fan-out is timed from here whether or not the write's answer comes first.
    const write = request(plain, base, 'PUT', '/v1/catalog/register', body, deadlineMs).then(
      (res) => ({ ...res, ms: performance.now() - o.zero }),
      (err) => ({ status: 0, body: errorText(err), ms: performance.now() - o.zero }),
    );
    o.fanout = await waitAll(queries, o.zero);
    const answer = await write;
    o.writeMs = answer.ms;
    if (answer.status !== 200) o.writeError = `the write (PUT /v1/catalog/register): ${answer.status ? `HTTP ${answer.status}: ` : ''}${answer.body.slice(0, 200)}`;
    o.agentCpuMs = agentCpuMs() - cpu.agent;
    o.clientCpuMs = clientCpuMs() - cpu.client;
    o.peakKib = peakReset && !o.fanout.killed ? procKib('VmHWM') : o.fanout.peakKib;
    for (const b of queries) if (b.q.endAt < 0) b.req.destroy();
    o.after = o.fanout.killed ? { index: '', count: -1 } : await passingNow(plain).catch((err) => {
      throw new Error(`GET ${path}?passing after the fan-out: ${errorText(err)}`);
    });
    return summarize(o);
  } finally {
    agent.destroy();
    plain.destroy();
  }
}

/** Waits until every query has finished or the deadline passes; kills the agent if the memory guard trips. */
async function waitAll(queries, zero) {
  let aborted = '';
  let peakSampleKib = 0;
  let peakKib = 0;
  let killed = false;
  for (;;) {
    const pending = queries.filter((b) => b.q.endAt < 0).length;
    if (pending === 0) break;
    const rss = procKib('VmRSS');
    peakSampleKib = Math.max(peakSampleKib, rss);
    const at = `${((performance.now() - zero) / 1000).toFixed(1)} s after the write, ${pending} of ${conns} still open`;
    if (performance.now() - zero > deadlineMs) aborted = `deadline: ${at}`;
    else if (rss > rssGuardKib) aborted = `memory guard: agent RSS ${Math.round(rss / 1024)} MiB > ${rssGuardKib / 1024} MiB ${at}; agent killed`;
    else if (memAvailableKib() < memAvailableMinKib) aborted = `memory guard: MemAvailable < ${memAvailableMinKib / 1048576} GiB (agent RSS ${Math.round(rss / 1024)} MiB) ${at}; agent killed`;
    else if (!agentAlive()) aborted = `the agent exited ${at}`;
    if (aborted) {
      peakKib = Math.max(peakSampleKib, procKib('VmHWM'));
      if (aborted.startsWith('memory guard')) {
        for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        killed = true;
      }
      killed ||= !agentAlive();
      break;
    }
    await sleep(pollMs);
  }
  return { aborted, peakKib: peakKib || peakSampleKib, killed };
}

function summarize(o) {
  const all = o.queries.map((b) => b.q);
  const ends = all.filter((q) => q.endAt >= o.zero);
  // The write's index, read after the fan-out; if the agent is gone, any index above the one blocked on.
  const isNew = o.after.count >= 0 ? (i) => i === o.after.index : (i) => Number(i) > Number(o.before.index);
  const good = new Set(ends.filter((q) => !q.error && q.status === 200 && isNew(q.index)));
  const firstBad = all.find((q) => !good.has(q));
  const sorted = ends.map((q) => q.endAt - o.zero).sort((a, b) => a - b);
  const bytes = [...good].reduce((n, q) => n + q.bytes, 0);
  return {
    round: o.r, conns, check: o.check, indexBefore: o.before.index, indexAfter: o.after.index,
    openS: round1(o.openMs / 1000), early: o.early, returned: ends.length, good: good.size, errors: conns - good.size,
    firstMs: round1(sorted[0]), p50Ms: round1(sorted[Math.floor(conns / 2)]), allMs: ends.length === conns ? round1(sorted.at(-1)) : null,
    writeMs: round1(o.writeMs), bytesPerResponse: good.size ? Math.round(bytes / good.size) : 0,
    rssBlockedKib: o.rssBlockedKib, fdsBlocked: o.fds, peakFanoutKib: o.peakKib,
    agentCpuS: round1(o.agentCpuMs / 1000), clientCpuS: round1(o.clientCpuMs / 1000),
    passingBefore: o.before.count, passingAfter: o.after.count, aborted: o.fanout.aborted, killed: o.fanout.killed,
    firstError: [o.writeError, firstBad ? describe(firstBad, o) : ''].filter(Boolean).join('; '),
  };
}

function describe(q, o) {
  if (q.endAt < 0) return 'did not return';
  const when = q.endAt < o.zero ? 'before the write' : `${Math.round(q.endAt - o.zero)} ms after the write`;
  if (q.error) return `${q.error} (${when})`;
  const want = o.after.count >= 0 ? o.after.index : `> ${o.before.index}`;
  return `HTTP ${q.status}, X-Consul-Index ${q.index || '(none)'} (want ${want}) ${when}`;
}
const round1 = (n) => (n === undefined ? null : Math.round(n * 10) / 10);

let allGood = true;
for (let r = 1; r <= rounds; r++) {
  let result;
  try {
    result = await round(r);
  } catch (err) {
    result = { round: r, conns, errors: conns, firstError: errorText(err) };
  }
  allGood &&= result.errors === 0;
  console.log(JSON.stringify(result));
  if (result.aborted || result.killed || !agentAlive()) break; // the agent is spent: later rounds would measure the wreck
  if (r < rounds) await sleep(settleMs);
}
process.exitCode = allGood ? 0 : 1;
