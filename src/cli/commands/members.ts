/** `muster members`: Consul's command/members, columns byte for byte. */
import type { Member } from '../../api/index.js';
import { complain, parseFlags, say, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';
import { HttpFlags } from '../http-flags.js';
import { byBytes } from './catalog/nodes.js';
import { columnize, memberStatusString, tcpAddrString, unitSeparator as us } from './columnize.js';
import { compileGoRegexp } from '../../filter/index.js';
import { errorMessage, withClient } from './shared.js';

/** api.AllSegments: ask for the members of every network segment. */
export const allSegments = '_all';
/** Exit code when no member matches -status (Consul's). */
export const noMembersExit = 2;

const help = `
Usage: muster members [options]

  Outputs the members of a running Muster agent.
`;

export class MembersCommand implements Command {
  readonly name = 'members';
  readonly synopsis = 'Lists the members of a Muster cluster';
  private readonly fs = new FlagSet();
  private readonly detailed = this.fs.bool('detailed', false, 'Provides detailed information about nodes.');
  private readonly wan = this.fs.bool('wan', false, 'If the agent is in server mode, this can be used to return the other peers in the WAN pool.');
  private readonly status = this.fs.string('status', '.*', 'If provided, output is filtered to only nodes matching the regular expression for status.');
  private readonly segment = this.fs.string('segment', allSegments, '(Enterprise-only) If provided, output is filtered to only nodes inthe given segment.');
  private readonly http = new HttpFlags(this.fs);

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    const statusRe = compileGoRegexp(this.status.value);
    if (!statusRe.ok) {
      complain(ui, `Failed to compile status regexp: ${statusRe.error}`);
      return 1;
    }
    return withClient(this.http, ui, async (client) => {
      let members: Member[];
      try {
        members = await client.agent.members({ wan: this.wan.value, segment: this.segment.value });
      } catch (e) {
        complain(ui, `Error retrieving members: ${errorMessage(e)}`);
        return 1;
      }
      for (const m of members) {
        if (!m.tags.segment) m.tags.segment = '<default>';
        if (this.segment.value === allSegments && m.tags.role === 'consul') m.tags.segment = '<all>';
      }
      members = members.filter((m) => statusRe.re.test(memberStatusString(m.status)));
      if (members.length === 0) return noMembersExit;
      members.sort((a, b) => byBytes(a.tags.segment!, b.tags.segment!) || byBytes(a.name, b.name));
      const rows = this.detailed.value ? detailedRows(members) : standardRows(members);
      say(ui, columnize(rows, { delim: us }));
      return 0;
    });
  }
}

function standardRows(members: readonly Member[]): string[] {
  const rows = [`Node${us}Address${us}Status${us}Type${us}Build${us}Protocol${us}DC${us}Segment`];
  for (const m of members) {
    const addr = tcpAddrString(m.addr, m.port);
    const status = memberStatusString(m.status);
    let build = m.tags.build ?? '';
    if (build === '') build = '< 0.3';
    else if (build.includes(':')) build = build.slice(0, build.indexOf(':'));
    const type = m.tags.role === 'node' ? 'client' : m.tags.role === 'consul' ? 'server' : undefined;
    if (type === undefined) rows.push([m.name, addr, status, 'unknown', '', '', '', ''].join(us));
    else rows.push([m.name, addr, status, type, build, m.tags.vsn ?? '', m.tags.dc ?? '', m.tags.segment ?? ''].join(us));
  }
  return rows;
}

function detailedRows(members: readonly Member[]): string[] {
  const rows = [`Node${us}Address${us}Status${us}Tags`];
  for (const m of members) {
    const tags = Object.keys(m.tags)
      .sort(byBytes)
      .map((k) => `${k}=${m.tags[k]}`)
      .join(',');
    rows.push([m.name, tcpAddrString(m.addr, m.port), memberStatusString(m.status), tags].join(us));
  }
  return rows;
}
