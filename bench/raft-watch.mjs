// The watcher of bench/raft-cluster.sh: asks the servers of one cluster who leads and prints one
// JSON line. Every wait is bounded.
//
//   node bench/raft-watch.mjs leader --kind K [--deadline-s 60] URL...
//       until every URL names the same leader → {"leader","url","ms"} (url: the URL whose server leads)
//   node bench/raft-watch.mjs failover --kind K --pid PID --old LEADER [--deadline-s 60] URL...
//       sends SIGKILL to PID (the leader's process) at T0, then polls the survivors (URL...) until
//       one names a leader other than LEADER → {"ms","by","leader"} (ms from the kill)
//   node bench/raft-watch.mjs stability --kind K --seconds S [--metrics URL] URL...
//       S seconds of polling every URL; counts, per server, how often the leader it names changes
//       → {"polls","errors","changes","leaderless","leaders":[...],"gauge_max_ms","gauge_p99_ms"}
//       (--metrics: that agent's /v1/agent/metrics once a second, its gauge
//       runtime.event_loop_delay_max_ms: the loop's largest delay in each second)
// K is consul (GET /v1/status/leader, the leader's "IP:port") or etcd (POST
// /v3/maintenance/status through the gateway: "leader", and "header.member_id" to tell which URL
// leads). Options: --poll-ms [20 for failover, 100 otherwise], --timeout-ms [1000] (one request).
// Exit 0 when the condition held, 3 when the deadline passed (the JSON line says what was seen),
// 2 on bad arguments.
import http from 'node:http';
import { errorText, request } from './lib.mjs';

const USAGE = 'usage: node bench/raft-watch.mjs leader|failover|stability --kind consul|etcd [options] URL...';
const GAUGE = 'consul.runtime.event_loop_delay_max_ms';
const METRICS_INTERVAL_MS = 1000;

function usage(msg) {
  console.error(`raft-watch: ${msg}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const o = { urls: [] };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith('--')) o.urls.push(a.replace(/\/+$/, ''));
    else if (i + 1 >= rest.length) usage(`${a} needs a value`);
    else o[a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = rest[++i];
  }
  if (!['leader', 'failover', 'stability'].includes(command)) usage(`unknown command '${command ?? ''}'`);
  if (!['consul', 'etcd'].includes(o.kind)) usage('--kind must be consul or etcd');
  if (o.urls.length === 0) usage('no server URL given');
  const num = (key, dflt) => {
    const v = o[key] === undefined ? dflt : Number(o[key]);
    if (!Number.isFinite(v) || v < 0) usage(`--${key} must be a number`);
    return v;
  };
  if (command === 'failover' && (!o.old || !(num('pid', 0) > 0))) usage('failover needs --pid and --old');
  return {
    command, kind: o.kind, urls: o.urls, old: o.old, pid: num('pid', 0), metrics: o.metrics?.replace(/\/+$/, ''),
    deadlineS: num('deadlineS', 60), seconds: num('seconds', 60),
    pollMs: num('pollMs', command === 'failover' ? 20 : 100), timeoutMs: num('timeoutMs', 1000),
  };
}

const opts = parseArgs(process.argv.slice(2));
const agents = new Map(opts.urls.map((u) => [u, new http.Agent({ keepAlive: true, maxSockets: 1 })]));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** {leader, self} as URL's server sees it; leader '' when it knows none. Rejects on errors. */
async function ask(url) {
  const agent = agents.get(url) ?? new http.Agent({ keepAlive: true, maxSockets: 1 });
  if (opts.kind === 'consul') {
    const r = await request(agent, url, 'GET', '/v1/status/leader', undefined, opts.timeoutMs);
    if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
    return { leader: JSON.parse(r.body), self: new URL(url).hostname };
  }
  const r = await request(agent, url, 'POST', '/v3/maintenance/status', Buffer.from('{}'), opts.timeoutMs);
  if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
  const j = JSON.parse(r.body);
  const leader = j.leader && j.leader !== '0' ? String(j.leader) : '';
  return { leader, self: String(j.header?.member_id ?? '') };
}

/** Whether `leader` (as ask() names it) is the server behind `url` (whose ask().self is `self`). */
function leads(leader, self) {
  if (opts.kind === 'etcd') return leader !== '' && leader === self;
  return leader.split(':')[0] === self;
}

async function leaderCmd() {
  const t0 = performance.now();
  const end = t0 + opts.deadlineS * 1000;
  let last = [];
  while (performance.now() < end) {
    last = await Promise.all(opts.urls.map((u) => ask(u).then((r) => ({ u, ...r }), (e) => ({ u, error: errorText(e) }))));
    const names = new Set(last.map((r) => r.leader));
    if (names.size === 1 && !last[0].error && last[0].leader) {
      const at = last.find((r) => leads(r.leader, r.self));
      if (at) return { code: 0, out: { leader: at.leader, url: at.u, ms: Math.round(performance.now() - t0) } };
    }
    await sleep(opts.pollMs);
  }
  return { code: 3, out: { leader: null, seen: last } };
}

async function failoverCmd() {
  const t0 = performance.now();
  process.kill(opts.pid, 'SIGKILL');
  const end = t0 + opts.deadlineS * 1000;
  const found = await new Promise((resolve) => {
    let done = false;
    const loop = async (u) => {
      while (!done && performance.now() < end) {
        const r = await ask(u).catch(() => undefined);
        if (r && r.leader && r.leader !== opts.old && !done) {
          done = true;
          resolve({ ms: Math.round((performance.now() - t0) * 10) / 10, by: u, leader: r.leader });
        }
        await sleep(opts.pollMs);
      }
      if (!done) resolve(undefined);
    };
    for (const u of opts.urls) void loop(u);
  });
  return found ? { code: 0, out: found } : { code: 3, out: { ms: null, deadline_s: opts.deadlineS } };
}

async function stabilityCmd() {
  const end = performance.now() + opts.seconds * 1000;
  let polls = 0;
  let errors = 0;
  let leaderless = 0;
  const leaders = new Set();
  const changes = new Map(opts.urls.map((u) => [u, 0]));
  const gauge = [];
  const watchOne = async (u) => {
    let prev;
    while (performance.now() < end) {
      const r = await ask(u).catch(() => undefined);
      polls++;
      if (!r) errors++;
      else if (!r.leader) leaderless++;
      else {
        leaders.add(r.leader);
        if (prev !== undefined && r.leader !== prev) changes.set(u, changes.get(u) + 1);
        prev = r.leader;
      }
      await sleep(opts.pollMs);
    }
  };
  const watchMetrics = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (opts.metrics && performance.now() < end) {
      const next = performance.now() + METRICS_INTERVAL_MS;
      const r = await request(agent, opts.metrics, 'GET', '/v1/agent/metrics', undefined, opts.timeoutMs).catch(() => undefined);
      const g = r?.status === 200 ? JSON.parse(r.body).Gauges?.find((x) => x.Name === GAUGE) : undefined;
      if (g) gauge.push(g.Value);
      await sleep(Math.max(0, next - performance.now()));
    }
  };
  await Promise.all([...opts.urls.map(watchOne), watchMetrics()]);
  const sorted = [...gauge].sort((a, b) => a - b);
  return {
    code: 0,
    out: {
      polls, errors, leaderless, changes: Math.max(...changes.values()), leaders: [...leaders],
      gauge_samples: sorted.length,
      gauge_max_ms: sorted.length ? sorted[sorted.length - 1] : null,
      gauge_p99_ms: sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] : null,
    },
  };
}

const run = { leader: leaderCmd, failover: failoverCmd, stability: stabilityCmd }[opts.command];
const { code, out } = await run();
console.log(JSON.stringify(out));
for (const a of agents.values()) a.destroy();
process.exit(code);
