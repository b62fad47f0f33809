/** /v1/status/leader and /v1/status/peers. */
import type { ServerApi } from '../server/index.js';
import type { Router } from './router.js';

export function registerStatus(router: Router, server: ServerApi): void {
  router.add('/v1/status/leader', ['GET'], async () => ({ json: await server.statusLeader() }));
  router.add('/v1/status/peers', ['GET'], async () => ({ json: await server.statusPeers() }));
}
