/** `muster maint`: Consul's command/maint: node or service maintenance mode, or list it. */
import type { Client } from '../../api/index.js';
import { goQuote } from '../../lib/index.js';
import { complain, parseFlags, say, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';
import { HttpFlags } from '../http-flags.js';
import { errorMessage, withClient } from './shared.js';

const help = `
Usage: muster maint [options]

  Places a node or service into maintenance mode. During maintenance mode,
  the node or service will be excluded from all queries through the DNS
  or API interfaces, effectively taking it out of the pool of available
  nodes. This is done by registering an additional critical health check.

  When enabling maintenance mode for a node or service, you may optionally
  specify a reason string. This string will appear in the "Notes" field
  of the critical health check which is registered against the node or
  service. If no reason is provided, a default value will be used.

  Maintenance mode is persistent, and will be restored in the event of an
  agent restart. It is therefore required to disable maintenance mode on
  a given node or service before it will be placed back into the pool.

  By default, we operate on the node as a whole. By specifying the
  "-service" argument, this behavior can be changed to enable or disable
  only a specific service.

  If no arguments are given, the agent's maintenance status will be shown.
  This will return blank if nothing is currently under maintenance.
`;

export class MaintCommand implements Command {
  readonly name = 'maint';
  readonly synopsis = 'Controls node or service maintenance mode';
  private readonly fs = new FlagSet();
  private readonly enable = this.fs.bool('enable', false, 'Enable maintenance mode.');
  private readonly disable = this.fs.bool('disable', false, 'Disable maintenance mode.');
  private readonly reason = this.fs.string('reason', '', 'Text describing the maintenance reason.');
  private readonly serviceId = this.fs.string('service', '', 'Control maintenance mode for a specific service ID.');
  private readonly http = new HttpFlags(this.fs);

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    const [enable, disable, service] = [this.enable.value, this.disable.value, this.serviceId.value];
    if (enable && disable) {
      complain(ui, 'Only one of -enable or -disable may be provided');
      return 1;
    }
    if (!enable && this.reason.value !== '') {
      complain(ui, 'Reason may only be provided with -enable');
      return 1;
    }
    if (!enable && !disable && service !== '') {
      complain(ui, 'Service requires either -enable or -disable');
      return 1;
    }
    return withClient(this.http, ui, (client) => (enable || disable ? this.toggle(client, ui) : listMaintenance(client, ui)));
  }

  private async toggle(client: Client, ui: Ui): Promise<number> {
    const service = this.serviceId.value;
    const on = this.enable.value;
    const what = service === '' ? 'node' : 'service';
    try {
      if (service === '') await (on ? client.agent.enableNodeMaintenance(this.reason.value) : client.agent.disableNodeMaintenance());
      else await (on ? client.agent.enableServiceMaintenance(service, this.reason.value) : client.agent.disableServiceMaintenance(service));
    } catch (e) {
      complain(ui, `Error ${on ? 'enabling' : 'disabling'} ${what} maintenance: ${errorMessage(e)}`);
      return 1;
    }
    const state = on ? 'enabled' : 'disabled';
    say(ui, service === '' ? `Node maintenance is now ${state}` : `Service maintenance is now ${state} for ${goQuote(service)}`);
    return 0;
  }
}

/** No flags: the node and services under maintenance, from the agent's checks. */
async function listMaintenance(client: Client, ui: Ui): Promise<number> {
  let nodeName: string;
  try {
    nodeName = await client.agent.nodeName();
  } catch (e) {
    complain(ui, `Error querying Consul agent: ${errorMessage(e)}`);
    return 1;
  }
  let checks;
  try {
    checks = await client.agent.checks();
  } catch (e) {
    complain(ui, `Error getting checks: ${errorMessage(e)}`);
    return 1;
  }
  // Go walks a map (random order); sorting by check ID puts the node first.
  for (const id of Object.keys(checks).sort()) {
    const check = checks[id]!;
    if (check.checkId === '_node_maintenance') {
      say(ui, 'Node:');
      say(ui, '  Name:   ' + nodeName);
      say(ui, '  Reason: ' + check.notes);
      say(ui, '');
    } else if (check.checkId.startsWith('_service_maintenance:')) {
      say(ui, 'Service:');
      say(ui, '  ID:     ' + check.serviceId);
      say(ui, '  Reason: ' + check.notes);
      say(ui, '');
    }
  }
  return 0;
}
