/**
 * Routing with Go's ServeMux rules, which are what Consul's URLs obey: a pattern ending in `/`
 * matches its whole subtree, the longest pattern wins, an unclean path (`//`, `/./`, `/../`)
 * is redirected (301) to its clean form, and a subtree root asked without its slash is
 * redirected to it. A route lists its methods; any other method gets 405 with `Allow`.
 *
 * (find-my-way, DESIGN.md's first choice, routes by parameters and treats trailing slashes and
 * unclean paths differently; matching Go exactly is simpler with this 80-line table.)
 */
import type { RequestContext } from './context.js';
import type { Reply } from './reply.js';

export type Handler = (ctx: RequestContext) => Promise<Reply> | Reply;

export interface Route {
  pattern: string;
  methods: readonly string[];
  handler: Handler;
  /** The metric name part Consul uses: `v1.kv._` for the subtree `/v1/kv/`, `v1.agent.self`. */
  metricKey: string;
  /** `http.<METHOD>.<metricKey>`, built once per method. */
  metricNames: Map<string, string>;
  /**
   * Behind Consul's endpoint wrapper (agent/http.go): OPTIONS answered with `Allow`, 405s name
   * OPTIONS too, replies vary by Accept-Encoding. False for the bare index handler at `/`.
   */
  wrapped: boolean;
}

export type Match = { route: Route } | { redirect: string } | { notFound: true };

export class Router {
  private readonly exact = new Map<string, Route>();
  /** Subtree patterns (ending in `/`) by pattern. */
  private readonly subtrees = new Map<string, Route>();

  add(pattern: string, methods: readonly string[], handler: Handler, opts: { wrapped?: boolean } = {}): void {
    const metricKey = pattern.slice(1).replace(/\/$/, '/_').replace(/\//g, '.');
    const route: Route = { pattern, methods, handler, metricKey, metricNames: new Map(), wrapped: opts.wrapped ?? true };
    if (pattern.endsWith('/')) this.subtrees.set(pattern, route);
    else this.exact.set(pattern, route);
  }

  match(path: string, rawQuery: string): Match {
    const clean = cleanPath(path);
    if (clean !== path) return { redirect: clean + (rawQuery ? `?${rawQuery}` : '') };
    const exact = this.exact.get(path);
    if (exact) return { route: exact };
    // A subtree's root asked without its slash is redirected before any shorter pattern can
    // match (ServeMux.shouldRedirect): `/v1/kv` goes to `/v1/kv/`, not to the root's 404.
    const dir = this.subtrees.get(`${path}/`);
    if (dir) return { redirect: dir.pattern + (rawQuery ? `?${rawQuery}` : '') };
    // The longest subtree pattern that is a prefix: the path's prefixes ending in '/', longest first.
    for (let slash = path.lastIndexOf('/'); slash >= 0; slash = slash === 0 ? -1 : path.lastIndexOf('/', slash - 1)) {
      const r = this.subtrees.get(path.slice(0, slash + 1));
      if (r) return { route: r };
    }
    return { notFound: true };
  }
}

/** Go's path.Clean as ServeMux applies it, keeping a trailing slash. */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  if (!p.includes('//') && !p.includes('/.') && p.startsWith('/')) return p;
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  let out = '/' + parts.join('/');
  if (p.endsWith('/') && out !== '/') out += '/';
  return out;
}
