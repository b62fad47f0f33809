/** /v1/status/leader and /v1/status/peers. */
import type { Server } from '../server/index.js';
import type { Router } from './router.js';

export function registerStatus(router: Router, server: Server): void {
  router.add('/v1/status/leader', ['GET'], () => ({ json: server.statusLeader() }));
  router.add('/v1/status/peers', ['GET'], () => ({ json: server.statusPeers() }));
}
