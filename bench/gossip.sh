#!/usr/bin/env bash
# Gossip between real agents: Muster vs the reference Consul (1.8.7), side by side in one run on
# this machine, both with their default LAN gossip timing (no -dev: probe 1 s, timeout 500 ms,
# suspicion multiplier 4, gossip 200 ms to 3). For each pool size N of BENCH_SIZES and each
# target, in turn (never both at once), a pool of N agents on loopback, each on its own address
# with the default ports: agent 1 `-server -bootstrap` on 127.0.0.100, agents 2..N clients on
# 127.0.0.101.. with `-retry-join 127.0.0.100`, each with its own -data-dir; newcomers on the
# addresses after them (up to 127.0.0.130). bench/gossip-watch.mjs polls every agent's
# /v1/agent/members every BENCH_POLL_MS. Measured, in this order:
#   quiet       BENCH_QUIET seconds with everyone up: any member ever shown failed (Status 4)
#               by any agent is a false positive
#   load        the same with agent N and BENCH_HOGS busy loops pinned (taskset) to one core
#               (Lifeguard's case: a slow member), the loops bounded by `timeout`
#   detection   BENCH_ROUNDS rounds: a client (2..N in turn) is SIGKILLed; time from the kill
#               until the first and until every other agent lists it failed; it is then
#               restarted (same name and data dir) and the pool converges again
#   join        BENCH_ROUNDS rounds: a new client (fresh name and data dir) joins through agent
#               2 (PUT /v1/agent/join); time until the first and until every old agent lists it
#               alive (and it lists them all); it then leaves (PUT /v1/agent/leave)
# Prints the section "## Gossip between real agents (issue 5)" as Markdown (times: median and
# max over the rounds, ratio Muster/Consul, < 1: Muster faster) and writes it into BENCH_OUT.
#
#   npm ci && bench/gossip.sh                      # from the repo root (any cwd works)
#   BENCH_SIZES=5 BENCH_ROUNDS=3 BENCH_QUIET=20 bench/gossip.sh    # a quicker look
#
# Environment (defaults in brackets):
#   BENCH_SIZES [5,10]    pool sizes (comma list; 3 to 30 agents)
#   BENCH_ROUNDS [5]      detection rounds and join rounds per pool
#   BENCH_QUIET [60]      seconds of each quiet period (0: none)
#   BENCH_LOAD [1]        1: a second quiet period with one agent under CPU load; 0: none
#   BENCH_HOGS [4]        busy loops pinned to the loaded agent's core
#   BENCH_POLL_MS [100]   pause between two polls of one agent's members
#   BENCH_JOIN_POLL_MS [20]       the same while a join round watches (about a second each)
#   BENCH_DETECT_DEADLINE [120]   a detection round gives up this many seconds after the kill
#   BENCH_JOIN_DEADLINE [30]      a join round gives up this many seconds after the join
#   BENCH_SETTLE [3]      seconds of calm after the pool converged, before the next round
#   BENCH_TARGETS [consul,muster]   which to run: consul, muster or both
#   BENCH_MUSTER [<repo>/bin/muster]  the muster command to run (e.g. a copy of bin/ and dist/
#                         elsewhere, so that a rebuild during the run does not touch it)
#   BENCH_WRITE [auto]    1: write BENCH_OUT; 0: only print; auto: write if both targets ran
#   BENCH_OUT [<repo>/BENCHMARKS.md]
#   BENCH_KEEP [0]        1: keep the work dir (agent logs, raw results) after the run
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

bench_name=gossip.sh
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

sizes=${BENCH_SIZES:-5,10}
rounds=${BENCH_ROUNDS:-5}
quiet=${BENCH_QUIET:-60}
load=${BENCH_LOAD:-1}
hogs=${BENCH_HOGS:-4}
poll_ms=${BENCH_POLL_MS:-100}
join_poll_ms=${BENCH_JOIN_POLL_MS:-20}
detect_deadline=${BENCH_DETECT_DEADLINE:-120}
join_deadline=${BENCH_JOIN_DEADLINE:-30}
settle=${BENCH_SETTLE:-3}
targets_arg=${BENCH_TARGETS:-consul,muster}
muster_bin=${BENCH_MUSTER:-$root/bin/muster}
write=${BENCH_WRITE:-auto}
out=${BENCH_OUT:-$root/BENCHMARKS.md}
keep=${BENCH_KEEP:-0}

require_uints rounds:BENCH_ROUNDS quiet:BENCH_QUIET hogs:BENCH_HOGS poll_ms:BENCH_POLL_MS join_poll_ms:BENCH_JOIN_POLL_MS \
  detect_deadline:BENCH_DETECT_DEADLINE join_deadline:BENCH_JOIN_DEADLINE settle:BENCH_SETTLE
((rounds >= 1 && poll_ms >= 10 && join_poll_ms >= 5 && detect_deadline >= 10 && join_deadline >= 5)) ||
  die "BENCH_ROUNDS must be >= 1, BENCH_POLL_MS >= 10, BENCH_JOIN_POLL_MS >= 5, BENCH_DETECT_DEADLINE >= 10, BENCH_JOIN_DEADLINE >= 5"
[[ $sizes =~ ^[0-9]+(,[0-9]+)*$ ]] || die "BENCH_SIZES must be a comma list of pool sizes, got '$sizes'"
# Addresses 127.0.0.100-130 only: the pool, then at least one address for the newcomers.
ip_first=100 ip_last=130
for n in ${sizes//,/ }; do ((n >= 3 && n <= ip_last - ip_first)) || die "BENCH_SIZES: each pool size must be 3 to $((ip_last - ip_first)), got $n"; done
[[ $load == 0 || $load == 1 ]] || die "BENCH_LOAD must be 0 or 1"
case $write in 0 | 1 | auto) ;; *) die "BENCH_WRITE must be 1, 0 or auto" ;; esac

parse_targets "$targets_arg"
require_tools curl:curl jq:jq taskset:util-linux
! has muster || [[ -x $muster_bin ]] || die "BENCH_MUSTER: $muster_bin is not an executable"

declare -A addr pid port_http
setup_work gossip
hog_pids=()

# ---- agents ------------------------------------------------------------------------------
# key TARGET INDEX: the agent's name in addr/pid (consul-3); node names are node-INDEX and
# join-ROUND, the same for both targets (each target has its own pool).
ip_of() { echo "127.0.0.$((ip_first + $1 - 1))"; }
agent_cmd() {
  if [[ $1 == consul ]]; then echo "$consul_bin"; else echo "$muster_bin"; fi
}

# launch TARGET KEY NODE IP ROLE: ROLE server (bootstrap), member (retry-joins the server) or
# newcomer (joins nobody by itself).
launch() {
  local t=$1 key=$2 node=$3 ip=$4 role=$5 extra=()
  case $role in
    server) extra=(-server -bootstrap) ;;
    member) extra=(-retry-join "$(ip_of 1)") ;;
    newcomer) ;;
  esac
  addr[$key]=$ip port_http[$key]=8500
  mkdir -p "$work/data/$key"
  start_agent "$key" "$(agent_cmd "$t")" agent -node "$node" -data-dir "$work/data/$key" -bind "$ip" -client "$ip" \
    -dns-port -1 -grpc-port -1 -serf-wan-port -1 "${extra[@]}"
}

# wait_up KEY: the agent answers GET /v1/agent/self (30 s bound).
wait_up() {
  local key=$1 url
  url=$(base "$key")
  for _ in $(seq 300); do
    alive "${pid[$key]}" || { tail -n 30 "$work/$key.log" >&2; die "$key exited during start-up (log above)"; }
    if curl -s -f -m 1 -o /dev/null "$url/v1/agent/self"; then return 0; fi
    sleep 0.1
  done
  tail -n 30 "$work/$key.log" >&2
  die "$key did not answer $url/v1/agent/self within 30 s (log above)"
}

# stop_all: every agent still running, at once: SIGTERM, then SIGKILL after 10 s.
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

stop_hogs() {
  local h
  for h in "${hog_pids[@]}"; do kill -TERM "$h" 2>/dev/null || true; done
  for h in "${hog_pids[@]}"; do wait "$h" 2>/dev/null || true; done
  hog_pids=()
}

gossip_cleanup() {
  local rc=$?
  set +e
  stop_hogs
  stop_all
  (exit "$rc")
  cleanup
}
trap gossip_cleanup EXIT

# urls T N [SKIP]: the HTTP bases of agents 1..N of T, but SKIP.
urls() {
  local i
  for ((i = 1; i <= $2; i++)); do
    if [[ $i != "${3-}" ]]; then echo "$(base "$1-$i")"; fi
  done
}
names() {
  local i list=()
  for ((i = 1; i <= $1; i++)); do list+=("node-$i"); done
  (IFS=,; echo "${list[*]}")
}

# watch DEADLINE_S COMMAND ARGS...: bench/gossip-watch.mjs polling every BENCH_POLL_MS (ARGS
# may hold their own --poll-ms), bounded; its JSON line on stdout (exit 3: the deadline passed).
watch() {
  local deadline=$1 command=$2
  shift 2
  timeout -k 5 "$((deadline + 30))" node "$here/gossip-watch.mjs" "$command" --poll-ms "$poll_ms" "$@" 2>>"$work/watch.err" || true
}

# converge T N: every agent 1..N lists all N alive (60 s bound).
converge() {
  local t=$1 n=$2 res
  mapfile -t us < <(urls "$t" "$n")
  res=$(watch 60 converge --names "$(names "$n")" --deadline-s 60 "${us[@]}")
  [[ $(jq -r '.converged' <<<"$res" 2>/dev/null) == true ]] || die "$t: the pool of $n did not converge within 60 s: $res"
  log "$t: $n agents list each other alive ($(jq -r '.ms' <<<"$res") ms)"
}

start_pool() {
  local t=$1 n=$2 i leader=''
  launch "$t" "$t-1" node-1 "$(ip_of 1)" server
  wait_up "$t-1"
  for ((i = 2; i <= n; i++)); do launch "$t" "$t-$i" "node-$i" "$(ip_of "$i")" member; done
  for ((i = 2; i <= n; i++)); do wait_up "$t-$i"; done
  for _ in $(seq 600); do
    leader=$(curl -s -m 1 "$(base "$t-1")/v1/status/leader" || true)
    [[ -z $leader || $leader == '""' ]] || break
    sleep 0.1
  done
  [[ -n $leader && $leader != '""' ]] || die "$t: the server elected no leader within 60 s"
  converge "$t" "$n"
  sleep "$settle"
}

# ---- measurements ------------------------------------------------------------------------
# log_counts T N: "failed suspect refute" lines in the logs of agents 1..N after line marks.
declare -A log_mark
mark_logs() {
  local key
  log_mark=()
  for key in "${!pid[@]}"; do log_mark[$key]=$(wc -l <"$work/$key.log"); done
}
log_counts() {
  local key f=0 s=0 r=0 new
  for key in "${!log_mark[@]}"; do
    new=$(tail -n "+$((log_mark[$key] + 1))" "$work/$key.log")
    f=$((f + $(grep -c 'EventMemberFailed' <<<"$new" || true)))
    s=$((s + $(grep -Ec 'Suspect .* has failed|Marking .* as failed' <<<"$new" || true)))
    r=$((r + $(grep -c 'Refuting' <<<"$new" || true)))
  done
  echo "$f $s $r"
}

# quiet_phase T N LABEL: BENCH_QUIET seconds of polling; LABEL load adds the busy loops.
quiet_phase() {
  local t=$1 n=$2 label=$3 res core victim q k counts
  victim=$t-$n
  core=$(($(nproc) - 1))
  mark_logs
  if [[ $label == load ]]; then
    for q in $(tree_pids "${pid[$victim]}"); do taskset -a -p -c "$core" "$q" >/dev/null; done
    for ((k = 1; k <= hogs; k++)); do
      timeout -k 1 "$((quiet + 10))" taskset -c "$core" sh -c 'while :; do :; done' &
      hog_pids+=($!)
    done
    log "$t: $quiet s quiet with node-$n and $hogs busy loops on core $core"
  else
    log "$t: $quiet s quiet"
  fi
  mapfile -t us < <(urls "$t" "$n")
  res=$(watch "$quiet" quiet --names "$(names "$n")" --seconds "$quiet" "${us[@]}")
  if [[ $label == load ]]; then
    stop_hogs
    for q in $(tree_pids "${pid[$victim]}"); do taskset -a -p -c "0-$core" "$q" >/dev/null; done
  fi
  [[ $(jq -r '.polls' <<<"$res" 2>/dev/null) =~ ^[0-9]+$ ]] || die "$t: the $label watch printed no result: $res"
  for k in polls errors failed_members failed_pairs failed_samples other_samples max_poll_ms; do
    record "$t" "n${n}_${label}_$k" "$(jq -r ".$k" <<<"$res")"
  done
  read -r -a counts <<<"$(log_counts)"
  record "$t" "n${n}_${label}_log_failed" "${counts[0]}"
  record "$t" "n${n}_${label}_log_suspect" "${counts[1]}"
  record "$t" "n${n}_${label}_log_refute" "${counts[2]}"
  log "$t $label: $(jq -c '{polls, errors, failed_members, failed_pairs, failed_samples, max_poll_ms, events: .events[:5]}' <<<"$res"); log lines failed/suspect/refute: ${counts[*]}"
}

# detect_round T N R: SIGKILL a client, wait for every other agent to list it failed, restart it.
detect_round() {
  local t=$1 n=$2 r=$3 v key t0 res
  v=$((2 + (r - 1) % (n - 1)))
  key=$t-$v
  alive "${pid[$key]}" || die "$key is not running before detection round $r"
  mapfile -t us < <(urls "$t" "$n" "$v")
  t0=$(date +%s%3N)
  kill -KILL "${pid[$key]}"
  wait "${pid[$key]}" 2>/dev/null || true
  unset "pid[$key]"
  res=$(watch "$detect_deadline" status --member "node-$v" --status 4 --since-ms "$t0" --deadline-s "$detect_deadline" "${us[@]}")
  if [[ $(jq -r '.held' <<<"$res" 2>/dev/null) == true ]]; then
    record "$t" "n${n}_detect_first_ms" "$(jq -r '.first_ms' <<<"$res")"
    record "$t" "n${n}_detect_last_ms" "$(jq -r '.last_ms' <<<"$res")"
    record "$t" "n${n}_detect_timeouts" 0
    log "$t detection $r/$rounds: node-$v killed; first $(jq -r '"\(.first) after \(.first_ms)"' <<<"$res") ms, every other agent $(jq -r '"(last \(.last)) after \(.last_ms)"' <<<"$res") ms"
  else
    record "$t" "n${n}_detect_timeouts" 1
    log "$t detection $r/$rounds: node-$v killed; NOT seen failed everywhere within ${detect_deadline}s: $res"
  fi
  launch "$t" "$key" "node-$v" "$(ip_of "$v")" member
  wait_up "$key"
  converge "$t" "$n"
  sleep "$settle"
}

# join_round T N R: a newcomer joins through agent 2, then leaves.
join_round() {
  local t=$1 n=$2 r=$3 key ip res i
  key=$t-j$r
  ip=$(ip_of $((n + 1 + (r - 1) % (ip_last - ip_first + 1 - n))))
  launch "$t" "$key" "join-$r" "$ip" newcomer
  wait_up "$key"
  mapfile -t us < <(urls "$t" "$n")
  res=$(watch "$join_deadline" join --newcomer "$(base "$key")" --via "$(ip_of 2)" --member "join-$r" \
    --names "$(names "$n")" --deadline-s "$join_deadline" --poll-ms "$join_poll_ms" "${us[@]}")
  if [[ $(jq -r '.held' <<<"$res" 2>/dev/null) == true ]]; then
    record "$t" "n${n}_join_first_ms" "$(jq -r '.first_ms' <<<"$res")"
    record "$t" "n${n}_join_last_ms" "$(jq -r '.last_ms' <<<"$res")"
    record "$t" "n${n}_join_all_ms" "$(jq -r '.all_ms' <<<"$res")"
    record "$t" "n${n}_join_timeouts" 0
    log "$t join $r/$rounds: join-$r ($ip) through node-2; first old agent after $(jq -r '.first_ms' <<<"$res") ms, every old agent after $(jq -r '.last_ms' <<<"$res") ms (last $(jq -r '.last' <<<"$res")), it lists all after $(jq -r '.newcomer_ms' <<<"$res") ms"
  else
    record "$t" "n${n}_join_timeouts" 1
    log "$t join $r/$rounds: join-$r NOT alive everywhere within ${join_deadline}s: $res"
  fi
  curl -s -m 15 -o /dev/null -X PUT "$(base "$key")/v1/agent/leave" || log "$t: PUT /v1/agent/leave on join-$r failed"
  for i in $(seq 150); do alive "${pid[$key]}" || break; sleep 0.1; done
  stop_agent "$key"
  res=$(watch 30 status --member "join-$r" --status 3 --deadline-s 30 "${us[@]}")
  [[ $(jq -r '.held' <<<"$res" 2>/dev/null) == true ]] || log "$t: join-$r not listed as left everywhere within 30 s: $res"
  sleep "$settle"
}

run_target() {
  local t=$1 n=$2 r
  log "== $t, $n agents"
  start_pool "$t" "$n"
  if ((quiet > 0)); then
    quiet_phase "$t" "$n" quiet
    if ((load == 1)); then quiet_phase "$t" "$n" load; fi
  fi
  for ((r = 1; r <= rounds; r++)); do detect_round "$t" "$n" "$r"; done
  for ((r = 1; r <= rounds; r++)); do join_round "$t" "$n" "$r"; done
  stop_all
  # Each pool's logs are kept apart (the next pool reuses the names).
  mkdir -p "$work/logs-n$n"
  mv "$work/$t"-*.log "$work/logs-n$n/"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for n in ${sizes//,/ }; do
  for t in "${targets[@]}"; do run_target "$t" "$n"; done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- versions, machine, report -----------------------------------------------------------
meta_machine "start $load_start, end $load_end"
meta sizes "$sizes"
meta rounds "$rounds"
meta quiet "$quiet"
meta load_phase "$load"
meta hogs "$hogs"
meta poll_ms "$poll_ms"
meta join_poll_ms "$join_poll_ms"
meta settings "pools of ${sizes//,/ and } agents; $rounds detection and $rounds join rounds per pool; quiet periods of ${quiet}s$( ((load == 0)) || echo ", the second with the last agent and $hogs busy loops pinned to one core"); members polled every ${poll_ms} ms on every agent (${join_poll_ms} ms during joins); ${settle}s of calm between rounds"
meta command "$(repeat_command bench/gossip.sh "BENCH_SIZES=$sizes:5,10" "BENCH_ROUNDS=$rounds:5" "BENCH_QUIET=$quiet:60" \
  "BENCH_LOAD=$load:1" "BENCH_HOGS=$hogs:4" "BENCH_POLL_MS=$poll_ms:100" "BENCH_JOIN_POLL_MS=$join_poll_ms:20" "BENCH_DETECT_DEADLINE=$detect_deadline:120" \
  "BENCH_JOIN_DEADLINE=$join_deadline:30" "BENCH_SETTLE=$settle:3" "BENCH_TARGETS=$(IFS=,; echo "${targets[*]}"):consul,muster")"

report_args=("$results")
case $write in
  1) report_args+=(--write "$out") ;;
  auto) if has consul && has muster; then report_args+=(--write "$out"); fi ;;
esac
node "$here/gossip-report.mjs" "${report_args[@]}"
if ((${#report_args[@]} > 1)); then log "wrote section '## Gossip between real agents (issue 5)' of $out"; else log "$out not written (BENCH_WRITE=$write, targets: ${targets[*]})"; fi
status=0
