/**
 * ACL checks of the agent's own endpoints (`/v1/agent/*`, the keyring), as Consul's
 * agent/agent_endpoint.go makes them: the agent resolves the request's token (on a server from
 * its own state, on a client agent through a server) and each handler asks what it needs —
 * `agent:read` for self and metrics, `service:write` to register, `node:read` per member shown,
 * and so on. With ACLs disabled `authorize` gives manageAll and the checks cost nothing.
 */
import { manageAll, type Authorizer } from '../acl/index.js';
import { permissionDenied } from '../server/index.js';
import type { RequestContext } from './context.js';

export interface AgentAuth {
  /** This agent's node name (agent and node rules are about it). */
  nodeName(): string;
  /** What `token` may do ('' is the anonymous token); "ACL not found" for an unknown one. */
  authorize(token: string): Promise<Authorizer> | Authorizer;
}

export const openAgentAuth: AgentAuth = { nodeName: () => '', authorize: () => manageAll };

/** The request's authorizer. */
export function authorizerOf(auth: AgentAuth, ctx: RequestContext): Promise<Authorizer> | Authorizer {
  return auth.authorize(ctx.token);
}

/** Throws "Permission denied" unless `allowed`. */
export function need(allowed: boolean): void {
  if (!allowed) throw permissionDenied();
}
