/**
 * The servers a client agent may call (Consul's router.Manager): learned from gossip (members
 * tagged `role=consul` in this datacenter), kept in a shuffled order so clients spread over the
 * servers, the first one used until a call to it fails, which sends it to the back of the list.
 * Pure: randomness is injected.
 */
import type { Rng } from '../lib/index.js';

export interface ServerRoute {
  /** The server's node name. */
  name: string;
  /** Its RPC address, `ip:port`. */
  address: string;
}

export class ServerRouter {
  private routes: ServerRoute[] = [];

  constructor(private readonly rng: Rng) {}

  get size(): number {
    return this.routes.length;
  }

  all(): readonly ServerRoute[] {
    return this.routes;
  }

  /**
   * Adds a server, or updates its address. A new one goes to a random place, so a fleet of
   * clients that learn the servers in the same order does not pile onto the first.
   */
  upsert(route: ServerRoute): boolean {
    const i = this.routes.findIndex((r) => r.name === route.name);
    if (i >= 0) {
      if (this.routes[i]!.address !== route.address) this.routes = this.routes.map((r, j) => (j === i ? { ...route } : r));
      return false;
    }
    const at = this.rng.int(this.routes.length + 1);
    this.routes = [...this.routes.slice(0, at), { ...route }, ...this.routes.slice(at)];
    return true;
  }

  remove(name: string): boolean {
    const before = this.routes.length;
    this.routes = this.routes.filter((r) => r.name !== name);
    return this.routes.length !== before;
  }

  /** The server to call, or undefined when none is known. */
  find(): ServerRoute | undefined {
    return this.routes[0];
  }

  /** A call to `route` failed: try the others first from now on (NotifyFailedServer). */
  failed(route: ServerRoute): void {
    if (this.routes.length < 2 || this.routes[0]!.name !== route.name) return;
    this.routes = [...this.routes.slice(1), this.routes[0]!];
  }

  /** A fresh random order (Consul rebalances every few minutes so load evens out after changes). */
  rebalance(): void {
    const r = [...this.routes];
    for (let i = r.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [r[i], r[j]] = [r[j]!, r[i]!];
    }
    this.routes = r;
  }
}
