/** `muster monitor`: streams the agent's log (Consul's command/monitor) until interrupted. */
import type { LogStream } from '../../api/index.js';
import { complain, parseFlags, say, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';
import { HttpFlags } from '../http-flags.js';
import { errorMessage, withClient } from './shared.js';
import { processShutdown, type Shutdown } from './shutdown.js';

const help = `
Usage: muster monitor [options]

  Shows recent log messages of a Muster agent, and attaches to the agent,
  outputting log messages as they occur in real time. The monitor lets you
  listen for log levels that may be filtered out of the Muster agent. For
  example your agent may only be logging at INFO level, but with the monitor
  you can see the DEBUG level logs.
`;

export class MonitorCommand implements Command {
  readonly name = 'monitor';
  readonly synopsis = 'Stream logs from a Muster agent';
  private readonly fs = new FlagSet();
  private readonly logLevel = this.fs.string('log-level', 'INFO', 'Log level of the agent.');
  private readonly logJson = this.fs.bool('log-json', false, 'Output logs in JSON format.');
  private readonly http = new HttpFlags(this.fs);

  constructor(private readonly makeShutdown: () => Shutdown = processShutdown) {}

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    return withClient(this.http, ui, async (client) => {
      const json = this.logJson.value;
      let stream: LogStream;
      try {
        stream = await client.agent.monitor(this.logLevel.value, { json });
      } catch (e) {
        complain(ui, `Error starting ${json ? 'JSON ' : ''}monitor: ${errorMessage(e)}`);
        return 1;
      }
      const shutdown = this.makeShutdown();
      let quitting = false;
      const onShutdown = (): void => {
        quitting = true;
        stream.close();
      };
      shutdown.signal.addEventListener('abort', onShutdown, { once: true });
      if (shutdown.signal.aborted) onShutdown();
      try {
        for await (const line of stream) say(ui, line);
      } finally {
        shutdown.signal.removeEventListener('abort', onShutdown);
        shutdown.dispose();
        stream.close();
      }
      if (quitting) return 0;
      say(ui, '');
      say(ui, 'Remote side ended the monitor! This usually means that the\nremote side has exited or crashed.');
      return 1;
    });
  }
}
