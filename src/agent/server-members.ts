/** Servers among the LAN gossip members, as Raft membership and bootstrapping see them (Consul's metadata.IsConsulServer). */
import type { SerfMember } from '../serf/index.js';
import type { ServerMember } from '../server/index.js';
import { joinHostPort } from './checks/go-net.js';

export interface ServerTags extends ServerMember {
  /** bootstrap_expect as the server announces it (0: none). */
  expect: number;
  bootstrap: boolean;
  /** Its version (the `build` tag up to any `:`). */
  build: string;
  raftVsn: string;
}

/** The member as a server of `datacenter`, or undefined when it is not one (a client, another DC, bad tags). */
export function serverMember(m: SerfMember, datacenter: string): ServerTags | undefined {
  const t = m.tags;
  const port = Number(t['port']);
  if (t['role'] !== 'consul' || t['dc'] !== datacenter || !Number.isInteger(port) || port <= 0 || !t['id']) return undefined;
  const expect = Number(t['expect'] ?? '0');
  return {
    id: t['id'],
    name: m.name,
    address: joinHostPort(m.address.ip, port),
    status: m.status,
    nonVoter: t['nonvoter'] === '1',
    expect: Number.isInteger(expect) && expect > 0 ? expect : 0,
    bootstrap: t['bootstrap'] === '1',
    build: (t['build'] ?? '').split(':')[0]!,
    raftVsn: t['raft_vsn'] ?? '',
  };
}

export function serverMembers(members: readonly SerfMember[], datacenter: string): ServerTags[] {
  return members.map((m) => serverMember(m, datacenter)).filter((s): s is ServerTags => s !== undefined);
}
