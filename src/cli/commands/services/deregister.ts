/** `muster services deregister`: Consul's command/services/deregister, by -id or from config files. */
import type { AgentServiceRegistration } from '../../../api/index.js';
import { goQuote } from '../../../lib/index.js';
import { complain, parseFlags, say, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet } from '../../flags.js';
import { HttpFlags } from '../../http-flags.js';
import { errorMessage, withClient } from '../shared.js';
import { servicesFromFiles } from './config-files.js';

const help = `
Usage: muster services deregister [options] [FILE...]

  Deregister one or more services that were previously registered with
  the local agent.

      $ muster services deregister web.json db.json

  The -id flag may be used to deregister a single service by ID:

      $ muster services deregister -id=web

  Services are deregistered from the local agent catalog. This command must
  be run against the same agent where the service was registered.
`;

export class ServicesDeregisterCommand implements Command {
  readonly name = 'services deregister';
  readonly synopsis = 'Deregister services with the local agent';
  private readonly fs = new FlagSet();
  private readonly id = this.fs.string('id', '', 'ID to delete. This must not be set if arguments are given.');
  private readonly http = new HttpFlags(this.fs, { server: true });

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    if (args.length === 0 && this.id.value === '') {
      complain(ui, 'Service deregistration requires at least one argument or -id.');
      return 1;
    } else if (args.length > 0 && this.id.value !== '') {
      complain(ui, 'Service deregistration requires arguments or -id, not both.');
      return 1;
    }
    let services: AgentServiceRegistration[] = [{ id: this.id.value }];
    if (args.length > 0) {
      try {
        const read = servicesFromFiles(args);
        for (const w of read.warnings) complain(ui, w);
        services = read.services;
      } catch (e) {
        complain(ui, `Error: ${errorMessage(e)}`);
        return 1;
      }
    }
    return withClient(this.http, ui, async (client) => {
      for (const svc of services) {
        const id = svc.id || svc.name || '';
        if (id === '') continue;
        try {
          await client.agent.serviceDeregister(id);
        } catch (e) {
          // Consul's text says "registering" here too.
          complain(ui, `Error registering service ${goQuote(svc.name ?? '')}: ${errorMessage(e)}`);
          return 1;
        }
        say(ui, `Deregistered service: ${id}`);
      }
      return 0;
    });
  }
}
