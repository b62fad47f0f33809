#!/usr/bin/env bash
# Gossip simulator figures (issue 5): the SWIM core with memberlist's LAN profile, pools of 100
# and 1,000 members on the simulated network of src/sim/gossip (simulated time, seeded, so a
# seed's figures repeat exactly), set beside memberlist's and serf's formulas. No agents run. For
# each pool size and seed (bench/gossip-sim.mjs, on worker threads):
#   join storm   member 0 starts alone, the others join 10 ms apart, each through a random
#                member already running: time from the last join until 99.9% of the member
#                pairs are known, and until every member knows every other as alive
#   one join     a newcomer joins a settled pool: time until it is known alive everywhere
#   crash        a random member is cut off: time until the first, and until every other member
#                declares it dead (Lifeguard on and off), and live members declared dead meanwhile
#   healthy      packets and bytes each member sends per second over one push/pull interval
#   false positives   10% packet loss and one slow member (it handles what reaches it late, in
#                arrival order; BENCH_SLOW delay ranges), nobody fails, Lifeguard on and off:
#                healthy members declared dead, by whom, the slow member declared dead, refutations
# Prints the section "## Gossip simulator (issue 5)" as Markdown and, with BENCH_WRITE=1, writes
# it into BENCH_OUT (replacing that section).
#
#   npm ci && bench/gossip-sim.sh                             # from the repo root (any cwd works)
#   BENCH_SIZES=100 BENCH_SEEDS=20 bench/gossip-sim.sh        # more seeds, 100 members only
#
# Environment (defaults in brackets):
#   BENCH_SIZES [100,1000]     pool sizes (comma list)
#   BENCH_SEEDS [5]            seeds 1..N for pools of up to 300 members
#   BENCH_SEEDS_LARGE [3]      seeds for larger pools
#   BENCH_FP_MINUTES [5]       simulated minutes of each false-positive run (up to 300 members)
#   BENCH_FP_MINUTES_LARGE [1] ... for larger pools
#   BENCH_SLOW [500-3000,8000-16000]   the slow member's processing delay ranges, ms (comma list)
#   BENCH_JOBS [cores]         worker threads
#   BENCH_BUILD [1]            1: `npm run build` first (the runner imports dist/); 0: use BENCH_DIST as it is
#   BENCH_DIST [<repo>/dist]   the built JS to run (with BENCH_BUILD=0; e.g. a `tsc --outDir` elsewhere)
#   BENCH_WRITE [0]            1: write the section into BENCH_OUT; 0: only print it
#   BENCH_OUT [<repo>/BENCHMARKS.md]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

bench_name=gossip-sim.sh
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

sizes=${BENCH_SIZES:-100,1000}
seeds=${BENCH_SEEDS:-5}
seeds_large=${BENCH_SEEDS_LARGE:-3}
fp_minutes=${BENCH_FP_MINUTES:-5}
fp_minutes_large=${BENCH_FP_MINUTES_LARGE:-1}
slow=${BENCH_SLOW:-500-3000,8000-16000}
jobs=${BENCH_JOBS:-$(nproc)}
build=${BENCH_BUILD:-1}
dist=${BENCH_DIST:-$root/dist}
write=${BENCH_WRITE:-0}
out=${BENCH_OUT:-$root/BENCHMARKS.md}

require_uints seeds:BENCH_SEEDS seeds_large:BENCH_SEEDS_LARGE fp_minutes:BENCH_FP_MINUTES fp_minutes_large:BENCH_FP_MINUTES_LARGE jobs:BENCH_JOBS
((seeds >= 1 && seeds_large >= 1 && fp_minutes >= 1 && fp_minutes_large >= 1 && jobs >= 1)) || die "BENCH_SEEDS, BENCH_SEEDS_LARGE, BENCH_FP_MINUTES, BENCH_FP_MINUTES_LARGE and BENCH_JOBS must be >= 1"
[[ $sizes =~ ^[0-9]+(,[0-9]+)*$ ]] || die "BENCH_SIZES must be a comma list of pool sizes, got '$sizes'"
for n in ${sizes//,/ }; do ((n >= 3 && n <= 65536)) || die "BENCH_SIZES: each pool size must be 3 to 65536, got $n"; done
[[ $slow =~ ^[0-9]+-[0-9]+(,[0-9]+-[0-9]+)*$ ]] || die "BENCH_SLOW must be a comma list of MIN-MAX delays in ms, got '$slow'"
[[ $build == 0 || $build == 1 ]] || die "BENCH_BUILD must be 0 or 1"
[[ $write == 0 || $write == 1 ]] || die "BENCH_WRITE must be 0 or 1"
command -v node >/dev/null || die "node is required (Node 20)"

if ((build == 1)); then
  [[ -d $root/node_modules ]] || die "run \`npm ci\` in $root first"
  log "npm run build"
  npm run build --silent >&2 || die "npm run build failed"
fi
[[ $build == 0 || $dist == "$root/dist" ]] || die "BENCH_DIST is only read with BENCH_BUILD=0 (the build writes $root/dist)"
[[ -f $dist/sim/gossip/scenarios.js ]] || die "$dist/sim/gossip/scenarios.js is missing: run \`npm run build\` (or leave BENCH_BUILD at 1)"

version=$(node -p 'require("./package.json").version')
rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || true)
if [[ -n $rev ]]; then
  [[ -z $(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null) ]] || rev="$rev+dirty"
  version="$version ($rev)"
fi
command=$(repeat_command bench/gossip-sim.sh "BENCH_SIZES=$sizes:100,1000" "BENCH_SEEDS=$seeds:5" "BENCH_SEEDS_LARGE=$seeds_large:3" \
  "BENCH_FP_MINUTES=$fp_minutes:5" "BENCH_FP_MINUTES_LARGE=$fp_minutes_large:1" "BENCH_SLOW=$slow:500-3000,8000-16000")

args=(--dist "$dist" --sizes "$sizes" --seeds "$seeds" --seeds-large "$seeds_large" --fp-minutes "$fp_minutes"
  --fp-minutes-large "$fp_minutes_large" --slow "$slow" --jobs "$jobs" --command "$command" --version "$version")
((write == 0)) || args+=(--write "$out")
node "$here/gossip-sim.mjs" "${args[@]}"
