#!/usr/bin/env bash
# Raft on a 3-server cluster: Muster vs the reference Consul (1.8.7) vs etcd 3.4 (Debian
# etcd-server), side by side in one run on this machine. One cluster runs at a time, each on its
# own loopback addresses with its default ports and a data dir of its own (no -dev):
#   Muster  127.0.0.181-183   `agent -server -bootstrap-expect 3 -retry-join <the others>`
#   Consul  127.0.0.184-186   the same flags
#   etcd    127.0.0.187-189   3 members (client 2379, peer 2380), static --initial-cluster
#   raft_multiplier 1 runs: Muster 127.0.0.190-192, Consul 127.0.0.193-195
# Default settings otherwise: raft_multiplier 5 for Muster and Consul (the same default),
# etcd's heartbeat 100 ms and election timeout 1 s. Measured, cluster by cluster:
#   puts        KV PUT throughput and p50/p99 latency at BENCH_CONCURRENCY clients (Node client,
#               keep-alive, one PUT in flight per connection, every key new, 100-byte value,
#               bounded by BENCH_PUT_COUNT and BENCH_PUT_SECONDS), sent to the leader: Consul's
#               and Muster's PUT /v1/kv/<key>, etcd's gateway POST /v3/kv/put (base64 JSON)
#   stability   (Muster and Consul) BENCH_SECONDS of 64-connection writes to the leader, while
#               bench/raft-watch.mjs asks every server who leads every 100 ms: leader changes
#               seen, "starting election" log lines, and on Muster the event loop's delay on the
#               leader (p50/p99/max from bench/loop-probe.mjs, preloaded with NODE_OPTIONS, and
#               the agent's own gauge runtime.event_loop_delay_max_ms from /v1/agent/metrics)
#   failover    BENCH_ROUNDS rounds: SIGKILL of the leader, time from the kill until a survivor
#               names another leader (polled every 20 ms); the killed server is restarted on its
#               data dir and the cluster waited for (3 voters, one leader) before the next round.
#               Muster and Consul at raft_multiplier 5, then again on fresh clusters at 1; etcd once.
# Prints the section "## Raft: 3-server cluster (issue 6)" as Markdown and writes it into BENCH_OUT.
#
#   npm ci && bench/raft-cluster.sh                  # from the repo root (any cwd works)
#   BENCH_SECONDS=20 BENCH_PUT_SECONDS=5 BENCH_ROUNDS=1 bench/raft-cluster.sh   # a quicker look
#
# Environment (defaults in brackets):
#   BENCH_PUT_SECONDS [10]        each PUT run stops after this many seconds
#   BENCH_PUT_COUNT [200000]      ... or after this many PUTs
#   BENCH_WARMUP [2]              seconds of PUTs before each measured run; 0 = none
#   BENCH_CONCURRENCY [1,16,64]   clients of the PUT runs
#   BENCH_SECONDS [60]            the stability run (64 connections); 0 = none
#   BENCH_ROUNDS [3]              failover rounds per cluster and multiplier; 0 = none
#   BENCH_MULTIPLIER1 [1]         1: also the failover at raft_multiplier 1; 0: not
#   BENCH_FAILOVER_DEADLINE [60]  a failover round gives up this many seconds after the kill
#   BENCH_TARGETS [muster,consul,etcd]   which clusters to run
#   BENCH_MUSTER [<repo>/bin/muster]  the muster command (e.g. a copy, so a rebuild does not touch it)
#   BENCH_LOG_LEVEL [info]        -log-level of Muster and Consul
#   BENCH_WRITE [auto]            1: write BENCH_OUT; 0: only print; auto: if all three targets ran
#   BENCH_OUT [<repo>/BENCHMARKS.md]
#   BENCH_KEEP [0]                1: keep the work dir (logs, data dirs, raw results)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

bench_name=raft-cluster.sh
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

put_secs=${BENCH_PUT_SECONDS:-10}
put_count=${BENCH_PUT_COUNT:-200000}
warmup=${BENCH_WARMUP:-2}
conc_arg=${BENCH_CONCURRENCY:-1,16,64}
stab_secs=${BENCH_SECONDS:-60}
rounds=${BENCH_ROUNDS:-3}
mult1=${BENCH_MULTIPLIER1:-1}
fo_deadline=${BENCH_FAILOVER_DEADLINE:-60}
targets_arg=${BENCH_TARGETS:-muster,consul,etcd}
muster_bin=${BENCH_MUSTER:-$root/bin/muster}
log_level=${BENCH_LOG_LEVEL:-info}
write=${BENCH_WRITE:-auto}
out=${BENCH_OUT:-$root/BENCHMARKS.md}
keep=${BENCH_KEEP:-0}

require_uints put_secs:BENCH_PUT_SECONDS put_count:BENCH_PUT_COUNT warmup:BENCH_WARMUP stab_secs:BENCH_SECONDS \
  rounds:BENCH_ROUNDS fo_deadline:BENCH_FAILOVER_DEADLINE
((put_secs >= 1 && put_count >= 1 && fo_deadline >= 5)) || die "BENCH_PUT_SECONDS and BENCH_PUT_COUNT must be >= 1, BENCH_FAILOVER_DEADLINE >= 5"
[[ $conc_arg =~ ^[0-9]+(,[0-9]+)*$ ]] || die "BENCH_CONCURRENCY must be a comma list of client counts, got '$conc_arg'"
IFS=, read -r -a concs <<<"$conc_arg"
for c in "${concs[@]}"; do ((c >= 1 && c <= 1000)) || die "BENCH_CONCURRENCY: each count must be 1 to 1000, got $c"; done
[[ $mult1 == 0 || $mult1 == 1 ]] || die "BENCH_MULTIPLIER1 must be 0 or 1"
case $write in 0 | 1 | auto) ;; *) die "BENCH_WRITE must be 1, 0 or auto" ;; esac

parse_targets "$targets_arg" "muster consul etcd"
tools=(curl:curl jq:jq)
if has etcd; then tools+=(etcd:etcd-server); fi
require_tools "${tools[@]}"
! has muster || [[ -x $muster_bin ]] || die "BENCH_MUSTER: $muster_bin is not an executable"

declare -A addr pid port_http cmd_of
setup_work raft
# Every process still running, at once: SIGTERM, then SIGKILL after 10 s (lib.sh's cleanup then
# finds nothing left).
stop_all() {
  local key p deadline=$((SECONDS + 10))
  for key in "${!pid[@]}"; do kill -TERM "${pid[$key]}" 2>/dev/null || true; done
  for key in "${!pid[@]}"; do
    p=${pid[$key]}
    while alive "$p" && ((SECONDS < deadline)); do sleep 0.1; done
    if alive "$p"; then kill -KILL "$p" 2>/dev/null || true; fi
    wait "$p" 2>/dev/null || true
    unset "pid[$key]"
  done
}
raft_cleanup() {
  local rc=$?
  set +e
  stop_all
  (exit "$rc")
  cleanup
}
trap raft_cleanup EXIT

# ---- clusters ----------------------------------------------------------------------------
# A cluster is CL = <target><multiplier> (muster5, consul1, etcd0); its servers are CL-1..3.
first_ip() {
  case $1 in muster5) echo 181 ;; consul5) echo 184 ;; etcd0) echo 187 ;; muster1) echo 190 ;; consul1) echo 193 ;; esac
}
ip_of() { echo "127.0.0.$(($(first_ip "$1") + $2 - 1))"; }
kind_of() { if [[ $1 == etcd* ]]; then echo etcd; else echo consul; fi; }
urls_of() { local i; for i in 1 2 3; do [[ $i == "${2-}" ]] || base "$1-$i"; done; }

# launch CL I: starts server I of CL (again, on the same data dir, after a kill).
launch() {
  local cl=$1 i=$2 key=$1-$2 ip j peers=() extra=()
  ip=$(ip_of "$cl" "$i")
  mkdir -p "$work/data/$key"
  addr[$key]=$ip
  case $cl in
    etcd*)
      port_http[$key]=2379
      for j in 1 2 3; do peers+=("$cl-$j=http://$(ip_of "$cl" "$j"):2380"); done
      start_agent "$key" etcd --name "$key" --data-dir "$work/data/$key" \
        --listen-client-urls "http://$ip:2379" --advertise-client-urls "http://$ip:2379" \
        --listen-peer-urls "http://$ip:2380" --initial-advertise-peer-urls "http://$ip:2380" \
        --initial-cluster "$(IFS=,; echo "${peers[*]}")" --initial-cluster-state new --initial-cluster-token "bench-$cl"
      ;;
    *)
      port_http[$key]=8500
      for j in 1 2 3; do [[ $j == "$i" ]] || extra+=(-retry-join "$(ip_of "$cl" "$j")"); done
      [[ $cl != *1 ]] || extra+=(-hcl 'performance { raft_multiplier = 1 }')
      if [[ $cl == muster* ]]; then
        start_agent "$key" env "NODE_OPTIONS=--import=$here/loop-probe.mjs" "LOOP_PROBE_OUT=$work/loop-$key.json" \
          "$muster_bin" agent -server -bootstrap-expect 3 -node "$key" -data-dir "$work/data/$key" \
          -bind "$ip" -client "$ip" -log-level "$log_level" "${extra[@]}"
      else
        start_agent "$key" "$consul_bin" agent -server -bootstrap-expect 3 -node "$key" -data-dir "$work/data/$key" \
          -bind "$ip" -client "$ip" -log-level "$log_level" "${extra[@]}"
      fi
      ;;
  esac
}

# watch ARGS...: bench/raft-watch.mjs, bounded; its JSON line on stdout.
watch() {
  timeout -k 5 "$((fo_deadline + stab_secs + 60))" node "$here/raft-watch.mjs" "$@" 2>>"$work/watch.err" || true
}

# ready CL: every server names the same leader and (Consul API) the configuration has 3 voters;
# sets leader_url and leader_name. 90 s bound.
ready() {
  local cl=$1 kind res cfg voters=0 deadline=$((SECONDS + 90))
  kind=$(kind_of "$cl")
  while ((SECONDS < deadline)); do
    mapfile -t us < <(urls_of "$cl")
    res=$(watch leader --kind "$kind" --deadline-s 30 --poll-ms 100 "${us[@]}")
    leader_url=$(jq -r '.url // empty' <<<"$res" 2>/dev/null || true)
    leader_name=$(jq -r '.leader // empty' <<<"$res" 2>/dev/null || true)
    if [[ -n $leader_url && $kind == etcd ]]; then return 0; fi
    if [[ -n $leader_url ]]; then
      cfg=$(curl -s -m 2 "$leader_url/v1/operator/raft/configuration" || true)
      voters=$(jq '[.Servers[] | select(.Voter)] | length' <<<"$cfg" 2>/dev/null || echo 0)
      if [[ $voters == 3 ]]; then return 0; fi
    fi
    sleep 0.5
  done
  die "$cl: no leader with 3 voters within 90 s (last: $res, voters $voters; logs in $work)"
}

start_cluster() {
  local cl=$1 i
  for i in 1 2 3; do launch "$cl" "$i"; done
  ready "$cl"
  log "$cl: leader $leader_name ($leader_url)"
}
stop_cluster() {
  local i key p
  for i in 1 2 3; do
    key=$1-$i p=${pid[$key]-}
    [[ -n $p ]] || continue
    kill -TERM "$p" 2>/dev/null || true
  done
  for i in 1 2 3; do stop_agent "$1-$i"; done
}

# ---- measurements ------------------------------------------------------------------------
# record_set T PREFIX JSON KEY...: records PREFIX<KEY> for each KEY the JSON line has (not null).
record_set() {
  local t=$1 prefix=$2 json=$3 k v
  shift 3
  for k in "$@"; do
    v=$(jq -r ".$k // empty" <<<"$json" 2>/dev/null || true)
    [[ -z $v ]] || record "$t" "$prefix$k" "$v"
  done
}

# load CL C SECONDS COUNT PREFIX: raft-load.mjs against the leader; its JSON line.
load() {
  timeout -k 5 "$(($3 + 60))" node "$here/raft-load.mjs" "$(kind_of "$1")" "$leader_url" "$2" "$4" "$3" "$5" 2>>"$work/load.err" || true
}

puts() {
  local t=$1 cl=$2 c res k
  for c in "${concs[@]}"; do
    if ((warmup > 0)); then load "$cl" "$c" "$warmup" "$put_count" "bench/warm-c$c/" >/dev/null; fi
    res=$(load "$cl" "$c" "$put_secs" "$put_count" "bench/c$c/")
    [[ $(jq -r '.ok' <<<"$res" 2>/dev/null) =~ ^[0-9]+$ ]] || die "$t: the c=$c load printed no result: $res (see $work/load.err)"
    record_set "$t" "put_c${c}_" "$res" rps p50_us p99_us errors
    log "$t c=$c: $(jq -c '{ok, errors, rps, p50_us, p99_us, max_us, firstError}' <<<"$res")"
  done
}

# stability T CL: BENCH_SECONDS of 64-connection writes with the watcher running.
stability() {
  local t=$1 cl=$2 i key lkey='' before=() elections=0 n res wres metrics_args=() f
  for i in 1 2 3; do
    key=$cl-$i
    before[i]=$(wc -l <"$work/$key.log")
    if [[ $leader_url == "$(base "$key")" ]]; then lkey=$key; fi
    if [[ $t == muster ]]; then echo stability >"$work/loop-$key.json.reset"; fi
  done
  [[ $t != muster ]] || metrics_args=(--metrics "$leader_url")
  sleep 1.5 # the probes have seen the reset
  mapfile -t us < <(urls_of "$cl")
  log "$t: ${stab_secs}s of 64-connection writes to $lkey, watching the leader"
  watch stability --kind consul --seconds "$stab_secs" "${metrics_args[@]}" "${us[@]}" >"$work/stab-watch-$t.json" &
  local wpid=$!
  res=$(load "$cl" 64 "$stab_secs" 100000000 "bench/stab/")
  if [[ $t == muster ]]; then for i in 1 2 3; do cp "$work/loop-$cl-$i.json" "$work/stab-loop-$cl-$i.json" 2>/dev/null || true; done; fi
  wait "$wpid" || true
  wres=$(cat "$work/stab-watch-$t.json")
  for i in 1 2 3; do
    n=$(tail -n "+$((before[i] + 1))" "$work/$cl-$i.log" | grep -c 'starting election' || true)
    elections=$((elections + n))
  done
  record_set "$t" stab_ "$res" rps p99_us errors
  record_set "$t" stab_watch_ "$wres" changes leaderless errors polls gauge_max_ms gauge_p99_ms
  record "$t" stab_elections "$elections"
  if [[ $t == muster ]]; then
    f=$work/stab-loop-$lkey.json
    if [[ $(jq -r .window "$f" 2>/dev/null) == stability ]]; then
      record_set "$t" stab_loop_ "$(cat "$f")" p50_ms p99_ms max_ms samples
    else
      log "muster: no event-loop probe reading from the leader ($f)"
    fi
    for i in 1 2 3; do
      key=$cl-$i f=$work/stab-loop-$key.json
      if [[ $key != "$lkey" && $(jq -r .window "$f" 2>/dev/null) == stability ]]; then record "$t" stab_loop_follower_p99_ms "$(jq -r .p99_ms "$f")"; fi
    done
  fi
  log "$t stability: load $(jq -c '{ok, errors, rps, p99_us, firstError}' <<<"$res"); watch $wres; 'starting election' lines: $elections"
}

# failover T CL M: BENCH_ROUNDS kills of the leader.
failover() {
  local t=$1 cl=$2 m=$3 r i key lkey res ms
  for ((r = 1; r <= rounds; r++)); do
    lkey=''
    for i in 1 2 3; do [[ $leader_url != "$(base "$cl-$i")" ]] || { lkey=$cl-$i; break; }; done
    [[ -n $lkey ]] || die "$cl: the leader URL $leader_url is none of the servers"
    mapfile -t us < <(urls_of "$cl" "${lkey##*-}")
    res=$(watch failover --kind "$(kind_of "$cl")" --pid "${pid[$lkey]}" --old "$leader_name" --deadline-s "$fo_deadline" "${us[@]}")
    wait "${pid[$lkey]}" 2>/dev/null || true
    unset "pid[$lkey]"
    ms=$(jq -r '.ms // empty' <<<"$res" 2>/dev/null || true)
    if [[ -n $ms ]]; then
      record "$t" "failover_m${m}_ms" "$ms"
      log "$t m=$m round $r/$rounds: killed $lkey, new leader $(jq -r .leader <<<"$res") after $ms ms"
    else
      record "$t" "failover_m${m}_timeouts" 1
      log "$t m=$m round $r/$rounds: killed $lkey, no new leader within ${fo_deadline}s"
    fi
    launch "$cl" "${lkey##*-}"
    ready "$cl"
  done
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for t in "${targets[@]}"; do
  if [[ $t == etcd ]]; then cl=etcd0; else cl=${t}5; fi
  start_cluster "$cl"
  puts "$t" "$cl"
  if ((stab_secs > 0)) && [[ $t != etcd ]]; then
    ready "$cl"
    stability "$t" "$cl"
  fi
  if ((rounds > 0)); then
    ready "$cl"
    failover "$t" "$cl" "$([[ $t == etcd ]] && echo 0 || echo 5)"
  fi
  stop_cluster "$cl"
done
if ((rounds > 0 && mult1 == 1)); then
  for t in "${targets[@]}"; do
    [[ $t != etcd ]] || continue
    start_cluster "${t}1"
    failover "$t" "${t}1" 1
    stop_cluster "${t}1"
  done
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- versions, machine, report -----------------------------------------------------------
meta_machine "start $load_start, end $load_end"
if has etcd; then meta etcd_version "$(etcd --version | awk '/^etcd Version/ { print $3 }')"; fi
meta settings "PUT runs of ${put_secs}s or $put_count PUTs after ${warmup}s warm-up, at $conc_arg clients; stability ${stab_secs}s at 64 connections; $rounds failover round(s) per cluster; Muster and Consul at -log-level $log_level"
meta concurrency "$conc_arg"
meta stab_seconds "$stab_secs"
meta rounds "$rounds"
meta command "$(repeat_command bench/raft-cluster.sh "BENCH_PUT_SECONDS=$put_secs:10" "BENCH_PUT_COUNT=$put_count:200000" \
  "BENCH_WARMUP=$warmup:2" "BENCH_CONCURRENCY=$conc_arg:1,16,64" "BENCH_SECONDS=$stab_secs:60" "BENCH_ROUNDS=$rounds:3" \
  "BENCH_MULTIPLIER1=$mult1:1" "BENCH_TARGETS=$(IFS=,; echo "${targets[*]}"):muster,consul,etcd" "BENCH_LOG_LEVEL=$log_level:info")"

report_args=("$results")
case $write in
  1) report_args+=(--write "$out") ;;
  auto) if has consul && has muster && has etcd; then report_args+=(--write "$out"); fi ;;
esac
node "$here/raft-report.mjs" "${report_args[@]}"
if ((${#report_args[@]} > 1)); then log "wrote section '## Raft: 3-server cluster (issue 6)' of $out"; else log "BENCHMARKS.md not written (BENCH_WRITE=$write, targets: ${targets[*]})"; fi
status=0
