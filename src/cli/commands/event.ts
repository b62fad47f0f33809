/** `muster event`: Consul's command/event: fires a user event across the datacenter. */
import { Event } from '../../api/index.js';
import { compileGoRegexp } from '../../filter/index.js';
import { complain, parseFlags, say, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';
import { HttpFlags } from '../http-flags.js';
import { errorMessage, withClient } from './shared.js';

const help = `
Usage: muster event [options] [payload]

  Dispatches a custom user event across a datacenter. An event must provide
  a name, but a payload is optional. Events support filtering using
  regular expressions on node name, service, and tag definitions.
`;

export class EventCommand implements Command {
  readonly name = 'event';
  readonly synopsis = 'Fire a new event';
  private readonly fs = new FlagSet();
  private readonly eventName = this.fs.string('name', '', 'Name of the event.');
  private readonly node = this.fs.string('node', '', 'Regular expression to filter on node names.');
  private readonly service = this.fs.string('service', '', 'Regular expression to filter on service instances.');
  private readonly tag = this.fs.string('tag', '', 'Regular expression to filter on service tags. Must be used with -service.');
  private readonly http = new HttpFlags(this.fs);

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    if (this.eventName.value === '') return this.usageError(ui, 'Event name must be specified');
    for (const [what, re] of [['node', this.node.value], ['service', this.service.value], ['tag', this.tag.value]] as const) {
      if (re === '') continue;
      const c = compileGoRegexp(re);
      if (!c.ok) {
        complain(ui, `Failed to compile ${what} filter regexp: ${c.error}`);
        return 1;
      }
    }
    if (this.tag.value !== '' && this.service.value === '') {
      complain(ui, 'Cannot provide tag filter without service filter.');
      return 1;
    }
    if (args.length > 1) return this.usageError(ui, 'Too many command line arguments.');
    const payload = args.length === 1 ? Buffer.from(args[0]!, 'utf8') : null;
    return withClient(this.http, ui, async (client) => {
      try {
        await client.agent.nodeName();
      } catch (e) {
        complain(ui, `Error querying Consul agent: ${errorMessage(e)}`);
        return 1;
      }
      let id: string;
      try {
        id = await new Event(client).fire({
          name: this.eventName.value,
          payload,
          nodeFilter: this.node.value,
          serviceFilter: this.service.value,
          tagFilter: this.tag.value,
        });
      } catch (e) {
        complain(ui, `Error firing event: ${errorMessage(e)}`);
        return 1;
      }
      say(ui, `Event ID: ${id}`);
      return 0;
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
