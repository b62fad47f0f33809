/**
 * `muster exec`: Consul's command/exec, the client side of remote exec. It creates a session
 * ("Remote Exec", behavior delete, TTL 15s, renewed every 5s), writes the job spec
 * `{"Command","Args","Script","Wait"}` to `<prefix>/<session>/job` (a lock with the session),
 * waits -wait-repl so stale reads find it, fires the `_rexec` user event with
 * `{"Prefix","Session"}` and the node/service/tag filters, then prints what the agents write
 * back (exec-job.ts) until -wait passes quietly. Afterwards it destroys the session and
 * deletes the job's directory. A foreign -datacenter binds the session to a server there.
 */
import { Event, type Client } from '../../api/index.js';
import { encodeGoJson, GoStruct, type GoJsonValue } from '../../api/go-json.js';
import { compileGoRegexp } from '../../filter/index.js';
import { complain, parseFlags, say, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';
import { HttpFlags } from '../http-flags.js';
import { rExecFileName, waitForJob } from './exec-job.js';
import { errorMessage, goPathJoin, withClient } from './shared.js';
import { processShutdown, type Shutdown } from './shutdown.js';

/** Go's rExecPrefix: where jobs live in KV. */
export const rExecPrefix = '_rexec';
/** Go's rExecReplicationWait. */
export const rExecReplicationWaitMs = 200;
/** Go's rExecQuietWait: the quiet period that ends the job. */
export const rExecQuietWaitMs = 2_000;
/** Go's rExecTTL: the session's TTL. */
export const rExecTTL = '15s';
/** Go's rExecRenewInterval: how often the session is renewed. */
export const rExecRenewIntervalMs = 5_000;
/** The user event that carries a job. */
export const rExecEventName = '_rexec';

const help = `
Usage: muster exec [options] [-|command...]

  Evaluates a command on remote Muster nodes. The nodes responding can
  be filtered using regular expressions on node name, service, and tag
  definitions. If a command is '-', stdin will be read until EOF
  and used as a script input.
`;

export interface ExecCommandOptions {
  makeShutdown?: () => Shutdown;
}

interface Job {
  cmd: string;
  args: string[];
  script: Buffer;
}

/** Go's json.Marshal of rExecSpec (Command, Args, Script omitempty; Wait in nanoseconds). */
export function rExecSpecJson(job: Job, waitMs: number): string {
  const fields: Array<[string, GoJsonValue]> = [];
  if (job.cmd !== '') fields.push(['Command', job.cmd]);
  if (job.args.length > 0) fields.push(['Args', job.args]);
  if (job.script.length > 0) fields.push(['Script', job.script.toString('base64')]);
  fields.push(['Wait', Math.round(waitMs * 1e6)]);
  return encodeGoJson(new GoStruct(fields));
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class ExecCommand implements Command {
  readonly name = 'exec';
  readonly synopsis = 'Executes a command on Muster nodes';
  private readonly fs = new FlagSet();
  private readonly node = this.fs.string('node', '', 'Regular expression to filter on node names.');
  private readonly service = this.fs.string('service', '', 'Regular expression to filter on service instances.');
  private readonly tag = this.fs.string('tag', '', 'Regular expression to filter on service tags. Must be used with -service.');
  private readonly prefix = this.fs.string('prefix', rExecPrefix, 'Prefix in the KV store to use for request data.');
  private readonly shell = this.fs.bool('shell', true, 'Use a shell to run the command.');
  private readonly wait = this.fs.duration('wait', rExecQuietWaitMs, 'Period to wait with no responses before terminating execution.');
  private readonly replWait = this.fs.duration(
    'wait-repl',
    rExecReplicationWaitMs,
    'Period to wait for replication before firing event. This is an optimization to allow stale reads to be performed.',
  );
  private readonly verbose = this.fs.bool('verbose', false, 'Enables verbose output.');
  private readonly http = new HttpFlags(this.fs, { server: true });
  private sessionID = '';
  private renewStop: AbortController | undefined;

  constructor(private readonly options: ExecCommandOptions = {}) {}

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const rest = parseFlags(this.fs, argv, ui, this);
    if (typeof rest === 'number') return rest;
    const job = await this.readJob(rest, ui);
    if (typeof job === 'number') return job;
    const invalid = this.validate();
    if (invalid) {
      complain(ui, invalid);
      return 1;
    }
    return withClient(this.http, ui, async (client) => {
      const shutdown = (this.options.makeShutdown ?? processShutdown)();
      try {
        return await this.runJob(client, job, shutdown.signal, ui);
      } finally {
        shutdown.dispose();
      }
    });
  }

  /** The command, args or stdin script; or the exit code after a complaint. */
  private async readJob(rest: string[], ui: Ui): Promise<Job | number> {
    const job: Job = { cmd: rest.join(' '), args: [], script: Buffer.alloc(0) };
    if (job.cmd === '-') {
      if (!this.shell.value) {
        complain(ui, 'Cannot configure -shell=false when reading from stdin');
        return 1;
      }
      job.cmd = '';
      try {
        job.script = await ui.readStdin();
      } catch (e) {
        return this.usageError(ui, `Failed to read stdin: ${errorMessage(e)}`);
      }
    } else if (!this.shell.value) {
      job.cmd = '';
      job.args = rest;
    }
    if (job.cmd === '' && job.script.length === 0 && job.args.length === 0) return this.usageError(ui, 'Must specify a command to execute');
    return job;
  }

  /** Go's rExecConf.validate. */
  private validate(): string | undefined {
    for (const [what, re] of [['node', this.node.value], ['service', this.service.value], ['tag', this.tag.value]] as const) {
      if (re === '') continue;
      const c = compileGoRegexp(re);
      if (!c.ok) return `Failed to compile ${what} filter regexp: ${c.error}`;
    }
    if (this.tag.value !== '' && this.service.value === '') return 'Cannot provide tag filter without service filter.';
    return undefined;
  }

  private async runJob(client: Client, job: Job, shutdown: AbortSignal, ui: Ui): Promise<number> {
    const verbose = this.verbose.value;
    let local: { datacenter: string; nodeName: string };
    try {
      local = (await client.agent.self()).config;
    } catch (e) {
      complain(ui, `Error querying Consul agent: ${errorMessage(e)}`);
      return 1;
    }
    const dc = this.http.datacenter?.value ?? '';
    const foreign = dc !== '' && dc !== local.datacenter;
    if (foreign && verbose) say(ui, 'Remote exec in foreign datacenter, using Session TTL');
    const spec = rExecSpecJson(job, this.wait.value);
    try {
      this.sessionID = foreign ? await this.createSessionForeign(client, local, dc, ui) : await this.createSessionLocal(client);
    } catch (e) {
      complain(ui, `Failed to create session: ${errorMessage(e)}`);
      return 1;
    }
    this.startRenewing(client, ui);
    try {
      if (verbose) say(ui, `Created remote execution session: ${this.sessionID}`);
      return await this.uploadAndWait(client, spec, shutdown, ui);
    } finally {
      await this.destroySession(client);
    }
  }

  private async uploadAndWait(client: Client, spec: string, shutdown: AbortSignal, ui: Ui): Promise<number> {
    const verbose = this.verbose.value;
    const key = goPathJoin(this.prefix.value, this.sessionID, rExecFileName);
    try {
      if (!(await client.kv.put(key, spec, { acquire: this.sessionID }))) throw new Error(`failed to acquire key ${key}`);
    } catch (e) {
      complain(ui, `Failed to create job file: ${errorMessage(e)}`);
      return 1;
    }
    try {
      if (verbose) say(ui, 'Uploaded remote execution spec');
      // Wait for replication, so that agents find the job with a stale read.
      if (!(await abortableDelay(this.replWait.value, shutdown))) return 1;
      let id: string;
      try {
        id = await this.fireEvent(client);
      } catch (e) {
        complain(ui, `Failed to fire event: ${errorMessage(e)}`);
        return 1;
      }
      if (verbose) say(ui, `Fired remote execution event: ${id}`);
      const prefix = this.prefix.value;
      const code = await waitForJob({ client, prefix, sessionID: this.sessionID, waitMs: this.wait.value, verbose, ui, shutdown });
      // Invalidating the session first means no agent can upload after the data is gone.
      await this.destroySession(client);
      return code;
    } finally {
      await client.kv.delete(goPathJoin(this.prefix.value, this.sessionID), { recurse: true }).catch(() => false);
    }
  }

  private createSessionLocal(client: Client): Promise<string> {
    return client.session.create({ name: 'Remote Exec', behavior: 'delete', ttl: rExecTTL });
  }

  /** A session on a server of the foreign datacenter (the local agent is not a node there). */
  private async createSessionForeign(client: Client, local: { datacenter: string; nodeName: string }, dc: string, ui: Ui): Promise<string> {
    let services;
    try {
      services = (await client.health.service('consul', [], true)).value;
    } catch (e) {
      throw new Error(`Failed to find Consul server in remote datacenter: ${errorMessage(e)}`);
    }
    if (services.length === 0) throw new Error('Failed to find Consul server in remote datacenter');
    const node = services[0]!.node.node;
    if (this.verbose.value) say(ui, `Binding session to remote node ${node}@${dc}`);
    return client.session.createNoChecks({ name: `Remote Exec via ${local.nodeName}@${local.datacenter}`, node, behavior: 'delete', ttl: rExecTTL });
  }

  /** Go's renewSession: renew every 5s until the session is destroyed or a renewal fails. */
  private startRenewing(client: Client, ui: Ui): void {
    const stop = new AbortController();
    this.renewStop = stop;
    void (async () => {
      while (await abortableDelay(rExecRenewIntervalMs, stop.signal)) {
        try {
          await client.session.renew(this.sessionID, { signal: stop.signal });
        } catch (e) {
          if (!stop.signal.aborted) complain(ui, `Session renew failed: ${errorMessage(e)}`);
          return;
        }
      }
    })();
  }

  private async destroySession(client: Client): Promise<void> {
    this.renewStop?.abort();
    this.renewStop = undefined;
    await client.session.destroy(this.sessionID).catch(() => undefined);
  }

  private fireEvent(client: Client): Promise<string> {
    const payload = encodeGoJson(new GoStruct([['Prefix', this.prefix.value], ['Session', this.sessionID]]));
    return new Event(client).fire({
      name: rExecEventName,
      payload,
      nodeFilter: this.node.value,
      serviceFilter: this.service.value,
      tagFilter: this.tag.value,
    });
  }

  /** The message, a blank line and the help, all to stderr; exit 1. */
  private usageError(ui: Ui, message: string): number {
    complain(ui, message);
    complain(ui, '');
    complain(ui, this.help());
    return 1;
  }
}
