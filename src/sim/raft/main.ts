/**
 * The simulator's command line (`npm run sim -- ...`), the only file of src/sim/raft that may
 * touch `process`:
 *
 *   --seeds N        run N seeds (default 100) starting at --from S (default 1)
 *   --nodes 3|5      cluster size (default: drawn per seed by the swarm)
 *   --seed S         replay one seed: its swarm, the servers and the last --trace events
 *   --trace N        trace lines kept for a failure or a replay (default 200)
 *   --full-trace     with --seed: stream every event as it happens
 *   --safety-ms MS   simulated length of the safety phase (default 4000)
 *   --bug a,b        inject driver bugs (see swarm.ts bugNames)
 *   --patch JSON     override swarm options, e.g. '{"lossProb":0.2}'
 *
 * Prints a summary; on failure, the first failing seed in full and how to replay it, and exits 1.
 */
import { formatFailure, runSeed } from './run-seed.js';
import type { RunOptions, RunResult } from './run-seed.js';
import { bugNames, formatSwarm } from './swarm.js';
import type { BugName } from './swarm.js';

interface Args {
  seeds: number;
  from: number;
  seed: number | undefined;
  trace: number;
  fullTrace: boolean;
  options: RunOptions;
}

const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

function usage(msg: string): never {
  process.stderr.write(`sim: ${msg}\nusage: npm run sim -- [--seeds N] [--from S] [--nodes 3|5] [--seed S] [--trace N] [--full-trace] [--safety-ms MS] [--bug a,b] [--patch JSON]\n`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { seeds: 100, from: 1, seed: undefined, trace: 200, fullTrace: false, options: {} };
  const int = (v: string | undefined, name: string): number => {
    const n = Number(v);
    if (v === undefined || !Number.isSafeInteger(n) || n < 0) usage(`${name} needs a non-negative integer`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = (): string | undefined => argv[++i];
    switch (arg) {
      case '--seeds': a.seeds = int(next(), arg); break;
      case '--from': a.from = int(next(), arg); break;
      case '--seed': a.seed = int(next(), arg); break;
      case '--trace': a.trace = int(next(), arg); break;
      case '--full-trace': a.fullTrace = true; break;
      case '--nodes': {
        const n = int(next(), arg);
        if (n !== 3 && n !== 5) usage('--nodes must be 3 or 5');
        a.options.nodes = n;
        break;
      }
      case '--safety-ms': a.options.safetyMs = int(next(), arg); break;
      case '--bug': {
        const bugs = (next() ?? '').split(',').filter((b) => b !== '');
        for (const b of bugs) if (!bugNames.includes(b as BugName)) usage(`unknown bug ${b} (known: ${bugNames.join(', ')})`);
        a.options.bugs = bugs as BugName[];
        break;
      }
      case '--patch':
        try {
          a.options.patch = JSON.parse(next() ?? '') as RunOptions['patch'];
        } catch {
          usage('--patch needs a JSON object');
        }
        break;
      default: usage(`unknown argument ${arg}`);
    }
  }
  return a;
}

/** One seed: the whole trace streamed (--full-trace), or its last --trace lines at the end. */
function replay(a: Args, seed: number): number {
  const tail: string[] = [];
  const keep = (line: string): void => {
    tail.push(line);
    if (tail.length > 2 * a.trace) tail.splice(0, tail.length - a.trace);
  };
  const r = runSeed(seed, { ...a.options, traceLines: a.trace, onTrace: a.fullTrace ? out : keep });
  if (!r.ok) {
    out(formatFailure(r));
    return 1;
  }
  if (!a.fullTrace) {
    out(`last ${Math.min(a.trace, tail.length)} events:`);
    for (const line of tail.slice(-a.trace)) out(`  ${line}`);
  }
  out(`seed ${seed}: ok`);
  out(`swarm: ${formatSwarm(r.swarm)}`);
  out(`stats: ${JSON.stringify(r.stats)}`);
  return 0;
}

function many(a: Args): number {
  const started = performance.now();
  const failed: RunResult[] = [];
  const totals = new Map<string, number>();
  for (let seed = a.from; seed < a.from + a.seeds; seed++) {
    const r = runSeed(seed, { ...a.options, traceLines: a.trace });
    if (!r.ok) {
      failed.push(r);
      out(`seed ${seed}: FAILED (${r.failure?.checker})`);
    }
    for (const [k, v] of Object.entries(r.stats)) {
      if (v === undefined) continue;
      if (typeof v === 'number') totals.set(k, (totals.get(k) ?? 0) + v);
      else totals.set(`${k}=${String(v)}`, (totals.get(`${k}=${String(v)}`) ?? 0) + 1);
    }
  }
  const ms = performance.now() - started;
  out(`${a.seeds} seeds (${a.from}..${a.from + a.seeds - 1}) in ${(ms / 1000).toFixed(1)}s, ${(ms / Math.max(1, a.seeds)).toFixed(1)} ms/seed`);
  out(`totals: ${[...totals].map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (failed.length === 0) {
    out('all seeds passed');
    return 0;
  }
  out(`${failed.length} failing seed(s): ${failed.map((r) => r.seed).join(' ')}`);
  out('');
  out(formatFailure(failed[0] as RunResult));
  return 1;
}

const args = parseArgs(process.argv.slice(2));
process.exitCode = args.seed !== undefined ? replay(args, args.seed) : many(args);
