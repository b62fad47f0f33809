import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/process.js';
import { ManualClock, nullLogger } from '../../lib/index.js';
import { createScriptRunner, legacyScriptArgs, runScriptOnce, type ScriptCheckOptions } from './script.js';
import { StatusHandler } from './status-handler.js';
import type { CheckStatus } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'muster-script-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string, mode = 0o755): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, mode);
  return path;
}

function setup(over: Partial<ScriptCheckOptions>) {
  const clock = new ManualClock();
  const updates: Array<[CheckStatus, string]> = [];
  const update = (_id: string, s: CheckStatus, o: string): void => void updates.push([s, o]);
  const deps = { clock, rng: { next: () => 0, int: () => 0 }, logger: nullLogger, update };
  const opts: ScriptCheckOptions = {
    checkID: 'chk',
    scriptArgs: [],
    intervalMs: 10_000,
    timeoutMs: 0,
    outputMaxSize: 4096,
    statusHandler: new StatusHandler(update, nullLogger, 0, 0),
    ...over,
  };
  const runner = createScriptRunner(opts, deps);
  runner.start();
  clock.advance(0); // the stagger is rng.next() * interval = 0: the first run starts now
  const nth = (n: number) => waitFor(`update ${n}`, () => updates[n - 1]);
  return { clock, updates, runner, nth };
}

/** Gone, or a zombie waiting for a reaper (it no longer runs). */
const pidGone = (pid: number): true | undefined => {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
    return state === 'Z' || state === 'X' ? true : undefined;
  } catch {
    return true;
  }
};

describe('script checks', () => {
  it.each<[number, CheckStatus]>([
    [0, 'passing'],
    [1, 'warning'],
    [2, 'critical'],
    [7, 'critical'],
  ])('exit %i is %s, with the output', async (code, status) => {
    const t = setup({ scriptArgs: [script(`exit${code}.sh`, 'echo "out-$1"; exit $1'), String(code)] });
    expect(await t.nth(1)).toEqual([status, `out-${code}\n`]);
    t.runner.stop();
  });

  it('captures stderr too', async () => {
    const t = setup({ scriptArgs: [script('stderr.sh', 'echo oops >&2; exit 2')] });
    expect(await t.nth(1)).toEqual(['critical', 'oops\n']);
  });

  it('keeps the last output_max_size bytes with Consul\'s note', async () => {
    const t = setup({ scriptArgs: [script('big.sh', 'head -c 5000 /dev/zero | tr "\\0" a; echo END')], outputMaxSize: 100 });
    const [status, output] = await t.nth(1);
    expect(status).toBe('passing');
    expect(output).toBe(`Captured 100 of 5004 bytes\n...\n${'a'.repeat(96)}END\n`);
  });

  it('runs again one interval after the previous run', async () => {
    const t = setup({ scriptArgs: [script('again.sh', 'echo run')] });
    await t.nth(1);
    t.clock.advance(9_999);
    t.clock.advance(1);
    expect(await t.nth(2)).toEqual(['passing', 'run\n']);
    t.runner.stop();
  });

  it('kills the whole process group on timeout and says so', async () => {
    const marker = join(dir, 'slow.started');
    const childPidFile = join(dir, 'slow.child');
    const path = script('slow.sh', `echo before; sleep 30 & echo $! > ${childPidFile}; touch ${marker}; wait`);
    const t = setup({ scriptArgs: [path], timeoutMs: 1000 });
    await waitFor('the script to start', () => (existsSync(marker) ? true : undefined));
    const childPid = Number(readFileSync(childPidFile, 'utf8'));
    expect(t.updates).toEqual([]);
    t.clock.advance(1000);
    expect(await t.nth(1)).toEqual(['critical', 'Timed out (1s) running check\n\nbefore\n']);
    await waitFor('the background child to be killed', () => pidGone(childPid));
    t.runner.stop();
  });

  it('reports a command that cannot start, as Go does', async () => {
    const missing = setup({ scriptArgs: ['/nonexistent/x'] });
    expect(await missing.nth(1)).toEqual(['critical', 'fork/exec /nonexistent/x: no such file or directory']);
    const notInPath = setup({ scriptArgs: ['nonexistentcmdxyz'] });
    expect(await notInPath.nth(1)).toEqual(['critical', 'exec: "nonexistentcmdxyz": executable file not found in $PATH']);
    const path = script('noexec.sh', 'exit 0', 0o644);
    const noExec = setup({ scriptArgs: [path] });
    expect(await noExec.nth(1)).toEqual(['critical', `fork/exec ${path}: permission denied`]);
  });

  it('a command killed by a signal is critical', async () => {
    const t = setup({ scriptArgs: ['sh', '-c', 'kill -9 $$'] });
    expect(await t.nth(1)).toEqual(['critical', '']);
  });

  it('runs a legacy script string through the shell', async () => {
    const t = setup({ scriptArgs: legacyScriptArgs('echo legacy; exit 1') });
    expect(await t.nth(1)).toEqual(['warning', 'legacy\n']);
  });

  it('drops the result of a run that finishes after stop', async () => {
    const marker = join(dir, 'stopped.started');
    const release = join(dir, 'stopped.release');
    // The loop also ends if the temp dir goes away, so an interrupted run never leaves it behind.
    const path = script('stopped.sh', `touch ${marker}; while [ ! -e ${release} ] && [ -d ${dir} ]; do sleep 0.05; done; echo late`);
    const updates: string[] = [];
    const update = (_id: string, _s: CheckStatus, o: string): void => void updates.push(o);
    const deps = { clock: new ManualClock(), rng: { next: () => 0, int: () => 0 }, logger: nullLogger, update };
    const opts = { checkID: 'c', scriptArgs: [path], intervalMs: 1000, timeoutMs: 0, outputMaxSize: 4096, statusHandler: new StatusHandler(update, nullLogger, 0, 0) };
    const run = { live: true };
    const done = runScriptOnce(opts, deps, run);
    await waitFor('the script to start', () => (existsSync(marker) ? true : undefined));
    run.live = false; // what IntervalLoop.stop() does to the run in flight
    writeFileSync(release, '');
    await done;
    expect(updates).toEqual([]);
  });
});
