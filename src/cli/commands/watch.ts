/**
 * `muster watch`: Consul's command/watch. Runs one watch plan against the agent. Without a
 * child command it prints the current result as indented JSON, then each change, until
 * interrupted (the wording; Consul's prints the first result and exits); with one, it
 * runs the child (through `$SHELL -c` unless -shell=false) on every change with the JSON on
 * stdin and CONSUL_INDEX set, and stops with exit 1 when a child fails. SIGINT/SIGTERM end it
 * with 0.
 */
import { readFileSync } from 'node:fs';
import { systemClock } from '../../agent/run.js';
import { LogSink } from '../../lib/index.js';
import { encodeGoJson, handlerInput, parseWatch, runHandlerProcess, scriptCommand, startWatch, subprocessCommand, type PlanSpec, type WatchHandler, type WatchParams } from '../../watch/index.js';
import { complain, say, parseFlags, writeBytes, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';
import { parseGoBool } from '../go-strconv.js';
import { HttpFlags } from '../http-flags.js';
import { errorMessage, withClient } from './shared.js';
import { processShutdown, type Shutdown } from './shutdown.js';

const help = `
Usage: muster watch [options] [child...]

  Watches for changes in a given data view from Muster. If a child process
  is specified, it will be invoked with the latest results on changes. Otherwise,
  the latest values are dumped to stdout, and again on each change, until
  interrupted.

  Providing the watch type is required, and other parameters may be required
  or supported depending on the watch type.
`;

export interface WatchCommandOptions {
  makeShutdown?: () => Shutdown;
  /** 'inherit' (default): the child owns our stdout/stderr; 'pipe': its output goes through the Ui. */
  childStdio?: 'inherit' | 'pipe';
}

export class WatchCommand implements Command {
  readonly name = 'watch';
  readonly synopsis = 'Watch for changes in Muster';
  private readonly fs = new FlagSet();
  private readonly watchType = this.fs.string('type', '', 'Specifies the watch type. One of key, keyprefix, services, nodes, service, checks, or event.');
  private readonly key = this.fs.string('key', '', "Specifies the key to watch. Only for 'key' type.");
  private readonly prefix = this.fs.string('prefix', '', "Specifies the key prefix to watch. Only for 'keyprefix' type.");
  private readonly service = this.fs.string('service', '', "Specifies the service to watch. Required for 'service' type, optional for 'checks' type.");
  private readonly tag = this.fs.list('tag', "Specifies the service tag(s) to filter on. Optional for 'service' type. May be specified multiple times", { placeholder: 'value' });
  private readonly passingOnly = this.fs.string(
    'passingonly',
    '',
    "Specifies if only hosts passing all checks are displayed. Optional for 'service' type, must be one of `[true|false]`. Defaults false.",
  );
  private readonly shell = this.fs.bool('shell', true, 'Use a shell to run the command (can set a custom shell via the SHELL environment variable).');
  private readonly state = this.fs.string('state', '', "Specifies the states to watch. Optional for 'checks' type.");
  private readonly eventName = this.fs.string('name', '', "Specifies an event name to watch. Only for 'event' type.");
  private readonly http = new HttpFlags(this.fs, { server: true });

  constructor(private readonly options: WatchCommandOptions = {}) {}

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const child = parseFlags(this.fs, argv, ui, this);
    if (typeof child === 'number') return child;
    if (this.watchType.value === '') {
      complain(ui, 'Watch type must be specified');
      complain(ui, '');
      complain(ui, this.help());
      return 1;
    }
    let token: string;
    try {
      token = this.loadToken(ui);
    } catch (e) {
      complain(ui, errorMessage(e));
      return 1;
    }
    const params = this.params(token);
    if (typeof params === 'string') return fail(ui, params);
    let spec: PlanSpec;
    try {
      spec = parseWatch(params);
    } catch (e) {
      return fail(ui, errorMessage(e));
    }
    if (spec.type.startsWith('connect_') || spec.type.startsWith('agent_')) return fail(ui, `Type ${spec.type} is not supported in the CLI tool`);
    return withClient(this.http, ui, async (client) => {
      try {
        await client.agent.nodeName();
      } catch (e) {
        return fail(ui, `Error querying Consul agent: ${errorMessage(e)}`);
      }
      return this.watch(spec, child, ui);
    });
  }

  /** loadToken: the token the client would send (a token file's content wins when not empty). */
  private loadToken(ui: Ui): string {
    this.http.client(ui.env).close();
    const config = this.http.clientConfig(ui.env);
    if (config.tokenFile) {
      const fromFile = readFileSync(config.tokenFile, 'utf8').trim();
      if (fromFile) return fromFile;
    }
    return config.token ?? '';
  }

  /** The watch parameters from the flags, or the passingonly error. */
  private params(token: string): WatchParams | string {
    const p: WatchParams = { type: this.watchType.value };
    const dc = this.http.datacenter?.value ?? '';
    if (dc !== '') p['datacenter'] = dc;
    if (token !== '') p['token'] = token;
    if (this.key.value !== '') p['key'] = this.key.value;
    if (this.prefix.value !== '') p['prefix'] = this.prefix.value;
    if (this.service.value !== '') p['service'] = this.service.value;
    if (this.tag.value.length > 0) p['tag'] = [...this.tag.value];
    if (this.http.stale?.value) p['stale'] = true;
    if (this.state.value !== '') p['state'] = this.state.value;
    if (this.eventName.value !== '') p['name'] = this.eventName.value;
    if (this.passingOnly.value !== '') {
      const b = parseGoBool(this.passingOnly.value);
      if (b === undefined) return `Failed to parse passingonly flag: strconv.ParseBool: parsing ${JSON.stringify(this.passingOnly.value)}: invalid syntax`;
      p['passingonly'] = b;
    }
    return p;
  }

  private async watch(spec: PlanSpec, child: string[], ui: Ui): Promise<number> {
    const shutdown = (this.options.makeShutdown ?? processShutdown)();
    const sink = new LogSink((line) => ui.err(line), () => Date.now());
    let exitCode = 0;
    let stop = (): void => {};
    const handler: WatchHandler =
      child.length === 0
        ? (_index, value) => say(ui, encodeGoJson(value, '    '))
        : async (index, value) => {
            const failure = await this.runChild(child, index, handlerInput(value), shutdown, ui);
            if (failure) {
              complain(ui, failure);
              exitCode = 1;
              stop();
            }
          };
    const running = startWatch(spec, handler, { client: this.http.clientConfig(ui.env), clock: systemClock, logger: sink.logger('watch') });
    stop = running.stop;
    try {
      const interrupted = new Promise<'shutdown'>((resolve) => {
        if (shutdown.signal.aborted) resolve('shutdown');
        shutdown.signal.addEventListener('abort', () => resolve('shutdown'), { once: true });
      });
      const how = await Promise.race([running.done.then(() => 'done' as const), interrupted]);
      if (how === 'shutdown') {
        running.stop();
        return 0;
      }
      return exitCode;
    } finally {
      shutdown.dispose();
    }
  }

  /** One run of the child; resolves to Consul's error line, or null when it exited 0. */
  private async runChild(child: string[], index: bigint, input: Buffer, shutdown: Shutdown, ui: Ui): Promise<string | null> {
    const cmd = this.shell.value ? scriptCommand(child.join(' '), ui.env) : subprocessCommand(child);
    if ('error' in cmd) return `Error executing handler: ${cmd.error}`;
    const outcome = await runHandlerProcess(cmd, {
      env: { ...ui.env, CONSUL_INDEX: index.toString() },
      stdin: input,
      stdio: this.options.childStdio ?? 'inherit',
      onOutput: (d, stream) => (stream === 'stdout' ? writeBytes(ui, d) : ui.err(d.toString('utf8'))),
      onStart: (proc) =>
        shutdown.onSignal((sig) => {
          try {
            proc.kill(sig);
          } catch (e) {
            complain(ui, `Warning, could not forward signal: ${errorMessage(e)}`);
          }
        }),
    });
    if (!outcome) return null;
    return outcome.stage === 'start' ? `Error starting handler: ${outcome.error}` : `Error executing handler: ${outcome.error}`;
  }
}

function fail(ui: Ui, message: string): number {
  complain(ui, message);
  return 1;
}
