// Bundles the compiled CLI (dist/cli/main.js and the ~400 modules it imports) into one ES
// module, dist/cli/muster.mjs, which bin/muster runs. Part of `npm run build` (and so of
// `npm ci`), after tsc.
//
// Why: Node keeps per-module state for every ES module it loads (the module record, its
// namespace and environment, the loader's job), and that costs more than the code itself: the
// agent started from the 400 files of dist/ sat at about 69 MiB RSS idle, from this one file at
// about 55 MiB (BENCHMARKS.md, KV: RSS idle). Imports across modules also become plain local
// bindings. dist/ keeps the separate modules for the benches and tools that import them.
//
// The bundle sits in dist/cli/ so that paths relative to import.meta.url (package.json from
// agent/version.ts, two levels up) resolve as they do from the separate modules. Node's
// built-in modules stay external; the npm dependencies are bundled in.
import { build } from 'rolldown';

const root = new URL('..', import.meta.url);
const started = Date.now();
await build({
  input: new URL('dist/cli/main.js', root).pathname,
  platform: 'node',
  logLevel: 'warn',
  output: {
    file: new URL('dist/cli/muster.mjs', root).pathname,
    format: 'esm',
    sourcemap: true,
    comments: false,
    charset: 'ascii',
  },
});
process.stdout.write(`bundled dist/cli/muster.mjs in ${Date.now() - started} ms\n`);
