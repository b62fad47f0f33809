// Raft log append throughput (src/raftio/storage/segment-log.ts), on a temporary directory:
// single appends (append one entry, await sync: one fdatasync each), batched appends (one
// fdatasync per batch), and 64 concurrent writers each awaiting its own sync, which share
// fdatasyncs (group commit).
//
// Usage: node bench/raft-log.mjs [--module PATH] [--seconds N] [--bytes N] [--dir DIR]
// PATH defaults to the built output, dist/src/raftio/storage/index.js (npm run build).
// DESIGN.md recorded 5.7k single appends/s and 131k entries/s batched for this design.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const modulePath = resolve(arg('module', 'dist/src/raftio/storage/index.js'));
const seconds = Number(arg('seconds', '3'));
const dataBytes = Number(arg('bytes', '128'));
if (!existsSync(modulePath)) {
  console.log(`skipped: ${modulePath} does not exist (run npm run build, or pass --module)`);
  process.exit(0);
}
const { SegmentLog } = await import(pathToFileURL(modulePath).href);
const logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, named() { return logger; }, enabled() { return false; } };
const data = new Uint8Array(dataBytes).fill(7);

async function withLog(fn) {
  const dir = await mkdtemp(join(arg('dir', tmpdir()), 'muster-bench-raft-log-'));
  const log = await SegmentLog.open({ dir, logger });
  try {
    return await fn(log);
  } finally {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `step` until `seconds` pass; returns entries per second. */
async function rate(log, step) {
  let next = log.lastIndex + 1;
  const startMs = performance.now();
  const endMs = startMs + seconds * 1000;
  let done = 0;
  while (performance.now() < endMs) {
    const n = await step(log, next);
    next += n;
    done += n;
  }
  return done / ((performance.now() - startMs) / 1000);
}

const batch = (from, n) => Array.from({ length: n }, (_, i) => ({ index: from + i, term: 1, type: 'command', data }));

const results = [];
results.push(['single (append 1 + sync)', await withLog((log) => rate(log, async (l, i) => (l.append(batch(i, 1)), await l.sync(), 1)))]);
for (const n of [16, 128, 1024]) {
  results.push([`batched ${n} (append ${n} + sync)`, await withLog((log) => rate(log, async (l, i) => (l.append(batch(i, n)), await l.sync(), n)))]);
}
results.push([
  '64 concurrent writers (append 1 + sync each)',
  await withLog(async (log) => {
    const startMs = performance.now();
    const endMs = startMs + seconds * 1000;
    let done = 0;
    const writer = async () => {
      while (performance.now() < endMs) {
        log.append(batch(log.lastIndex + 1, 1));
        await log.sync();
        done++;
      }
    };
    await Promise.all(Array.from({ length: 64 }, writer));
    return done / ((performance.now() - startMs) / 1000);
  }),
]);
console.log(`raft log, ${dataBytes}-byte entries, ${seconds}s each, dir ${arg('dir', tmpdir())}`);
for (const [name, perSecond] of results) console.log(`${name.padEnd(40)} ${Math.round(perSecond).toLocaleString('en-US')} entries/s`);
