#!/usr/bin/env bash
# How fast a join spreads through a pool of real agents, Muster vs the reference Consul (1.8.7),
# timed from the agents' own logs rather than by polling them: many rounds, so that the medians
# of a heavy-tailed time mean something (bench/gossip.sh measures joins too, 10 rounds, polling
# every agent every 20 ms, which loads the very processes it times).
#
# For each target in turn (never both at once): a pool of BENCH_SIZE agents on loopback with the
# default LAN gossip timing (no -dev), agent 1 `-server -bootstrap` on 127.0.0.100, the others
# clients on 127.0.0.101.. with `-retry-join 127.0.0.100`. Then BENCH_ROUNDS rounds: a newcomer
# (fresh name and data dir, on the next free address up to 127.0.0.130, reused round after
# round) starts, idles a second, and is asked to join agent 2 (PUT /v1/agent/join); the time of
# that request is compared with the timestamp of each old agent's first log line
# `serf: EventMemberJoin: <newcomer> ` (both products log it the moment serf learns of the
# member, in UTC with milliseconds). Measured per round: until the first old agent other than
# agent 2 knows (one gossip hop), and until every old agent knows. The newcomer then leaves, and
# the next round starts once every old agent logged its EventMemberLeave and BENCH_SETTLE passed.
# Prints the section "## Gossip: join spread, from the agents' logs (issue 5)" and writes it into
# BENCH_OUT.
#
#   npm ci && bench/gossip-join.sh                   # from the repo root (any cwd works)
#   BENCH_ROUNDS=10 bench/gossip-join.sh             # a quicker look
#
# Environment (defaults in brackets):
#   BENCH_SIZE [10]       old agents in the pool (3 to 25)
#   BENCH_ROUNDS [40]     joins per target
#   BENCH_SETTLE [2]      seconds of calm between rounds
#   BENCH_JOIN_DEADLINE [30]   a round gives up this many seconds after the join request
#   BENCH_TARGETS [consul,muster]   which to run
#   BENCH_MUSTER [<repo>/bin/muster]  the muster command to run
#   BENCH_WRITE [auto]    1: write BENCH_OUT; 0: only print; auto: write if both targets ran
#   BENCH_OUT [<repo>/BENCHMARKS.md]
#   BENCH_KEEP [0]        1: keep the work dir (agent logs, raw results) after the run
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

bench_name=gossip-join.sh
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

size=${BENCH_SIZE:-10}
rounds=${BENCH_ROUNDS:-40}
settle=${BENCH_SETTLE:-2}
join_deadline=${BENCH_JOIN_DEADLINE:-30}
targets_arg=${BENCH_TARGETS:-consul,muster}
muster_bin=${BENCH_MUSTER:-$root/bin/muster}
write=${BENCH_WRITE:-auto}
out=${BENCH_OUT:-$root/BENCHMARKS.md}
keep=${BENCH_KEEP:-0}

require_uints size:BENCH_SIZE rounds:BENCH_ROUNDS settle:BENCH_SETTLE join_deadline:BENCH_JOIN_DEADLINE
((size >= 3 && size <= 25 && rounds >= 1 && join_deadline >= 5)) || die "BENCH_SIZE must be 3 to 25, BENCH_ROUNDS >= 1, BENCH_JOIN_DEADLINE >= 5"
case $write in 0 | 1 | auto) ;; *) die "BENCH_WRITE must be 1, 0 or auto" ;; esac
parse_targets "$targets_arg"
require_tools curl:curl
! has muster || [[ -x $muster_bin ]] || die "BENCH_MUSTER: $muster_bin is not an executable"

declare -A addr pid port_http
setup_work gossip-join

ip_first=100 ip_last=130
ip_of() { echo "127.0.0.$((ip_first + $1 - 1))"; }

# launch TARGET KEY NODE IP [ARGS...]: an agent with its own data dir, default gossip timing.
launch() {
  local t=$1 key=$2 node=$3 ip=$4 bin
  shift 4
  if [[ $t == consul ]]; then bin=$consul_bin; else bin=$muster_bin; fi
  addr[$key]=$ip port_http[$key]=8500
  rm -rf "$work/data/$key" "$work/$key.log"
  mkdir -p "$work/data/$key"
  start_agent "$key" "$bin" agent -node "$node" -data-dir "$work/data/$key" -bind "$ip" -client "$ip" \
    -dns-port -1 -grpc-port -1 -serf-wan-port -1 "$@"
}

# wait_http KEY: the agent answers GET /v1/agent/self (30 s bound).
wait_http() {
  for _ in $(seq 300); do
    alive "${pid[$1]}" || { tail -n 30 "$work/$1.log" >&2; die "$1 exited during start-up (log above)"; }
    if curl -s -f -m 1 -o /dev/null "$(base "$1")/v1/agent/self"; then return 0; fi
    sleep 0.1
  done
  die "$1 did not answer within 30 s"
}

# alive_members KEY: how many members the agent lists with Status 1 (alive).
alive_members() { curl -s -m 2 "$(base "$1")/v1/agent/members" | grep -o '"Status":1[,}]' | wc -l || true; }

# logged_ms KEY PATTERN: epoch ms of the first log line of KEY containing PATTERN, or nothing.
logged_ms() {
  local ts
  ts=$(grep -F -m1 -- "$2" "$work/$1.log" | grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+' | head -n1 || true)
  [[ -z $ts ]] || date -u -d "${ts}Z" +%s%3N
}

run_target() {
  local t=$1 i r key ip idx n t0 first last ms missing
  log "$t: pool of $size agents"
  launch "$t" "$t-1" "node-1" "$(ip_of 1)" -server -bootstrap
  wait_http "$t-1"
  for i in $(seq 2 "$size"); do launch "$t" "$t-$i" "node-$i" "$(ip_of "$i")" -retry-join "$(ip_of 1)"; done
  for i in $(seq 2 "$size"); do wait_http "$t-$i"; done
  for _ in $(seq 600); do
    n=0
    for i in $(seq "$size"); do (($(alive_members "$t-$i") == size)) && n=$((n + 1)); done
    ((n == size)) && break
    sleep 0.1
  done
  ((n == size)) || die "$t: the pool did not converge within 60 s"
  sleep "$settle"
  for r in $(seq "$rounds"); do
    idx=$((size + 1 + (r - 1) % (ip_last - ip_first + 1 - size)))
    ip=$(ip_of "$idx") key="$t-new"
    launch "$t" "$key" "join-$r" "$ip"
    wait_http "$key"
    sleep 1
    t0=$(date +%s%3N)
    curl -s -f -m 10 -X PUT -o /dev/null "$(base "$key")/v1/agent/join/$(ip_of 2)" || die "$t: join of join-$r failed"
    first='' last='' missing=1
    for _ in $(seq $((join_deadline * 10))); do
      missing=0 first='' last=''
      for i in $(seq "$size"); do
        ms=$(logged_ms "$t-$i" "EventMemberJoin: join-$r ")
        if [[ -z $ms ]]; then missing=1; break; fi
        ((i == 2)) && continue
        ms=$((ms - t0))
        [[ -n $first ]] && ((ms >= first)) || first=$ms
        [[ -n $last ]] && ((ms <= last)) || last=$ms
      done
      ((missing == 0)) && break
      sleep 0.1
    done
    if ((missing == 1)); then
      record "$t" join_timeouts 1
      log "$t round $r: not every agent logged join-$r within ${join_deadline}s"
    else
      record "$t" join_timeouts 0
      record "$t" join_first_ms "$first"
      record "$t" join_last_ms "$last"
      log "$t round $r: one hop ${first} ms, every agent ${last} ms"
    fi
    curl -s -m 10 -X PUT -o /dev/null "$(base "$key")/v1/agent/leave" || true
    stop_agent "$key"
    for _ in $(seq $((join_deadline * 10))); do
      n=0
      for i in $(seq "$size"); do grep -qF "EventMemberLeave: join-$r " "$work/$t-$i.log" && n=$((n + 1)); done
      ((n == size)) && break
      sleep 0.1
    done
    sleep "$settle"
  done
  for i in $(seq "$size"); do stop_agent "$t-$i"; done
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for t in "${targets[@]}"; do run_target "$t"; done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

meta_machine "start $load_start, end $load_end"
meta size "$size"
meta rounds "$rounds"
meta command "$(repeat_command bench/gossip-join.sh "BENCH_SIZE=$size:10" "BENCH_ROUNDS=$rounds:40" "BENCH_SETTLE=$settle:2" \
  "BENCH_JOIN_DEADLINE=$join_deadline:30" "BENCH_TARGETS=$(IFS=,; echo "${targets[*]}"):consul,muster")"

report_args=("$results")
case $write in
  1) report_args+=(--write "$out") ;;
  auto) if has consul && has muster; then report_args+=(--write "$out"); fi ;;
esac
node "$here/gossip-join-report.mjs" "${report_args[@]}"
status=0
