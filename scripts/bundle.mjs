// Bundles the compiled CLI (dist/cli/main.js and the ~400 modules it imports) into two ES
// modules: dist/cli/muster.mjs, which bin/muster runs and which holds the agent and everything
// the commands share with it, and dist/cli/muster-cli.mjs, the CLI's other commands, which
// main.js imports only when one of them runs. Part of `npm run build` (and so of `npm ci`),
// after tsc.
//
// Why one file: Node keeps per-module state for every ES module it loads (the module record,
// its namespace and environment, the loader's job), and that costs more than the code itself:
// the agent started from the 400 files of dist/ sat at about 69 MiB RSS idle, from one file at
// about 55 MiB (BENCHMARKS.md, KV: RSS idle). Imports across modules also become plain local
// bindings. Why two: a running agent never needs the forty commands' code (130 KB of source
// that V8 keeps, and their classes), and leaving it out took 0.7 MiB off its idle RSS; five
// chunks, rolldown's own split, lost most of that to per-module costs again.
// dist/ keeps the separate modules for the benches and tools that import them.
//
// The bundle sits in dist/cli/ so that paths relative to import.meta.url (package.json from
// agent/version.ts, two levels up) resolve as they do from the separate modules. Node's
// built-in modules stay external; the npm dependencies are bundled in.
import { readdirSync, rmSync } from 'node:fs';
import { build } from 'rolldown';

const root = new URL('..', import.meta.url);
const started = Date.now();
const out = new URL('dist/cli/', root).pathname;
// Chunks of an earlier build (other names, other splits) must not linger next to this one.
for (const f of readdirSync(out)) if (/^muster.*\.mjs(\.map)?$/.test(f)) rmSync(out + f);
await build({
  input: new URL('dist/cli/main.js', root).pathname,
  platform: 'node',
  logLevel: 'warn',
  output: {
    dir: out,
    entryFileNames: 'muster.mjs',
    chunkFileNames: 'muster-[name].mjs',
    // The commands (but `agent`) in one chunk; all the rest joins the entry. Without
    // includeDependenciesRecursively: false, the `cli` group would take everything the
    // commands import, the agent included.
    codeSplitting: {
      includeDependenciesRecursively: false,
      groups: [
        { name: 'cli', test: (id) => /[\\/]dist[\\/]cli[\\/]commands[\\/]/.test(id) && !/[\\/]commands[\\/]agent\.js$/.test(id), priority: 1 },
        { name: 'core', priority: 0 },
      ],
    },
    format: 'esm',
    sourcemap: true,
    comments: false,
    charset: 'ascii',
    // Without whitespace and with constant folding and dead-code removal, the source V8 keeps
    // for lazy compilation is 0.95 MB instead of 1.19 (about 0.4 MiB less idle RSS). Names are
    // not mangled, so stack traces in logs still name their functions (positions map back
    // through muster.mjs.map, e.g. with `node --enable-source-maps`); mangling would save
    // 0.3 MiB more and lose that.
    minify: { compress: true, mangle: false, codegen: { removeWhitespace: true } },
  },
});
process.stdout.write(`bundled dist/cli/muster.mjs in ${Date.now() - started} ms\n`);
