#!/usr/bin/env bash
# KV throughput, latency and memory: Muster vs the reference Consul (1.8.7), side by side in
# one run on this machine. Both run `agent -dev` (in-memory) on their own loopback address:
#   Consul 127.0.0.30 (HTTP 30500), Muster 127.0.0.31 (HTTP 30510).
# Measures, for each: RSS idle; PUT (100-byte value, key varying per request over a key
# space) and GET of one key with wrk at -t1 -c1 and -t2 -c64; RSS after that load; then, on
# freshly restarted agents, a fill of 100k keys (Node, 64 in flight, keep-alive) and RSS again. Prints a Markdown table and writes the section
# "## KV (issue 2)" of BENCHMARKS.md (ratios > 1 mean Muster is better).
#
#   npm ci && bench/kv.sh                       # from the repo root (any cwd works)
#   BENCH_TARGETS=consul bench/kv.sh            # Consul only (no Muster build needed)
#
# Environment (defaults in brackets):
#   BENCH_SECONDS [10]    wrk duration of each measured run, seconds
#   BENCH_WARMUP [2]      wrk warm-up before each measurement (per target and test), seconds; 0 = none
#   BENCH_RUNS [1]        runs of each wrk measurement; the table shows the median
#   BENCH_TARGETS [consul,muster]   which to run: consul, muster or both
#   BENCH_PUT_KEYS [10000]          key space of the PUT runs
#   BENCH_FILL_KEYS [100000]        keys written by the fill
#   BENCH_FILL_CONCURRENCY [64]     requests in flight during the fill
#   BENCH_FILL_DEADLINE [600]       the fill stops after this many seconds
#   BENCH_SETTLE [5]      seconds to wait before each RSS reading
#   BENCH_LOG_LEVEL [info]          -log-level for both agents ('' keeps -dev's DEBUG)
#   BENCH_WRITE [auto]    1: write BENCHMARKS.md; 0: only print; auto: write if both targets ran
#   BENCH_OUT [<repo>/BENCHMARKS.md]
#   BENCH_KEEP [0]        1: keep the work dir (agent logs, raw wrk output) after the run
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

bench_name=kv.sh
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

secs=${BENCH_SECONDS:-10}
warmup=${BENCH_WARMUP:-2}
runs=${BENCH_RUNS:-1}
targets_arg=${BENCH_TARGETS:-consul,muster}
put_keys=${BENCH_PUT_KEYS:-10000}
fill_keys=${BENCH_FILL_KEYS:-100000}
fill_conc=${BENCH_FILL_CONCURRENCY:-64}
fill_deadline=${BENCH_FILL_DEADLINE:-600}
settle=${BENCH_SETTLE:-5}
log_level=${BENCH_LOG_LEVEL-info}
write=${BENCH_WRITE:-auto}
out=${BENCH_OUT:-$root/BENCHMARKS.md}
keep=${BENCH_KEEP:-0}

require_uints secs:BENCH_SECONDS warmup:BENCH_WARMUP runs:BENCH_RUNS put_keys:BENCH_PUT_KEYS fill_keys:BENCH_FILL_KEYS \
  fill_conc:BENCH_FILL_CONCURRENCY fill_deadline:BENCH_FILL_DEADLINE settle:BENCH_SETTLE
((secs >= 1 && runs >= 1 && put_keys >= 1 && fill_keys >= 1 && fill_conc >= 1 && fill_deadline >= 1)) ||
  die "BENCH_SECONDS, BENCH_RUNS, BENCH_PUT_KEYS, BENCH_FILL_* must be >= 1"

parse_targets "$targets_arg"

# ---- tools -------------------------------------------------------------------------------
require_tools

# ---- agents ------------------------------------------------------------------------------
declare -A addr pid port_http
addr[consul]=127.0.0.30 port_http[consul]=30500
addr[muster]=127.0.0.31 port_http[muster]=30510

setup_work kv

level_flags=()
[[ -z $log_level ]] || level_flags=(-log-level "$log_level")
start_all() {
  if has consul; then
    start_agent consul "$consul_bin" agent -dev "${level_flags[@]}" -bind 127.0.0.30 -client 127.0.0.30 \
      -http-port 30500 -dns-port 30600 -server-port 30300 -serf-lan-port 30301 -serf-wan-port 30302 -grpc-port 30502
  fi
  if has muster; then
    start_agent muster "$root/bin/muster" agent -dev "${level_flags[@]}" -bind 127.0.0.31 -client 127.0.0.31 \
      -http-port 30510 -dns-port 30610 -server-port 30310 -serf-lan-port 30311 -serf-wan-port 30312 -grpc-port 30512
  fi
  for t in "${targets[@]}"; do wait_leader "$t"; done
}
start_all

# ---- measurements ------------------------------------------------------------------------
# run_wrk TARGET TEST THREADS CONNS DURATION_S OUTFILE
run_wrk() {
  local t=$1 test=$2 th=$3 c=$4 d=$5 outf=$6 url args=()
  url=$(base "$t")
  case $test in
    put_*) args=(-s "$here/kv-put.lua") ;;
    get_*) url=$url/v1/kv/bench/get-key ;;
  esac
  KV_KEYS=$put_keys KV_THREADS=$th KV_PREFIX=bench/put/ \
    timeout -k 5 $((d + 30)) wrk "-t$th" "-c$c" "-d${d}s" --timeout 5s --latency "${args[@]}" "$url" >"$outf" 2>&1 ||
    { cat "$outf" >&2; die "wrk failed against $t ($test)"; }
}

for t in "${targets[@]}"; do
  code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X PUT --data-binary "$(printf 'g%.0s' $(seq 100))" "$(base "$t")/v1/kv/bench/get-key" || true)
  [[ $code == 200 ]] || die "$t: PUT /v1/kv/bench/get-key answered '$code', expected 200"
done

log "settling ${settle}s before the idle RSS reading"
sleep "$settle"
for t in "${targets[@]}"; do
  record "$t" rss_idle "$(proc_kib VmRSS "$t")"
done

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
tests=(put_c1 put_c64 get_c1 get_c64)
for test in "${tests[@]}"; do
  case $test in *_c1) th=1 c=1 ;; *_c64) th=2 c=64 ;; esac
  if ((warmup > 0)); then
    for t in "${targets[@]}"; do
      log "$t $test: warm-up ${warmup}s"
      run_wrk "$t" "$test" "$th" "$c" "$warmup" "$work/wrk-$t-$test-warmup.txt"
    done
  fi
  for ((r = 1; r <= runs; r++)); do
    order=("${targets[@]}")
    if ((r % 2 == 0 && ${#targets[@]} == 2)); then order=("${targets[1]}" "${targets[0]}"); fi
    for t in "${order[@]}"; do
      f=$work/wrk-$t-$test-$r.txt
      run_wrk "$t" "$test" "$th" "$c" "$secs" "$f"
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

# RSS after the load runs; then the fill runs on fresh agents, so that its memory figure does
# not depend on how many writes each target managed in the PUT runs (the -dev Raft log is in memory).
log "settling ${settle}s before the after-load RSS reading"
sleep "$settle"
for t in "${targets[@]}"; do
  record "$t" rss_loaded "$(proc_kib VmRSS "$t")"
done
log "restarting the agents for the fill"
for t in "${targets[@]}"; do stop_agent "$t"; done
start_all

for t in "${targets[@]}"; do
  log "$t: filling $fill_keys keys ($fill_conc in flight, deadline ${fill_deadline}s)"
  fill_out=$work/fill-$t.json
  frc=0
  timeout -k 5 $((fill_deadline + 60)) node "$here/kv-fill.mjs" "$(base "$t")" "$fill_keys" "$fill_conc" "$fill_deadline" bench/fill/ \
    >"$fill_out" 2>"$work/fill-$t.err" || frc=$?
  line=$(tail -n 1 "$fill_out" 2>/dev/null || true)
  [[ $line == \{* ]] || { cat "$work/fill-$t.err" >&2; die "$t: the fill printed no result (exit $frc)"; }
  log "$t fill: $line"
  node -e '
    const r = JSON.parse(process.argv[1]);
    const bad = r.count - r.ok + (r.listed === r.count ? 0 : 1);
    console.log(`fill_rps\t${r.rps}\nfill_s\t${r.seconds}\nfill_errors\t${bad}`);
    if (r.firstError) console.error(`[kv.sh] fill error: ${r.firstError} (listed ${r.listed} of ${r.count})`);
  ' "$line" | while IFS=$'\t' read -r k v; do record "$t" "$k" "$v"; done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

log "settling ${settle}s before the filled RSS reading"
sleep "$settle"
for t in "${targets[@]}"; do
  record "$t" rss_filled "$(proc_kib VmRSS "$t")"
  record "$t" rss_peak "$(proc_kib VmHWM "$t")"
done

# ---- versions, machine, report -----------------------------------------------------------
for t in "${targets[@]}"; do stop_agent "$t"; done

meta_machine "start $load_start, end $load_end"
meta settings "wrk ${secs}s per run after ${warmup}s warm-up, median of $runs run(s); PUT key space $put_keys; fill $fill_keys keys, $fill_conc in flight; RSS read ${settle}s after settling; agents at -log-level ${log_level:-debug (dev default)}"
# The command to repeat this run: the non-default settings, then the script.
meta command "$(repeat_command bench/kv.sh "BENCH_SECONDS=$secs:10" "BENCH_WARMUP=$warmup:2" "BENCH_RUNS=$runs:1" \
  "BENCH_TARGETS=$(IFS=,; echo "${targets[*]}"):consul,muster" "BENCH_PUT_KEYS=$put_keys:10000" "BENCH_FILL_KEYS=$fill_keys:100000" \
  "BENCH_FILL_CONCURRENCY=$fill_conc:64" "BENCH_SETTLE=$settle:5" "BENCH_LOG_LEVEL=$log_level:info")"

report_args=("$results")
case $write in
  1) report_args+=(--write "$out") ;;
  auto) if has consul && has muster; then report_args+=(--write "$out"); fi ;;
  0) ;;
  *) die "BENCH_WRITE must be 1, 0 or auto" ;;
esac
node "$here/kv-report.mjs" "${report_args[@]}"
if ((${#report_args[@]} > 1)); then log "wrote section '## KV (issue 2)' of $out"; else log "BENCHMARKS.md not written (BENCH_WRITE=$write, targets: ${targets[*]})"; fi
status=0
