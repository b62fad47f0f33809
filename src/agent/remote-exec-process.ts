/**
 * Real processes for remote exec (Consul's agent/exec: Script and Subprocess, and the temp
 * file of handleRemoteExec). The command inherits the agent's environment and working
 * directory, gets no stdin (/dev/null), and stays in the agent's process group, as in Consul.
 */
import { chmodSync, closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeChildProcess, secureRandomInt } from '../host/index.js';
import type { RexecLauncher, RexecProcess } from './remote-exec.js';

/** Attempts at a fresh temp file name before giving up (Go's ioutil.TempFile tries 10000). */
const tempNameTries = 10_000;

/** Go's ioutil.TempFile("", "rexec"): `$TMPDIR/rexec<9 random digits>`, created exclusively. */
function createTempFile(): { path: string; fd: number } {
  for (let i = 0; i < tempNameTries; i++) {
    const path = join(tmpdir(), `rexec${String(secureRandomInt(1e9)).padStart(9, '0')}`);
    try {
      return { path, fd: openSync(path, 'wx', 0o600) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error('could not create a temp file for the script');
}

export const nodeRexecLauncher: RexecLauncher = {
  shellArgs(script: string): string[] {
    return [process.env['SHELL'] || '/bin/sh', '-c', script];
  },

  spillScript(script: Uint8Array): Promise<{ path: string; remove: () => void }> {
    const { path, fd } = createTempFile();
    try {
      chmodSync(path, 0o750);
      writeSync(fd, script);
    } finally {
      closeSync(fd);
    }
    return Promise.resolve({ path, remove: () => rmSync(path, { force: true }) });
  },

  start(argv: string[], onOutput: (chunk: Uint8Array) => void): Promise<RexecProcess> {
    return new Promise<RexecProcess>((resolve, reject) => {
      if (argv.length === 0) {
        reject(new Error('need an executable to run'));
        return;
      }
      const child = nodeChildProcess().spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      const outputs = [child.stdout!, child.stderr!];
      for (const s of outputs) s.on('data', (chunk: Uint8Array) => onOutput(chunk));
      // 'close' comes after the exit and once both pipes are drained (Go's cmd.Wait).
      const exited = new Promise<number>((done) => child.once('close', (code: number | null) => done(code ?? -1)));
      child.once('error', reject);
      child.once('spawn', () => {
        child.off('error', reject);
        child.on('error', () => {}); // a failed kill or pipe error after start: 'close' still follows
        resolve({
          exited,
          hold: (held) => {
            for (const s of outputs) {
              if (held) s.pause();
              else s.resume();
            }
          },
        });
      });
    });
  },
};
