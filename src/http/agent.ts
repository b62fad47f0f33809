/** /v1/agent/self, /v1/agent/members, /v1/agent/leave: what the local agent reports. */
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
  members(): MemberInfo[];
  /** Leaves the cluster gracefully; resolves with what to do once the reply is sent (shut down). */
  leave(): Promise<() => void>;
  /** Joins the gossip pool through `address` (`host` or `host:port`); throws with Consul's text. */
  join(address: string, wan: boolean): Promise<void>;
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

export function registerAgent(router: Router, agent: AgentApi): void {
  router.add('/v1/agent/self', ['GET'], () => ({ json: agent.self() }));
  router.add('/v1/agent/members', ['GET'], () => ({ json: agent.members().map(memberJson) }));
  router.add('/v1/agent/join/', ['PUT'], async (ctx) => {
    await agent.join(ctx.path.slice('/v1/agent/join/'.length), ctx.query.has('wan'));
    return { text: '' };
  });
  router.add('/v1/agent/leave', ['PUT'], async () => {
    const then = await agent.leave();
    return { text: '', afterWrite: then };
  });
}
