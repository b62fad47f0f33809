/** `muster services register`: Consul's command/services/register, from flags or config files. */
import type { AgentServiceRegistration, ServiceAddress } from '../../../api/index.js';
import { goQuote } from '../../../lib/index.js';
import { complain, parseFlags, say, type Command, type Ui } from '../../command.js';
import { commandUsage, FlagSet } from '../../flags.js';
import { HttpFlags } from '../../http-flags.js';
import { errorMessage, withClient } from '../shared.js';
import { servicesFromFiles } from './config-files.js';

const help = `
Usage: muster services register [options] [FILE...]

  Register one or more services using the local agent API. Services can
  be registered from standard Muster configuration files (HCL or JSON) or
  using flags. The service is registered and the command returns. The caller
  must remember to call "muster services deregister" or a similar API to
  deregister the service when complete.

      $ muster services register web.json

  Additional flags and more advanced use cases are detailed below.
`;

export class ServicesRegisterCommand implements Command {
  readonly name = 'services register';
  readonly synopsis = 'Register services with the local agent';
  private readonly fs = new FlagSet();
  private readonly id = this.fs.string('id', '', "ID of the service to register for arg-based registration. If this isn't set, it will default to the -name value.");
  private readonly serviceName = this.fs.string('name', '', 'Name of the service to register for arg-based registration.');
  private readonly address = this.fs.string('address', '', 'Address of the service to register for arg-based registration.');
  private readonly port = this.fs.int('port', 0, 'Port of the service to register for arg-based registration.');
  private readonly meta = this.fs.map(
    'meta',
    'Metadata to set on the service, formatted as key=value. This flag may be specified multiple times to set multiple meta fields.',
    { separators: '=', requireSeparator: true },
  );
  private readonly tag = this.fs.list('tag', 'Tag to add to the service. This flag can be specified multiple times to set multiple tags.');
  private readonly taggedAddress = this.fs.map(
    'tagged-address',
    'Tagged address to set on the service, formatted as key=value. This flag may be specified multiple times to set multiple addresses.',
    { separators: '=', requireSeparator: true },
  );
  private readonly kind = this.fs.string('kind', '', "The services 'kind'");
  private readonly http = new HttpFlags(this.fs, { server: true });

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    let taggedAddresses: Record<string, ServiceAddress> | undefined;
    for (const [k, v] of Object.entries(this.taggedAddress.value)) {
      const addr = parseServiceAddr(v);
      if ('error' in addr) {
        complain(ui, `Invalid Tagged Address: ${addr.error}`);
        return 1;
      }
      (taggedAddresses ??= {})[k] = addr;
    }
    let services: AgentServiceRegistration[] = [this.fromFlags(taggedAddresses)];
    if (args.length === 0 && this.serviceName.value === '') {
      complain(ui, 'Service registration requires at least one argument or flags.');
      return 1;
    } else if (args.length > 0 && this.serviceName.value !== '') {
      complain(ui, 'Service registration requires arguments or -id, not both.');
      return 1;
    }
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
        try {
          await client.agent.serviceRegister(svc);
        } catch (e) {
          complain(ui, `Error registering service ${goQuote(svc.name ?? '')}: ${errorMessage(e)}`);
          return 1;
        }
        say(ui, `Registered service: ${svc.name ?? ''}`);
      }
      return 0;
    });
  }

  private fromFlags(taggedAddresses: Record<string, ServiceAddress> | undefined): AgentServiceRegistration {
    const reg: AgentServiceRegistration = {
      kind: this.kind.value,
      id: this.id.value,
      name: this.serviceName.value,
      address: this.address.value,
      port: this.port.value,
    };
    if (this.tag.value.length > 0) reg.tags = this.tag.value;
    if (Object.keys(this.meta.value).length > 0) reg.meta = this.meta.value;
    if (taggedAddresses) reg.taggedAddresses = taggedAddresses;
    return reg;
  }
}

/** Go's api.ParseServiceAddr: net.SplitHostPort, then strconv.Atoi on the port. */
export function parseServiceAddr(hostport: string): ServiceAddress | { error: string } {
  const split = splitHostPort(hostport);
  if ('error' in split) return split;
  if (!/^[+-]?\d+$/.test(split.port)) return { error: `strconv.Atoi: parsing ${goQuote(split.port)}: invalid syntax` };
  const port = BigInt(split.port);
  if (port > 2n ** 63n - 1n || port < -(2n ** 63n)) return { error: `strconv.Atoi: parsing ${goQuote(split.port)}: value out of range` };
  return { address: split.host, port: Number(port) };
}

/** Go's net.SplitHostPort, with its AddrError texts. */
function splitHostPort(hostport: string): { host: string; port: string } | { error: string } {
  const addrErr = (why: string): { error: string } => ({ error: hostport === '' ? why : `address ${hostport}: ${why}` });
  const i = hostport.lastIndexOf(':');
  if (i < 0) return addrErr('missing port in address');
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return addrErr("missing ']' in address");
    if (end + 1 === hostport.length) return addrErr('missing port in address');
    if (end + 1 !== i) return addrErr(hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address');
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return addrErr('too many colons in address');
  }
  if (hostport.slice(j).includes('[')) return addrErr("unexpected '[' in address");
  if (hostport.slice(k).includes(']')) return addrErr("unexpected ']' in address");
  return { host, port: hostport.slice(i + 1) };
}
