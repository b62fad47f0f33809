// The watcher of bench/gossip.sh: polls GET /v1/agent/members on every agent of a gossip pool
// (one keep-alive connection and one polling loop per agent, so a slow agent delays only its own
// samples) and prints one JSON line with what it saw. Every wait is bounded.
//
//   node bench/gossip-watch.mjs converge --names a,b,c [--deadline-s 60] URL...
//       until every URL lists every name alive (Status 1) → {"ms"}
//   node bench/gossip-watch.mjs status --member M --status 4 --since-ms T0 [--deadline-s 120] URL...
//       until every URL lists M with that status; times from T0 (epoch ms, e.g. the SIGKILL)
//       → {"first_ms","last_ms","first","last","seen","of"}
//   node bench/gossip-watch.mjs join --newcomer URL --via ADDR --member M --names a,b [--deadline-s 30] URL...
//       PUT NEWCOMER/v1/agent/join/ADDR at T0, then until every URL lists M alive and the
//       newcomer lists every name alive → {"first_ms","last_ms","first","last","newcomer_ms","all_ms"}
//   node bench/gossip-watch.mjs quiet --names a,b --seconds S URL...
//       S seconds of polling; every sample where an agent shows one of the names as anything
//       but alive → {"polls","errors","failed_members","failed_pairs","failed_samples",
//       "other_samples","max_poll_ms","events":[...first sighting per observer and member]}
// Common options: --poll-ms [100] (the pause between two polls of one agent), --timeout-ms
// [2000] (one request). Exit 0 when the condition held, 3 when the deadline passed (the JSON line
// still says what was seen), 2 on bad arguments.
import http from 'node:http';
import { errorText, request } from './lib.mjs';

const STATUS_ALIVE = 1;
const STATUS_FAILED = 4;
const USAGE = 'usage: node bench/gossip-watch.mjs converge|status|join|quiet [options] URL...';

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const opts = { urls: [] };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a.startsWith('--')) {
      if (i + 1 >= rest.length) usage(`${a} needs a value`);
      opts[a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = rest[++i];
    } else {
      opts.urls.push(a.replace(/\/+$/, ''));
    }
  }
  if (!['converge', 'status', 'join', 'quiet'].includes(command)) usage(`unknown command '${command ?? ''}'`);
  if (opts.urls.length === 0) usage('no agent URL given');
  const num = (key, dflt) => {
    const v = opts[key] === undefined ? dflt : Number(opts[key]);
    if (!Number.isFinite(v) || v < 0) usage(`--${key} must be a number`);
    return v;
  };
  return {
    command,
    urls: opts.urls,
    names: opts.names ? opts.names.split(',').filter(Boolean) : [],
    member: opts.member,
    status: num('status', STATUS_FAILED),
    sinceMs: num('sinceMs', Date.now()),
    deadlineS: num('deadlineS', command === 'join' ? 30 : command === 'status' ? 120 : 60),
    seconds: num('seconds', 60),
    pollMs: num('pollMs', 100),
    timeoutMs: num('timeoutMs', 2000),
    newcomer: opts.newcomer?.replace(/\/+$/, ''),
    via: opts.via,
  };
}

function usage(text) {
  console.error(`bench/gossip-watch.mjs: ${text}\n${USAGE}`);
  process.exit(2);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const agents = new Map();
const agentFor = (url) => {
  if (!agents.has(url)) agents.set(url, new http.Agent({ keepAlive: true, maxSockets: 1 }));
  return agents.get(url);
};

/** One poll of URL: Map name → Status, or an Error. */
async function members(url, timeoutMs) {
  try {
    const res = await request(agentFor(url), url, 'GET', '/v1/agent/members', undefined, timeoutMs);
    if (res.status !== 200) return new Error(`HTTP ${res.status}: ${res.body.slice(0, 200)}`);
    return new Map(JSON.parse(res.body).map((m) => [m.Name, m.Status]));
  } catch (err) {
    return new Error(errorText(err));
  }
}

/**
 * Polls every URL in its own loop until `done()` or `endMs` (epoch ms). onSample(url, result,
 * pollMs) sees every sample. Resolves true when done() held.
 */
async function pollAll(urls, opts, endMs, onSample, done) {
  let finished = false;
  const loop = async (url) => {
    while (!finished && Date.now() < endMs) {
      const started = Date.now();
      const result = await members(url, opts.timeoutMs);
      if (finished) return;
      onSample(url, result, Date.now() - started);
      if (done()) { finished = true; return; }
      await sleep(Math.max(0, Math.min(opts.pollMs, endMs - Date.now())));
    }
  };
  await Promise.all(urls.map(loop));
  finished = true;
  return done();
}

const host = (url) => new URL(url).hostname;
const print = (obj) => console.log(JSON.stringify(obj));

async function converge(o) {
  const t0 = Date.now();
  const ok = new Set();
  const last = new Map();
  const held = await pollAll(o.urls, o, t0 + o.deadlineS * 1000, (url, r) => {
    if (r instanceof Error) { last.set(url, r.message); return; }
    const missing = o.names.filter((n) => r.get(n) !== STATUS_ALIVE);
    last.set(url, missing.length ? `not alive: ${missing.map((n) => `${n}=${r.get(n) ?? 'absent'}`).join(' ')}` : 'ok');
    if (missing.length === 0) ok.add(url); else ok.delete(url);
  }, () => ok.size === o.urls.length);
  print({ ms: Date.now() - t0, converged: held, ...(held ? {} : { views: Object.fromEntries([...last].map(([u, v]) => [host(u), v])) }) });
  return held;
}

/**
 * Polls `urls` until each of `observers` (a subset) has shown `member` with `status` (and
 * onSample.done(), if given, holds): the first and last sighting, ms after t0.
 */
async function watchStatus(o, urls, observers, member, status, t0, onSample) {
  const seenAt = new Map();
  const watched = new Set(observers);
  const held = await pollAll(urls, o, t0 + o.deadlineS * 1000, (url, r, ms) => {
    onSample?.(url, r, ms);
    if (watched.has(url) && !(r instanceof Error) && r.get(member) === status && !seenAt.has(url)) seenAt.set(url, Date.now() - t0);
  }, () => seenAt.size === watched.size && (onSample?.done?.() ?? true));
  const order = [...seenAt].sort((a, b) => a[1] - b[1]);
  return {
    held,
    first_ms: order[0]?.[1] ?? null,
    last_ms: held ? order[order.length - 1][1] : null,
    first: order[0] ? host(order[0][0]) : null,
    last: held ? host(order[order.length - 1][0]) : null,
    seen: seenAt.size,
    of: watched.size,
  };
}

async function status(o) {
  if (!o.member) usage('status needs --member');
  const r = await watchStatus(o, o.urls, o.urls, o.member, o.status, o.sinceMs);
  print(r);
  return r.held;
}

async function join(o) {
  if (!o.member || !o.newcomer || !o.via || o.names.length === 0) usage('join needs --member, --newcomer, --via and --names');
  const t0 = Date.now();
  const res = await request(agentFor(o.newcomer), o.newcomer, 'PUT', `/v1/agent/join/${encodeURIComponent(o.via)}`, undefined, o.deadlineS * 1000)
    .catch((err) => ({ status: 0, body: errorText(err) }));
  const joinMs = Date.now() - t0;
  if (res.status !== 200) {
    print({ held: false, error: `PUT /v1/agent/join/${o.via} on ${host(o.newcomer)}: ${res.status} ${res.body.trim()}` });
    return false;
  }
  // The newcomer's own view: every old member alive.
  let newcomerMs = null;
  const track = (url, r) => {
    if (url === o.newcomer && newcomerMs === null && !(r instanceof Error) && o.names.every((n) => r.get(n) === STATUS_ALIVE)) newcomerMs = Date.now() - t0;
  };
  track.done = () => newcomerMs !== null;
  // The newcomer lists itself alive at once: the observers are the old members.
  const r = await watchStatus(o, [...o.urls, o.newcomer], o.urls, o.member, STATUS_ALIVE, t0, track);
  print({ ...r, join_request_ms: joinMs, newcomer_ms: newcomerMs, all_ms: r.held ? Math.max(r.last_ms, newcomerMs) : null });
  return r.held;
}

async function quiet(o) {
  if (o.names.length === 0) usage('quiet needs --names');
  const t0 = Date.now();
  const names = new Set(o.names);
  const stats = { polls: 0, errors: 0, failed_samples: 0, other_samples: 0, max_poll_ms: 0 };
  const failedMembers = new Set();
  const failedPairs = new Set();
  const events = [];
  const firstErrors = [];
  await pollAll(o.urls, o, t0 + o.seconds * 1000, (url, r, ms) => {
    stats.polls++;
    stats.max_poll_ms = Math.max(stats.max_poll_ms, ms);
    if (r instanceof Error) {
      stats.errors++;
      if (firstErrors.length < 5) firstErrors.push(`${host(url)} at ${((Date.now() - t0) / 1000).toFixed(1)} s: ${r.message}`);
      return;
    }
    for (const name of names) {
      const s = r.get(name);
      if (s === STATUS_ALIVE) continue;
      if (s === STATUS_FAILED) stats.failed_samples++; else stats.other_samples++;
      const pair = `${host(url)}>${name}`;
      if (s === STATUS_FAILED) failedMembers.add(name);
      if (!failedPairs.has(pair) && s === STATUS_FAILED) {
        failedPairs.add(pair);
        events.push(`${host(url)} saw ${name} failed at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    }
  }, () => false);
  print({
    ...stats,
    seconds: o.seconds,
    failed_members: failedMembers.size,
    failed_pairs: failedPairs.size,
    events: events.slice(0, 50),
    first_errors: firstErrors,
  });
  return true;
}

const o = parseArgs(process.argv.slice(2));
const run = { converge, status, join, quiet }[o.command];
const held = await run(o);
for (const a of agents.values()) a.destroy();
process.exit(held ? 0 : 3);
