// Runs the gossip simulator's scenarios (src/sim/gossip, built into dist/) over seeds and pool
// sizes, on worker threads, and prints the section "## Gossip simulator (issue 5)" as Markdown:
// what was measured (median and p99 over the seeds) beside memberlist's and serf's formulas.
// With --write FILE the section replaces (or is appended to) that section of FILE.
//   node bench/gossip-sim.mjs [--dist DIR] [--sizes 100,1000] [--seeds 5] [--seeds-large 3]
//     [--fp-minutes 5] [--fp-minutes-large 1] [--slow 500-3000,8000-16000] [--jobs N]
//     [--write FILE] [--command TEXT] [--version TEXT]
// bench/gossip-sim.sh builds dist/ first and passes its settings; see there.
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { int, median, writeSection } from './lib.mjs';

const SECTION = '## Gossip simulator (issue 5)';
/** Pools above this size are "large": fewer seeds and shorter false-positive runs. */
const LARGE = 300;

const load = async (dist) => ({
  scenarios: await import(pathToFileURL(path.join(dist, 'sim/gossip/scenarios.js')).href),
  formulas: await import(pathToFileURL(path.join(dist, 'sim/gossip/formulas.js')).href),
  config: await import(pathToFileURL(path.join(dist, 'gossip/core/config.js')).href),
});

function parseArgs() {
  const a = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = a.indexOf(`--${name}`);
    return i >= 0 && a[i + 1] !== undefined ? a[i + 1] : dflt;
  };
  const slow = opt('slow', '500-3000,8000-16000').split(',').filter(Boolean).map((r) => r.split('-').map(Number));
  const o = {
    dist: path.resolve(opt('dist', path.join(import.meta.dirname, '..', 'dist'))),
    sizes: opt('sizes', '100,1000').split(',').filter(Boolean).map(Number),
    seeds: Number(opt('seeds', '5')),
    seedsLarge: Number(opt('seeds-large', '3')),
    fpMinutes: Number(opt('fp-minutes', '5')),
    fpMinutesLarge: Number(opt('fp-minutes-large', '1')),
    slow,
    jobs: Number(opt('jobs', String(Math.max(1, os.availableParallelism())))),
    write: opt('write', undefined),
    command: opt('command', 'bench/gossip-sim.sh'),
    version: opt('version', '?'),
  };
  const bad = [...o.sizes, o.seeds, o.seedsLarge, o.fpMinutes, o.fpMinutesLarge, o.jobs].some((v) => !Number.isInteger(v) || v < 1) ||
    o.slow.some((r) => r.length !== 2 || !r.every((v) => Number.isInteger(v) && v >= 0) || r[0] > r[1]);
  if (bad) {
    console.error('usage: node bench/gossip-sim.mjs [--sizes 100,1000] [--seeds N] [--seeds-large N] [--fp-minutes N] [--fp-minutes-large N] [--slow MIN-MAX,...] [--jobs N] [--dist DIR] [--write FILE]');
    process.exit(2);
  }
  return o;
}

/** Every run, largest first (they take longest), so the workers finish together. */
function tasks(o) {
  const list = [];
  for (const n of o.sizes) {
    const large = n > LARGE;
    const durationMs = (large ? o.fpMinutesLarge : o.fpMinutes) * 60_000;
    for (let seed = 1; seed <= (large ? o.seedsLarge : o.seeds); seed++) {
      const base = { n, seed };
      list.push({ key: 'join', n, scenario: 'joinConvergence', options: base, weight: n * n * 40 });
      // One join, timed to 5 ms: with prompt gossip (ours) and on the ticks alone (memberlist's way).
      list.push({ key: 'spread', n, scenario: 'joinSpread', options: { ...base, stepMs: 5 }, weight: n * n * 3 });
      list.push({ key: 'spread-ticks', n, scenario: 'joinSpread', timing: { promptGossip: false }, options: { ...base, stepMs: 5 }, weight: n * n * 3 });
      for (const lifeguard of [true, false]) list.push({ key: `detect-${lifeguard}`, n, scenario: 'detection', timing: { lifeguard }, options: base, weight: n * n * 4 });
      list.push({ key: 'bytes', n, scenario: 'bandwidth', options: base, weight: n * 200_000 });
      for (const d of o.slow) {
        for (const lifeguard of [true, false]) {
          list.push({ key: `fp-${d.join('-')}-${lifeguard}`, n, scenario: 'falsePositives', options: { ...base, lifeguard, durationMs, slowDelayMs: d }, weight: n * durationMs * 3 });
        }
      }
    }
  }
  return list.sort((a, b) => b.weight - a.weight).map((t, id) => ({ ...t, id }));
}

async function runAll(o, list) {
  const results = new Map();
  let next = 0;
  let done = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const worker = () =>
    new Promise((resolve, reject) => {
      const w = new Worker(new URL(import.meta.url), { workerData: { dist: o.dist } });
      const feed = () => {
        if (next >= list.length) return void w.terminate().then(resolve, reject);
        const t = list[next++];
        w.postMessage({ id: t.id, scenario: t.scenario, timing: t.timing, options: t.options });
      };
      w.on('message', (m) => {
        const t = list[m.id];
        const k = `${t.n}:${t.key}`;
        results.set(k, [...(results.get(k) ?? []), m.result]);
        console.error(`[gossip-sim] ${++done}/${list.length}: ${t.scenario} n=${t.n} seed=${t.options.seed} ${t.key} (${(m.ms / 1000).toFixed(1)} s)`);
        feed();
      });
      w.on('error', reject);
      feed();
    });
  await Promise.all(Array.from({ length: Math.min(o.jobs, list.length) }, worker));
  const cpu = process.cpuUsage(cpu0);
  return { results, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - started };
}

/** Nearest-rank percentile (with fewer than 100 values, p99 is the largest). */
function percentile(list, p) {
  const s = list.filter((v) => v !== undefined).sort((a, b) => a - b);
  if (s.length < list.length) return undefined;
  return s[Math.max(0, Math.ceil(p * s.length) - 1)];
}

const secs = (ms) => (ms === undefined ? 'not within the limit' : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);
const num = (v, digits = 1) => (v === undefined ? '–' : v.toFixed(digits));

async function main() {
  const o = parseArgs();
  const { formulas, config } = await load(o.dist);
  const list = tasks(o);
  console.error(`[gossip-sim] ${list.length} runs on ${o.jobs} worker thread(s)`);
  const loadStart = os.loadavg().map((v) => v.toFixed(2)).join(' ');
  const { results, cpuMs, wallMs } = await runAll(o, list);
  const loadEnd = os.loadavg().map((v) => v.toFixed(2)).join(' ');
  const get = (n, key, field) => (results.get(`${n}:${key}`) ?? []).map((r) => r[field]);
  const section = [
    header(o, { loadStart, loadEnd, cpuMs, wallMs }),
    formulaTable(o, formulas, config),
    measuredTable(o, formulas, config, get),
    falsePositiveTable(o, get),
    NOTES,
  ].join('\n\n');
  console.log(section);
  if (o.write) {
    writeSection(o.write, SECTION, `${section}\n`);
    console.error(`[gossip-sim] wrote section '${SECTION}' of ${o.write}`);
  }
}

function header(o, run) {
  const cpus = os.cpus();
  return `${SECTION}

The SWIM core (\`src/gossip/core\`) with memberlist's LAN profile, many members in one process on
the simulated network of \`src/sim/gossip\`: simulated time (ManualClock), seeded randomness, packet
latency 1–5 ms. There is no peer to run side by side here: the reference is memberlist's and serf's
formulas (RELIABILITY-NOTES §5), in the last column, and for one join the same core gossiping on
its ticks alone, as memberlist does (Muster adds prompt gossip: src/gossip/README.md). Each figure is the median and the p99 over
the seeds (nearest rank: with fewer than 100 seeds, p99 is the worst seed).

- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC
- Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; load average start ${run.loadStart}, end ${run.loadEnd}
- Versions: Muster ${o.version}, Node ${process.version}
- Settings: pools of ${o.sizes.map(int).join(' and ')} members; ${o.seeds} seeds (${o.seedsLarge} above ${LARGE} members); false-positive runs of ${o.fpMinutes} simulated minute(s) (${o.fpMinutesLarge} above ${LARGE} members), slow member ${o.slow.map((d) => `${d[0]}–${d[1]} ms`).join(' and ')}; ${o.jobs} worker thread(s), ${(run.wallMs / 1000).toFixed(0)} s wall, ${(run.cpuMs / 1000).toFixed(0)} s CPU
- Repeat (repo root, after \`npm ci\`): \`${o.command}\``;
}

function formulaTable(o, formulas, config) {
  const rows = ['| members | suspicion min / max (Lifeguard) | confirmations wanted | suspicion without Lifeguard | retransmits | push/pull every |', '|---:|---:|---:|---:|---:|---:|'];
  for (const n of o.sizes) {
    const on = formulas.expectations(config.lanTiming, n);
    const off = formulas.expectations({ ...config.lanTiming, lifeguard: false }, n);
    rows.push(`| ${int(n)} | ${secs(on.suspicionMinMs)} / ${secs(on.suspicionMaxMs)} | ${on.confirmationsWanted} | ${secs(off.suspicionMinMs)} fixed | ${on.retransmits} | ${secs(on.pushPullIntervalMs)} |`);
  }
  return `memberlist's scaling (\`suspicionMult·max(1, log10 n)·probeInterval\`, ×\`SuspicionMaxTimeoutMult\`; \`retransmitMult·⌈log10(n+1)⌉\`; push/pull ×\`⌈log2 n − log2 32⌉+1\` above 32 members):\n\n${rows.join('\n')}`;
}

function measuredTable(o, formulas, config, get) {
  const rows = ['| members | figure | median | p99 | formula |', '|---:|---|---:|---:|---|'];
  const add = (n, label, values, fmt, formula) => rows.push(`| ${int(n)} | ${label} | ${fmt(median(values.filter((v) => v !== undefined)))} | ${fmt(percentile(values, 0.99))} | ${formula} |`);
  for (const n of o.sizes) {
    const e = formulas.expectations(config.lanTiming, n);
    const joins = get(n, 'join', 'lastJoinMs')[0];
    add(n, `join storm (${int(n - 1)} joins 10 ms apart${joins ? `, over ${secs(joins)}` : ''}, each through a random member): last join → 99.9% of member pairs known`, get(n, 'join', 'mostKnownMs'), secs, `one broadcast reaches 99.99% in ${secs(e.spreadMs)} (serf)`);
    add(n, 'join storm: last join → every member knows every other as alive', get(n, 'join', 'convergedMs'), secs, `push/pull repairs any miss within ${secs(e.pushPullIntervalMs)}`);
    add(n, 'one join into a settled pool: known alive everywhere (and it knows all)', get(n, 'spread', 'knownMs'), secs, `${secs(e.spreadMs)} (serf, 99.99%)`);
    add(n, "the same join on the gossip ticks alone (memberlist's way: promptGossip off)", get(n, 'spread-ticks', 'knownMs'), secs, `${secs(e.spreadMs)} (serf, 99.99%)`);
    for (const lg of [true, false]) {
      const tag = lg ? 'Lifeguard' : 'no Lifeguard';
      const min = formulas.expectations({ ...config.lanTiming, lifeguard: lg }, n);
      add(n, `crash, ${tag}: kill → first member declares it dead`, get(n, `detect-${lg}`, 'firstMs'), secs, `≈ probe + suspicion min = ${secs(min.detectionMs)} (never < ${secs(min.suspicionMinMs)}${lg ? `; ${secs(min.suspicionMaxMs)} unconfirmed` : ''})`);
      add(n, `crash, ${tag}: kill → every other member has`, get(n, `detect-${lg}`, 'allMs'), secs, `first + ${secs(e.spreadMs)} (serf)`);
      add(n, `crash, ${tag}: live members declared dead meanwhile`, get(n, `detect-${lg}`, 'falseDeaths'), (v) => num(v, 0), '0');
    }
    const state = median(get(n, 'bytes', 'stateBytes'));
    add(n, 'healthy, per member: packets sent per second', get(n, 'bytes', 'packetsPerS'), (v) => num(v, 2), `${num(e.probePacketsPerS, 0)} (a ping and an ack per probe interval)`);
    add(n, 'healthy, per member: UDP bytes sent per second', get(n, 'bytes', 'packetBytesPerS'), (v) => `${num(v, 1)} B/s`, `≤ ${int(e.gossipBytesMaxPerS)} B/s (serf's bound: full packets to ${config.lanTiming.gossipNodes} members every round)`);
    add(n, 'healthy, per member: push/pull bytes sent per second', get(n, 'bytes', 'streamBytesPerS'), (v) => `${num(v, 1)} B/s`, `2 × state (${int(state)} B) / ${secs(e.pushPullIntervalMs)} = ${num((2 * state * 1000) / e.pushPullIntervalMs, 1)} B/s`);
    add(n, 'healthy: busiest member, all bytes sent per second', get(n, 'bytes', 'maxBytesPerS'), (v) => `${num(v, 1)} B/s`, '');
  }
  return rows.join('\n');
}

function falsePositiveTable(o, get) {
  const rows = [
    '| members | slow member delay | Lifeguard | healthy members declared dead (Σ over seeds) | distinct healthy members (Σ) | runs with any | of them by the slow member | slow member declared dead (Σ) | refutations per minute (median) | slow member\'s local health (median) |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const n of o.sizes) {
    const minutes = n > LARGE ? o.fpMinutesLarge : o.fpMinutes;
    for (const d of o.slow) {
      for (const lg of [true, false]) {
        const key = `fp-${d.join('-')}-${lg}`;
        const sum = (f) => get(n, key, f).reduce((a, b) => a + b, 0);
        const healthy = get(n, key, 'healthyDeaths');
        rows.push(`| ${int(n)} | ${d[0] / 1000}–${d[1] / 1000} s | ${lg ? 'on' : 'off'} | ${int(sum('healthyDeaths'))} | ${int(sum('healthyVictims'))} | ${healthy.filter((v) => v > 0).length} of ${healthy.length} | ${int(sum('bySlow'))} | ${int(sum('slowDeaths'))} | ${num(median(get(n, key, 'refutations')) / minutes, 1)} | ${num(median(get(n, key, 'slowAwareness')), 0)} |`);
      }
    }
  }
  return `False positives: 10% of all packets lost, member 0 slow, nobody fails, for ${o.fpMinutes} simulated minutes (${o.fpMinutesLarge} above ${LARGE} members). The Lifeguard paper's claim: more than 50× fewer false positives than SWIM.\n\n${rows.join('\n')}`;
}

const NOTES = `- The slow member handles whatever reaches it (packets and push/pull) after a random delay in the
  range, in arrival order, as a CPU-starved process works through its receive queue: at several
  arrivals a second it runs about the range's maximum behind. Its own timers fire on time.
- Without Lifeguard is the paper's SWIM baseline as memberlist ran before Lifeguard: no local health,
  no nacks, a fixed suspicion timeout (the minimum), no suspicion sent along with a probe of a suspect.
- "Healthy members declared dead" counts (who, whom) pairs. Every member sends a refutation
  \`retransmits\` times, so under 10% loss one member misses every copy with a probability of about
  e^(−0.9 × retransmits) and, alone, declares the refuted member dead when its suspicion runs out,
  until a push/pull corrects it: then the distinct count is close to the total. With Lifeguard the
  longer timeout gives push/pull time to repair most of these first. When the suspected member
  itself misses every copy of the suspicion (no buddy system without Lifeguard), it cannot refute
  and everyone declares it dead: one distinct member, a pool's worth of pairs. A slow member that
  runs behind by more than the suspicion minimum is declared dead by everyone, again and again,
  with or without Lifeguard; without it, it also declares everyone it probes dead.
- A crash is detected alike with and without Lifeguard at these sizes: the confirmations arrive
  within a second or two, so the first member's suspicion runs out at its minimum either way. The
  first probe of the crashed member comes when it is next in some member's shuffled round-robin
  order: usually within a second or two, in an unlucky seed several seconds later.
- Prompt gossip (ours): news goes out at once in one extra round between two ticks, so each hop
  of a spread costs a packet's latency (1–5 ms here) instead of half a gossip interval. A member
  that no informed member picked in that wave hears the news at the next tick, which makes the
  tail of a spread. The bytes per broadcast do not change (it is still sent \`retransmits\` times).
- A join storm is slower than one broadcast's spread: each member relays every join's news (about
  25 per packet), so the news queues. A member that joined through a peer not yet told of a newer
  one can miss that one's news once its broadcasts have run out; the next push/pull repairs it,
  hence the long tail of the all-pairs figure. memberlist joins the same way.
- Bytes are what our encoding puts in UDP payloads and push/pull streams, without IP/UDP/TCP headers,
  encryption or memberlist's label; one member's state is about 31 bytes per member. A healthy pool
  gossips nothing: with no news queued, only probes and push/pull move bytes.`;

// Last, so that every declaration above is initialised when the top-level await runs.
if (!isMainThread) {
  const { scenarios, config } = await load(workerData.dist);
  parentPort.on('message', (task) => {
    // task.timing: changes to memberlist's LAN profile for this run.
    const options = { ...task.options, ...(task.timing ? { timing: { ...config.lanTiming, ...task.timing } } : {}) };
    const t0 = performance.now();
    const result = scenarios[task.scenario](options);
    parentPort.postMessage({ id: task.id, result, ms: performance.now() - t0 });
  });
} else {
  await main();
}
