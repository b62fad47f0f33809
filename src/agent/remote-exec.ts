/**
 * Remote exec, the agent's side: Consul's handleRemoteExec (agent/remote_exec.go), step for
 * step. On a `_rexec` user event that selected this agent, when `disable_remote_exec` is false:
 *
 * 1. decode the payload `{"Prefix","Session"}`;
 * 2. read the job `<prefix>/<session>/job`: a stale read, and if that finds nothing, once more
 *    as a default (leader) read; nothing there either: give up silently;
 * 3. write `<prefix>/<session>/<node>/ack` (no value);
 * 4. run the job: `Args` directly, else `$SHELL -c <Command>`, or a non-empty `Script` spilled
 *    to a temp file run as `$SHELL -c <file>`; stdout and stderr go through one RexecWriter;
 * 5. upload each chunk to `<prefix>/<session>/<node>/out/%05x` (num counts every upload), and
 *    when nothing came for `Wait`, the same key with no value: a heartbeat;
 * 6. always, once acked, write `<prefix>/<session>/<node>/exit`: the decimal exit code (-1 when
 *    killed by a signal, 255 when it could not start or an upload failed).
 *
 * Every write is a KV `lock` with the job's session, so nothing lands once the CLI destroyed it.
 * A failed upload stops the uploads (output is dropped from then on), as in Consul; the command
 * itself is left to finish. Each event ID runs once even if gossip delivers it twice.
 *
 * When `disable_remote_exec` is true (the default), Consul's agent only logs and the operator's
 * `exec` never hears of it. Muster's says so where the operator looks: it acks, uploads one line
 * of output naming the setting, and exits 255 (could not run), so `exec` prints
 * `node: remote exec is disabled on this agent ...` and counts it as a failed node.
 */
import type { UserEvent } from '../http/event.js';
import type { Clock, Logger } from '../lib/index.js';
import type { ServerApi } from '../server/index.js';
import { ChunkChannel, RexecWriter } from './remote-exec-output.js';
import { decodeRemoteExecEvent, decodeRemoteExecSpec, type RemoteExecEvent, type RemoteExecSpec } from './remote-exec-spec.js';

/** Go's remoteExecFileName: the job's key under `<prefix>/<session>/`. */
export const remoteExecFileName = 'job';
export const remoteExecAckSuffix = 'ack';
export const remoteExecExitSuffix = 'exit';
export const remoteExecOutputDivider = 'out';
/** Exit code written when the job could not be run or its output could not be uploaded. */
export const remoteExecFailedExitCode = 255;
/** The one line of output of a refused job. */
export const remoteExecRefusal = 'remote exec is disabled on this agent (disable_remote_exec is true)\n';
/** Event IDs remembered to run a job once: as many as the agent keeps user events. */
export const remoteExecSeenMax = 256;

/** A started command. */
export interface RexecProcess {
  /** The exit code once the process exited and its output pipes closed (-1: killed by a signal). */
  exited: Promise<number>;
  /** Holds back (true) or lets through (false) the command's output. */
  hold(held: boolean): void;
}

/** What runs commands: real processes in remote-exec-process.ts, fakes in tests. */
export interface RexecLauncher {
  /** `$SHELL -c <script>` (`/bin/sh` without SHELL): Consul's exec.Script. */
  shellArgs(script: string): string[];
  /** Writes the script to a new temp file, mode 0750 (Go's ioutil.TempFile("", "rexec")). */
  spillScript(script: Uint8Array): Promise<{ path: string; remove: () => void }>;
  /** Starts `argv`; output goes to `onOutput`. Rejects when it cannot start (Go's cmd.Start). */
  start(argv: string[], onOutput: (chunk: Uint8Array) => void): Promise<RexecProcess>;
}

export interface RemoteExecDeps {
  nodeName: string;
  datacenter: string;
  server: Pick<ServerApi, 'kvGet' | 'kvApply'>;
  /** `disable_remote_exec`: jobs are refused (see above), never run. */
  disabled: boolean;
  launcher: RexecLauncher;
  clock: Clock;
  logger: Logger;
  /** The agent's token for the job's KV reads and writes (Consul's AgentToken). */
  token?: () => string;
}

/** Go's path.Join: non-empty parts joined by '/', then cleaned. */
export function pathJoin(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '').join('/');
  if (joined === '') return '';
  const rooted = joined.startsWith('/');
  const out: string[] = [];
  for (const seg of joined.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg !== '..') out.push(seg);
    else if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (!rooted) out.push('..');
  }
  const s = out.join('/');
  return rooted ? '/' + s : s || '.';
}

/** The output key of upload number `num` (Go's `%05x`). */
export function outputSuffix(num: number): string {
  return `${remoteExecOutputDivider}/${num.toString(16).padStart(5, '0')}`;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class RemoteExec {
  private readonly seen = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly logger: Logger;

  constructor(private readonly deps: RemoteExecDeps) {
    this.logger = deps.logger;
  }

  /** A `_rexec` event that selected this agent (Consul: `go a.handleRemoteExec(msg)`). */
  handle(msg: UserEvent): void {
    if (this.seen.has(msg.id)) return;
    this.seen.add(msg.id);
    if (this.seen.size > remoteExecSeenMax) this.seen.delete(this.seen.values().next().value!);
    if (this.deps.disabled) this.logger.info('refusing remote exec event, disabled.', { event_name: msg.name, event_id: msg.id });
    const job = this.run(msg).catch((err: unknown) => this.logger.error('remote exec failed', { error: errorText(err) }));
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
  }

  /** Resolves once every job under way has written its exit code (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  async run(msg: UserEvent): Promise<void> {
    this.logger.debug('received remote exec event', { id: msg.id });
    const decoded = decodeRemoteExecEvent(msg.payload);
    if (!decoded.ok) {
      this.logger.error('failed to decode remote exec event', { error: decoded.error });
      return;
    }
    const event = decoded.value;
    const spec = await this.getSpec(event);
    if (!spec) return;
    if (!(await this.writeAck(event))) return;
    let exitCode = remoteExecFailedExitCode;
    try {
      if (this.deps.disabled) await this.writeOutput(event, 0, new TextEncoder().encode(remoteExecRefusal));
      else exitCode = await this.execute(event, spec);
    } finally {
      await this.writeExitCode(event, exitCode);
    }
  }

  /** Spill the script if any, start the command, upload its output; resolves to the exit code. */
  private async execute(event: RemoteExecEvent, spec: RemoteExecSpec): Promise<number> {
    let script = spec.command;
    let spilled: { path: string; remove: () => void } | undefined;
    if (spec.script.length > 0) {
      try {
        spilled = await this.deps.launcher.spillScript(spec.script);
      } catch (err) {
        this.logger.debug('failed to make tmp file', { error: errorText(err) });
        return remoteExecFailedExitCode;
      }
      script = spilled.path;
    }
    try {
      this.logger.info('remote exec script', { script });
      const argv = spec.args.length > 0 ? spec.args : this.deps.launcher.shellArgs(script);
      let proc: RexecProcess | undefined;
      const channel = new ChunkChannel(this.deps.clock, (full) => proc?.hold(full));
      const writer = new RexecWriter(this.deps.clock, (chunk) => channel.push(chunk));
      try {
        proc = await this.deps.launcher.start(argv, (chunk) => writer.write(chunk));
      } catch (err) {
        this.logger.debug('failed to start remote exec', { error: errorText(err) });
        return remoteExecFailedExitCode;
      }
      const exited = proc.exited.then((code) => {
        writer.flush();
        channel.close();
        return code;
      });
      if (!(await this.upload(event, spec, channel))) {
        proc.hold(false);
        return remoteExecFailedExitCode;
      }
      return await exited;
    } finally {
      spilled?.remove();
    }
  }

  /** Go's WAIT loop: each chunk, or a heartbeat after `Wait` of silence; false if a write failed. */
  private async upload(event: RemoteExecEvent, spec: RemoteExecSpec, channel: ChunkChannel): Promise<boolean> {
    for (let num = 0; ; num++) {
      const next = await channel.next(spec.waitMs);
      if (next.kind === 'closed') return true;
      if (!(await this.writeOutput(event, num, next.kind === 'chunk' ? next.data : null))) {
        channel.cancel();
        return false;
      }
    }
  }

  /** Go's remoteExecGetSpec. */
  private async getSpec(event: RemoteExecEvent): Promise<RemoteExecSpec | undefined> {
    const key = pathJoin(event.prefix, event.session, remoteExecFileName);
    let consistency: 'stale' | 'default' = 'stale';
    for (;;) {
      let value: Uint8Array | null;
      try {
        const read = await this.deps.server.kvGet(key, { datacenter: this.deps.datacenter, consistency, minIndex: 0, waitMs: 0, token: this.deps.token?.() ?? '' });
        if (!read.value) {
          if (consistency === 'default') {
            this.logger.debug('remote exec aborted, job spec missing');
            return undefined;
          }
          // The stale read may have reached a server the job has not replicated to yet.
          this.logger.debug('trying consistent fetch of remote exec job spec');
          consistency = 'default';
          continue;
        }
        value = read.value.value;
      } catch (err) {
        this.logger.error('failed to get remote exec job', { error: errorText(err) });
        return undefined;
      }
      const spec = decodeRemoteExecSpec(value);
      if (!spec.ok) {
        this.logger.error('failed to decode remote exec spec', { error: spec.error });
        return undefined;
      }
      return spec.value;
    }
  }

  private async writeAck(event: RemoteExecEvent): Promise<boolean> {
    return this.tryWrite(event, remoteExecAckSuffix, null, 'failed to ack remote exec job');
  }

  private async writeOutput(event: RemoteExecEvent, num: number, output: Uint8Array | null): Promise<boolean> {
    return this.tryWrite(event, outputSuffix(num), output, 'failed to write output for remote exec job');
  }

  private async writeExitCode(event: RemoteExecEvent, exitCode: number): Promise<boolean> {
    return this.tryWrite(event, remoteExecExitSuffix, new TextEncoder().encode(String(exitCode)), 'failed to write exit code for remote exec job');
  }

  private async tryWrite(event: RemoteExecEvent, suffix: string, value: Uint8Array | null, failure: string): Promise<boolean> {
    try {
      await this.writeKey(event, suffix, value);
      return true;
    } catch (err) {
      this.logger.error(failure, { error: errorText(err) });
      return false;
    }
  }

  /** Go's remoteExecWriteKey: a lock of `<prefix>/<session>/<node>/<suffix>` with the session. */
  private async writeKey(event: RemoteExecEvent, suffix: string, value: Uint8Array | null): Promise<void> {
    const key = pathJoin(event.prefix, event.session, this.deps.nodeName, suffix);
    const ok = await this.deps.server.kvApply(this.deps.datacenter, { op: 'lock', key, value, flags: 0n, index: 0, session: event.session }, this.deps.token?.() ?? '');
    if (!ok) throw new Error('write failed');
  }
}
