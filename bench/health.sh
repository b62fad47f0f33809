#!/usr/bin/env bash
# Health endpoint and blocking-query fan-out: Muster vs the reference Consul (1.8.7), side by
# side in one run on this machine. Both run `agent -dev` (in-memory) on their own loopback
# address, configured to take BENCH_BLOCKERS connections from one client
# (`limits { http_max_conns_per_client = 10000 }`; Consul's default is 200):
#   Consul 127.0.0.32 (HTTP 33500), Muster 127.0.0.33 (HTTP 33510).
# For each: register BENCH_INSTANCES instances of service `web` spread over BENCH_NODES nodes
# (PUT /v1/catalog/register, one passing check each), the RSS then; GET
# /v1/health/service/web?passing with wrk at -t1 -c1 and -t2 -c64 (throughput, p50, p99; the
# response size is recorded); RSS after that. Then, for each level N of BENCH_BLOCKERS, on
# freshly restarted and re-registered agents, BENCH_ROUNDS rounds of: N blocking queries
# GET /v1/health/service/web?index=<current>&wait=5m held open by one Node process, the agent's
# RSS once they are all parked, one check set to critical, the time until all N have returned
# (each must carry the write's index) and the agent's peak RSS meanwhile. Prints a Markdown table
# and writes the section "## Health (issue 3)" of BENCHMARKS.md (ratios > 1: Muster is better).
#
#   npm ci && bench/health.sh                   # from the repo root (any cwd works)
#   BENCH_TARGETS=consul bench/health.sh        # Consul only (no Muster build needed)
#
# Environment (defaults in brackets):
#   BENCH_SECONDS [10]    wrk duration of each measured run, seconds
#   BENCH_WARMUP [2]      wrk warm-up before each measurement (per target and test), seconds; 0 = none
#   BENCH_RUNS [1]        runs of each wrk measurement; the table shows the median
#   BENCH_TARGETS [consul,muster]   which to run: consul, muster or both
#   BENCH_INSTANCES [1000]          instances of `web` registered
#   BENCH_NODES [100]               nodes they are spread over (instance i on node i mod NODES)
#   BENCH_REGISTER_CONCURRENCY [16] registrations in flight
#   BENCH_BLOCKERS [500,1000,5000]     blocking queries held at once: one level or a comma list
#   BENCH_ROUNDS [3]      fan-out rounds per level; the table shows the median
#   BENCH_BLOCK_DEADLINE [280]      a round stops waiting this many seconds after the write
#   BENCH_RSS_GUARD_MIB [12288]     an agent whose RSS passes this during a fan-out is killed
#                                   (SIGKILL) and the round reported as aborted; the fan-out is
#                                   also stopped when MemAvailable falls under 3 GiB
#   BENCH_SETTLE [5]      seconds to wait before each RSS reading (and after the queries are parked)
#   BENCH_LOG_LEVEL [info]          -log-level for both agents ('' keeps -dev's DEBUG)
#   BENCH_WRITE [auto]    1: write BENCHMARKS.md; 0: only print; auto: write if both targets ran
#   BENCH_OUT [<repo>/BENCHMARKS.md]
#   BENCH_KEEP [0]        1: keep the work dir (agent logs, raw results) after the run
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

bench_name=health.sh
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

secs=${BENCH_SECONDS:-10}
warmup=${BENCH_WARMUP:-2}
runs=${BENCH_RUNS:-1}
targets_arg=${BENCH_TARGETS:-consul,muster}
instances=${BENCH_INSTANCES:-1000}
nodes=${BENCH_NODES:-100}
reg_conc=${BENCH_REGISTER_CONCURRENCY:-16}
blockers_arg=${BENCH_BLOCKERS:-500,1000,5000}
rounds=${BENCH_ROUNDS:-3}
block_deadline=${BENCH_BLOCK_DEADLINE:-280}
rss_guard=${BENCH_RSS_GUARD_MIB:-12288}
settle=${BENCH_SETTLE:-5}
log_level=${BENCH_LOG_LEVEL-info}
write=${BENCH_WRITE:-auto}
out=${BENCH_OUT:-$root/BENCHMARKS.md}
keep=${BENCH_KEEP:-0}

require_uints secs:BENCH_SECONDS warmup:BENCH_WARMUP runs:BENCH_RUNS instances:BENCH_INSTANCES nodes:BENCH_NODES \
  reg_conc:BENCH_REGISTER_CONCURRENCY rounds:BENCH_ROUNDS block_deadline:BENCH_BLOCK_DEADLINE rss_guard:BENCH_RSS_GUARD_MIB \
  settle:BENCH_SETTLE
((secs >= 1 && runs >= 1 && instances >= 1 && nodes >= 1 && reg_conc >= 1 && rounds >= 1 && block_deadline >= 1 && rss_guard >= 1)) ||
  die "BENCH_SECONDS, BENCH_RUNS, BENCH_INSTANCES, BENCH_NODES, BENCH_REGISTER_CONCURRENCY, BENCH_ROUNDS, BENCH_BLOCK_DEADLINE, BENCH_RSS_GUARD_MIB must be >= 1"
((instances >= rounds)) || die "BENCH_INSTANCES must be at least BENCH_ROUNDS (each round sets another check critical)"
blockers=()
max_blockers=0
IFS=', ' read -r -a _b <<<"$blockers_arg"
for n in "${_b[@]}"; do
  [[ -z $n ]] && continue
  [[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 10000)) || die "BENCH_BLOCKERS: '$n' is not a whole number from 1 to 10000"
  blockers+=("$n")
  ((n <= max_blockers)) || max_blockers=$n
done
((${#blockers[@]} > 0)) || die "BENCH_BLOCKERS names no level"
blockers_csv=$(IFS=,; echo "${blockers[*]}")

parse_targets "$targets_arg"

# ---- tools, limits -----------------------------------------------------------------------
require_tools
# One client process holds every blocking query, and each agent serves them all: both need a
# descriptor per connection, plus room for the agents' own files.
fds_needed=$((max_blockers + 4096))
if (($(ulimit -n) < fds_needed)); then
  if (($(ulimit -Hn) < fds_needed)); then ulimit -Hn "$fds_needed" 2>/dev/null || die "cannot raise the hard open-files limit to $fds_needed (ulimit -Hn is $(ulimit -Hn))"; fi
  ulimit -n "$fds_needed" || die "cannot raise the open-files limit to $fds_needed"
fi
log "open-files limit $(ulimit -n)"

# ---- agents ------------------------------------------------------------------------------
declare -A addr pid port_http
addr[consul]=127.0.0.32 port_http[consul]=33500
addr[muster]=127.0.0.33 port_http[muster]=33510

setup_work health

limits_hcl='limits { http_max_conns_per_client = 10000 }'
level_flags=()
[[ -z $log_level ]] || level_flags=(-log-level "$log_level")
start_all() {
  if has consul; then
    start_agent consul "$consul_bin" agent -dev "${level_flags[@]}" -hcl "$limits_hcl" -bind 127.0.0.32 -client 127.0.0.32 \
      -http-port 33500 -dns-port -1 -server-port 33501 -serf-lan-port 33502 -serf-wan-port -1 -grpc-port -1
  fi
  if has muster; then
    start_agent muster "$root/bin/muster" agent -dev "${level_flags[@]}" -hcl "$limits_hcl" -bind 127.0.0.33 -client 127.0.0.33 \
      -http-port 33510 -dns-port -1 -server-port 33511 -serf-lan-port 33512 -serf-wan-port -1 -grpc-port -1
  fi
  for t in "${targets[@]}"; do
    wait_leader "$t"
    # Should an agent run the machine out of memory, the kernel is to pick it, not a bystander.
    for q in $(tree_pids "${pid[$t]}"); do echo 1000 >"/proc/$q/oom_score_adj" 2>/dev/null || true; done
  done
}
stop_all() { for t in "${targets[@]}"; do stop_agent "$t"; done; }

# register TARGET: the instances, checked through ?passing; records the throughput.
register() {
  local t=$1 line frc=0
  log "$t: registering $instances instances of web on $nodes nodes ($reg_conc in flight)"
  timeout -k 5 360 node "$here/health-register.mjs" "$(base "$t")" "$nodes" "$instances" "$reg_conc" 300 web \
    >"$work/register-$t.json" 2>"$work/register-$t.err" || frc=$?
  line=$(tail -n 1 "$work/register-$t.json" 2>/dev/null || true)
  [[ $line == \{* ]] || { cat "$work/register-$t.err" >&2; die "$t: the registration printed no result (exit $frc)"; }
  ((frc == 0)) || die "$t: registration failed: $line"
  node -e 'const r = JSON.parse(process.argv[1]); console.log(`register_rps\t${r.rps}`);' "$line" |
    while IFS=$'\t' read -r k v; do record "$t" "$k" "$v"; done
}

start_all
for t in "${targets[@]}"; do register "$t"; done

# ---- GET /v1/health/service/web?passing --------------------------------------------------
passing_path=/v1/health/service/web?passing
for t in "${targets[@]}"; do
  out_json=$work/passing-$t.json
  size=$(curl -s -m 30 -o "$out_json" -w '%{size_download}' "$(base "$t")$passing_path") || die "$t: GET $passing_path failed"
  entries=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).length)' "$out_json")
  ((entries == instances)) || die "$t: GET $passing_path lists $entries entries, expected $instances"
  record "$t" resp_bytes "$size"
  log "$t: GET $passing_path: $entries entries, $size bytes"
done

log "settling ${settle}s before the registered RSS reading"
sleep "$settle"
for t in "${targets[@]}"; do record "$t" rss_registered "$(proc_kib VmRSS "$t")"; done

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
# run_wrk TARGET THREADS CONNS DURATION_S OUTFILE
run_wrk() {
  local t=$1 th=$2 c=$3 d=$4 outf=$5
  timeout -k 5 $((d + 30)) wrk "-t$th" "-c$c" "-d${d}s" --timeout 10s --latency "$(base "$t")$passing_path" >"$outf" 2>&1 ||
    { cat "$outf" >&2; die "wrk failed against $t"; }
}
for test in get_c1 get_c64; do
  case $test in *_c1) th=1 c=1 ;; *_c64) th=2 c=64 ;; esac
  if ((warmup > 0)); then
    for t in "${targets[@]}"; do
      log "$t $test: warm-up ${warmup}s"
      run_wrk "$t" "$th" "$c" "$warmup" "$work/wrk-$t-$test-warmup.txt"
    done
  fi
  for ((r = 1; r <= runs; r++)); do
    order=("${targets[@]}")
    if ((r % 2 == 0 && ${#targets[@]} == 2)); then order=("${targets[1]}" "${targets[0]}"); fi
    for t in "${order[@]}"; do
      f=$work/wrk-$t-$test-$r.txt
      run_wrk "$t" "$th" "$c" "$secs" "$f"
      parsed=$(parse_wrk <"$f") || { cat "$f" >&2; die "could not parse wrk output for $t $test (above)"; }
      read -r rps p50 p99 errs <<<"$parsed"
      record "$t" "${test}_rps" "$rps"
      record "$t" "${test}_p50_us" "$p50"
      record "$t" "${test}_p99_us" "$p99"
      record "$t" "${test}_errors" "$errs"
      log "$t $test run $r/$runs: $rps req/s, p50 ${p50} us, p99 ${p99} us, errors $errs"
    done
  done
done
log "settling ${settle}s before the after-load RSS reading"
sleep "$settle"
for t in "${targets[@]}"; do record "$t" rss_loaded "$(proc_kib VmRSS "$t")"; done

# ---- blocking-query fan-out --------------------------------------------------------------
# note TEXT: a remark printed under the table (keyed by the results file's length: callable from subshells).
note() { meta "note_$(wc -l <"$results")" "$*"; log "note: $*"; }

# block TARGET N: the rounds at N blocking queries; records each round, notes what went wrong.
block() {
  local t=$1 n=$2 pids brc=0 outf=$work/block-$t-$n.jsonl
  pids=$(tree_pids "${pid[$t]}" | paste -sd, -)
  log "$t: $rounds round(s) of $n blocking queries (deadline ${block_deadline}s after each write)"
  timeout -k 5 $((rounds * (block_deadline + 420) + 60)) node "$here/health-block.mjs" "$(base "$t")" "$n" "$rounds" "$settle" \
    "$block_deadline" "$nodes" "$pids" web "$rss_guard" >"$outf" 2>"$work/block-$t-$n.err" || brc=$?
  grep -q '^{' "$outf" || { cat "$work/block-$t-$n.err" >&2; die "$t: the blocking client printed no result (exit $brc)"; }
  while IFS= read -r line; do
    log "$t $n: $line"
    node -e '
      const r = JSON.parse(process.argv[1]);
      const p = `b${r.conns}_`;
      const out = [[`${p}errors`, r.errors]];
      const complete = typeof r.allMs === "number"; // CPU time and response size only mean something for a whole fan-out
      for (const [k, v] of [["open_s", r.openS], ["rss_blocked", r.rssBlockedKib], ["write_ms", r.writeMs], ["first_ms", r.firstMs],
        ["p50_ms", r.p50Ms], ["all_ms", r.allMs], ["rss_peak", r.peakFanoutKib], ["agent_cpu_s", complete ? r.agentCpuS : null]]) {
        if (typeof v === "number") out.push([p + k, v]);
      }
      for (const [k, v] of out) console.log(`${k}\t${v}`);
    ' "$line" | while IFS=$'\t' read -r k v; do record "$t" "$k" "$v"; done
    node -e '
      const r = JSON.parse(process.argv[1]);
      if (r.errors || r.firstError) console.log(`round ${r.round}: ${r.errors} of ${r.conns} queries did not return the new index${r.returned !== undefined ? ` (${r.returned} returned after the write, ${r.early} before it)` : ""}; first: ${r.firstError}${r.aborted ? `; stopped: ${r.aborted}` : ""}`);
      else if (r.openS > 60) console.log(`round ${r.round}: the agent took ${r.openS} s to park the ${r.conns} queries`);
    ' "$line" | while IFS= read -r msg; do note "$(label "$t") at $n: $msg"; done
  done <"$outf"
  if ! alive "${pid[$t]}" && ! grep -q '"killed":true' "$outf"; then
    note "$(label "$t") at $n: the agent was no longer running after the fan-out; its log says: $(last_words "$work/$t.log")"
    keep=1
  fi
}
label() { case $1 in consul) echo Consul ;; muster) echo Muster ;; esac; }
# last_words LOG: the first fatal-looking line of an agent's log, else its last non-blank line.
last_words() {
  local line
  line=$(grep -m1 -E 'FATAL|[Ff]atal error|panic:|out of memory' "$1" || true)
  [[ -n $line ]] || line=$(grep -v '^[[:space:]]*$' "$1" | tail -n 1 || true)
  echo "${line:0:300}" | sed 's/^[[:space:]]*//'
}

for n in "${blockers[@]}"; do
  log "restarting the agents for $n blocking queries"
  stop_all
  start_all
  for t in "${targets[@]}"; do register "$t"; done
  sleep "$settle"
  for t in "${targets[@]}"; do block "$t" "$n"; done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
stop_all
if has muster; then
  ignored=$(grep -m1 'http_max_conns_per_client.*ignored' "$work/muster.log" | sed 's/^.*\[WARN\][[:space:]]*//' || true)
  [[ -z $ignored ]] || note "Muster warns at start-up: \`${ignored:0:300}\` (it does not limit connections per client; the setting is for Consul)"
fi

# ---- versions, machine, report -----------------------------------------------------------
meta_machine "start $load_start, end $load_end"
meta blockers "$blockers_csv"
meta instances "$instances"
meta nodes "$nodes"
meta settings "$instances instances of web on $nodes nodes ($((instances / nodes)) per node), registered $reg_conc in flight; wrk ${secs}s per run after ${warmup}s warm-up, median of $runs run(s); blocking levels $blockers_csv, median of $rounds round(s), deadline ${block_deadline}s after the write; memory guard ${rss_guard} MiB; RSS read ${settle}s after settling; agents at -log-level ${log_level:-debug (dev default)}, ${limits_hcl}; open-files limit $(ulimit -n)"
meta command "$(repeat_command bench/health.sh "BENCH_SECONDS=$secs:10" "BENCH_WARMUP=$warmup:2" "BENCH_RUNS=$runs:1" \
  "BENCH_TARGETS=$(IFS=,; echo "${targets[*]}"):consul,muster" "BENCH_INSTANCES=$instances:1000" "BENCH_NODES=$nodes:100" \
  "BENCH_REGISTER_CONCURRENCY=$reg_conc:16" "BENCH_BLOCKERS=$blockers_csv:500,1000,5000" "BENCH_ROUNDS=$rounds:3" \
  "BENCH_BLOCK_DEADLINE=$block_deadline:280" "BENCH_RSS_GUARD_MIB=$rss_guard:12288" "BENCH_SETTLE=$settle:5" "BENCH_LOG_LEVEL=$log_level:info")"

report_args=("$results")
case $write in
  1) report_args+=(--write "$out") ;;
  auto) if has consul && has muster; then report_args+=(--write "$out"); fi ;;
  0) ;;
  *) die "BENCH_WRITE must be 1, 0 or auto" ;;
esac
node "$here/health-report.mjs" "${report_args[@]}"
if ((${#report_args[@]} > 1)); then log "wrote section '## Health (issue 3)' of $out"; else log "BENCHMARKS.md not written (BENCH_WRITE=$write, targets: ${targets[*]})"; fi
status=0
