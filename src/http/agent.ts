/** /v1/agent/self, members, join, leave and force-leave: the local agent and its gossip pools. */
import { authorizerOf, need, openAgentAuth, type AgentAuth } from './agent-acl.js';
import type { Router } from './router.js';

/** A gossip member as the agent reports it (serf's Member). */
export interface MemberInfo {
  name: string;
  addr: string;
  port: number;
  tags: Record<string, string>;
  /** 1 alive, 2 leaving, 3 left, 4 failed. */
  status: number;
  protocolMin: number;
  protocolMax: number;
  protocolCur: number;
  delegateMin: number;
  delegateMax: number;
  delegateCur: number;
}

/** What http/ needs from the agent (the agent implements it; http never imports agent/). */
export interface AgentApi {
  /** The /v1/agent/self document, already in Consul's shape. */
  self(): Record<string, unknown>;
  /** The LAN pool's members, or the WAN pool's (undefined on a client: Consul answers null). */
  members(wan: boolean): MemberInfo[] | undefined;
  /** Leaves the cluster gracefully; resolves with what to do once the reply is sent (shut down). */
  leave(): Promise<() => void>;
  /** Joins the gossip pool through `address` (`host` or `host:port`); throws with Consul's text. */
  join(address: string, wan: boolean): Promise<void>;
  /** Marks a failed member left (`prune`: forgets it at once); throws with Consul's text. */
  forceLeave(node: string, prune: boolean): Promise<void>;
}

export function memberJson(m: MemberInfo): Record<string, unknown> {
  return {
    Name: m.name,
    Addr: m.addr,
    Port: m.port,
    Tags: Object.fromEntries(Object.entries(m.tags).sort(([a], [b]) => (a < b ? -1 : 1))),
    Status: m.status,
    ProtocolMin: m.protocolMin,
    ProtocolMax: m.protocolMax,
    ProtocolCur: m.protocolCur,
    DelegateMin: m.delegateMin,
    DelegateMax: m.delegateMax,
    DelegateCur: m.delegateCur,
  };
}

export function registerAgent(router: Router, agent: AgentApi, auth: AgentAuth = openAgentAuth): void {
  router.add('/v1/agent/self', ['GET'], async (ctx) => {
    need((await authorizerOf(auth, ctx)).agentRead(auth.nodeName()));
    return { json: agent.self() };
  });
  router.add('/v1/agent/members', ['GET'], async (ctx) => {
    const authz = await authorizerOf(auth, ctx);
    // Consul takes `wan` only with a value (`?wan=1`), and no segment but "" or _all with it.
    const wan = (ctx.query.get('wan') ?? '') !== '';
    const segment = ctx.query.get('segment') ?? '';
    if (wan && segment !== '' && segment !== '_all') return { status: 400, text: 'Cannot provide a segment with wan=true' };
    // Consul's filterMembers: only members whose node the token may read.
    return { json: agent.members(wan)?.filter((m) => authz.nodeRead(m.name)).map(memberJson) ?? null };
  });
  router.add('/v1/agent/join/', ['PUT'], async (ctx) => {
    need((await authorizerOf(auth, ctx)).agentWrite(auth.nodeName()));
    await agent.join(ctx.path.slice('/v1/agent/join/'.length), (ctx.query.get('wan') ?? '') !== '');
    return { text: '' };
  });
  router.add('/v1/agent/force-leave/', ['PUT'], async (ctx) => {
    need((await authorizerOf(auth, ctx)).operatorWrite());
    await agent.forceLeave(ctx.path.slice('/v1/agent/force-leave/'.length), ctx.query.has('prune'));
    return { text: '' };
  });
  router.add('/v1/agent/leave', ['PUT'], async (ctx) => {
    need((await authorizerOf(auth, ctx)).agentWrite(auth.nodeName()));
    const then = await agent.leave();
    return { text: '', afterWrite: then };
  });
}
