#!/usr/bin/env bash
# DNS throughput and latency: Muster vs the reference Consul (1.8.7) vs dnsmasq, side by side in
# one run on this machine. Each listens on its own loopback address:
#   Consul  127.0.0.51 (HTTP 35500, DNS 35600), `agent -dev`
#   Muster  127.0.0.53 (HTTP 35510, DNS 35610), `agent -dev` with the same flags
#   dnsmasq 127.0.0.52 (DNS 35620), answering the same names from a hosts file and --srv-host
# Both agents get the same catalog through PUT /v1/catalog/register: BENCH_NODES nodes `node-N`
# (127.1.0.N) and BENCH_INSTANCES instances of `web` on as many of them, each with a passing
# check (bench/dns-catalog.mjs, which also writes dnsmasq's files). Each target must answer a
# probe of every workload (dig) before anything is measured. Then dnsperf (1 socket, 100
# queries outstanding) for BENCH_SECONDS on each of three workloads:
#   node     `node-N.node.consul A`, cycling over the BENCH_NODES names
#   service  `web.service.consul A` (BENCH_INSTANCES healthy instances)
#   srv      `web.service.consul SRV` (targets node-N.node.dc1.consul, A records as additionals)
# recording queries/s, average latency, lost queries and non-NOERROR answers, the answer count
# and size of one dig per workload, and each target's RSS before and after the load. Prints a
# Markdown table per workload and writes the section "## DNS (issue 4)" of BENCHMARKS.md
# (ratios Muster/Consul and Muster/dnsmasq; > 1 means Muster is better).
#
#   npm ci && bench/dns.sh                        # from the repo root (any cwd works)
#   BENCH_TARGETS=consul,dnsmasq bench/dns.sh     # without Muster (no Muster build needed)
#
# Environment (defaults in brackets):
#   BENCH_SECONDS [30]    dnsperf duration of each measured run, seconds
#   BENCH_WARMUP [2]      dnsperf warm-up before each measurement (per target and workload), seconds; 0 = none
#   BENCH_RUNS [1]        runs of each measurement; the tables show the median
#   BENCH_TARGETS [consul,muster,dnsmasq]   which to run: any of consul, muster, dnsmasq
#   BENCH_NODES [100]     catalog nodes (the node workload cycles over all of them)
#   BENCH_INSTANCES [10]  instances of `web`, one per node, on BENCH_INSTANCES of the nodes
#   BENCH_EDNS [1]        1: queries carry EDNS0 with a 4096-byte UDP size (dnsperf -e), so every
#                         target can answer all instances; 0: plain 512-byte queries, as glibc's
#                         stub resolver sends (Consul then answers at most 3 records, A or SRV:
#                         its dns_config.udp_answer_limit; dnsmasq all, with fewer additionals)
#   BENCH_SETTLE [5]      seconds to wait before each RSS reading
#   BENCH_LOG_LEVEL [info]          -log-level for both agents ('' keeps -dev's DEBUG, which logs every query)
#   BENCH_WRITE [auto]    1: write BENCHMARKS.md; 0: only print; auto: write if all three targets ran
#   BENCH_OUT [<repo>/BENCHMARKS.md]
#   BENCH_KEEP [0]        1: keep the work dir (logs, query files, raw dnsperf output) after the run
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

bench_name=dns.sh
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

secs=${BENCH_SECONDS:-30}
warmup=${BENCH_WARMUP:-2}
runs=${BENCH_RUNS:-1}
targets_arg=${BENCH_TARGETS:-consul,muster,dnsmasq}
nodes=${BENCH_NODES:-100}
instances=${BENCH_INSTANCES:-10}
edns=${BENCH_EDNS:-1}
settle=${BENCH_SETTLE:-5}
log_level=${BENCH_LOG_LEVEL-info}
write=${BENCH_WRITE:-auto}
out=${BENCH_OUT:-$root/BENCHMARKS.md}
keep=${BENCH_KEEP:-0}

require_uints secs:BENCH_SECONDS warmup:BENCH_WARMUP runs:BENCH_RUNS nodes:BENCH_NODES instances:BENCH_INSTANCES settle:BENCH_SETTLE
((secs >= 1 && runs >= 1 && nodes >= 1 && instances >= 1)) || die "BENCH_SECONDS, BENCH_RUNS, BENCH_NODES, BENCH_INSTANCES must be >= 1"
((instances <= nodes && nodes <= 65535)) || die "BENCH_INSTANCES must be at most BENCH_NODES, and BENCH_NODES at most 65535"
[[ $edns == 0 || $edns == 1 ]] || die "BENCH_EDNS must be 0 or 1"
case $write in 0 | 1 | auto) ;; *) die "BENCH_WRITE must be 1, 0 or auto" ;; esac

parse_targets "$targets_arg" "consul muster dnsmasq"

# ---- tools -------------------------------------------------------------------------------
tools=(curl:curl dnsperf:dnsperf dig:bind9-dnsutils)
if has dnsmasq; then tools+=(dnsmasq:dnsmasq-base); fi
require_tools "${tools[@]}"

# ---- targets -----------------------------------------------------------------------------
declare -A addr pid port_http port_dns
addr[consul]=127.0.0.51 port_http[consul]=35500 port_dns[consul]=35600
addr[muster]=127.0.0.53 port_http[muster]=35510 port_dns[muster]=35610
addr[dnsmasq]=127.0.0.52 port_dns[dnsmasq]=35620

setup_work dns
catalog=$work/catalog
node "$here/dns-catalog.mjs" files "$catalog" "$nodes" "$instances" || die "could not write the catalog files in $catalog"

dig_opts=(+tries=1 +time=1 +ignore)
if ((edns == 1)); then dig_opts+=(+edns=0 +bufsize=4096); else dig_opts+=(+noedns); fi
dnsperf_opts=()
if ((edns == 1)); then dnsperf_opts+=(-e); fi

# dig_full TARGET NAME TYPE: dig's whole reply text (empty if none came within its bound).
dig_full() { timeout -k 1 5 dig "@${addr[$1]}" -p "${port_dns[$1]}" "${dig_opts[@]}" "$2" "$3" 2>&1 || true; }
# dig_summary TARGET NAME TYPE: "STATUS ANSWERS BYTES TC" of one query, or "none".
dig_summary() {
  dig_full "$@" | awk '
    /->>HEADER<<-/ { for (i = 1; i <= NF; i++) if ($i == "status:") { st = $(i + 1); sub(/,$/, "", st) } }
    /^;; flags:/ { tc = ($0 ~ /flags:[a-z ]* tc[ ;]/) ? 1 : 0
      for (i = 1; i <= NF; i++) if ($i == "ANSWER:") { an = $(i + 1); sub(/,$/, "", an) } }
    /MSG SIZE[ \t]+rcvd:/ { sz = $NF }
    END { if (st == "" || an == "" || sz == "") print "none"; else print st, an, sz, tc }'
}

level_flags=()
[[ -z $log_level ]] || level_flags=(-log-level "$log_level")
start_dnsmasq() {
  local srv=()
  [[ $(dig_summary dnsmasq node-1.node.consul A) == none ]] ||
    die "something already answers DNS on ${addr[dnsmasq]}:${port_dns[dnsmasq]}; stop it first"
  mapfile -t srv <"$catalog/srv-hosts"
  log "starting dnsmasq: dnsmasq --no-daemon ... --port=${port_dns[dnsmasq]} --listen-address=${addr[dnsmasq]} (${#srv[@]} --srv-host)"
  dnsmasq --no-daemon --conf-file=/dev/null --port="${port_dns[dnsmasq]}" --listen-address="${addr[dnsmasq]}" --bind-interfaces \
    --no-resolv --no-hosts --addn-hosts="$catalog/hosts" --local=/consul/ --cache-size=1000 "${srv[@]}" >>"$work/dnsmasq.log" 2>&1 &
  pid[dnsmasq]=$!
}
start_all() {
  if has consul; then
    start_agent consul "$consul_bin" agent -dev "${level_flags[@]}" -bind 127.0.0.51 -client 127.0.0.51 \
      -http-port 35500 -dns-port 35600 -server-port 35501 -serf-lan-port 35502 -serf-wan-port -1 -grpc-port -1
  fi
  if has muster; then
    start_agent muster "$root/bin/muster" agent -dev "${level_flags[@]}" -bind 127.0.0.53 -client 127.0.0.53 \
      -http-port 35510 -dns-port 35610 -server-port 35511 -serf-lan-port 35512 -serf-wan-port -1 -grpc-port -1
  fi
  if has dnsmasq; then start_dnsmasq; fi
  for t in "${targets[@]}"; do
    [[ $t == dnsmasq ]] || wait_leader "$t"
  done
}

# register TARGET: the catalog through the agent's HTTP API.
register() {
  local t=$1 line frc=0
  log "$t: registering $nodes nodes and $instances instances of web"
  timeout -k 5 150 node "$here/dns-catalog.mjs" register "$(base "$t")" "$nodes" "$instances" 120 \
    >"$work/register-$t.json" 2>"$work/register-$t.err" || frc=$?
  line=$(tail -n 1 "$work/register-$t.json" 2>/dev/null || true)
  [[ $line == \{* ]] || { cat "$work/register-$t.err" >&2; die "$t: the registration printed no result (exit $frc)"; }
  ((frc == 0)) || die "$t: registration failed: $line"
}

# probe TARGET: every workload answers as expected, within 10 s of the first try; records the
# answer count and size of each. With EDNS, every target must answer all instances.
probe() {
  local t=$1 w name type want exact got summary st an sz tc
  local -A names=([node]=node-1.node.consul [service]=web.service.consul [srv]=web.service.consul)
  local -A types=([node]=A [service]=A [srv]=SRV)
  local deadline=$((SECONDS + 10))
  while :; do
    alive "${pid[$t]}" || { tail -n 30 "$work/$t.log" >&2; die "$t exited before answering DNS (log above)"; }
    got=$(dig_full "$t" node-1.node.consul A | awk '$1 == "node-1.node.consul." && $4 == "A" { print $5 }')
    [[ $got != 127.1.0.1 ]] && ((SECONDS < deadline)) || break
    sleep 0.1
  done
  if [[ $got != 127.1.0.1 ]]; then
    local hint=''
    [[ $t != muster ]] || hint=" (does Muster serve DNS on -dns-port yet?)"
    die "$t does not answer DNS: node-1.node.consul A on ${addr[$t]}:${port_dns[$t]} gave '${got:-no answer}', expected 127.1.0.1 within 10 s$hint"
  fi
  for w in node service srv; do
    name=${names[$w]} type=${types[$w]}
    summary=$(dig_summary "$t" "$name" "$type")
    [[ $summary != none ]] || die "$t: no reply to $name $type on ${addr[$t]}:${port_dns[$t]}"
    read -r st an sz tc <<<"$summary"
    want=$instances exact=$edns
    if [[ $w == node ]]; then want=1 exact=1; fi
    [[ $st == NOERROR ]] || die "$t: $name $type answered $st, expected NOERROR"
    if ((an < 1 || (an != want && exact == 1))); then
      dig_full "$t" "$name" "$type" >&2
      die "$t: $name $type has $an answers, expected $want (reply above)"
    fi
    record "$t" "${w}_answers" "$an"
    record "$t" "${w}_bytes" "$sz"
    record "$t" "${w}_tc" "$tc"
    log "$t: $name $type: $st, $an answer(s), $sz bytes$( ((tc == 0)) || echo ', truncated (TC)')"
  done
}

start_all
for t in "${targets[@]}"; do
  [[ $t == dnsmasq ]] || register "$t"
done
for t in "${targets[@]}"; do probe "$t"; done

log "settling ${settle}s before the idle RSS reading"
sleep "$settle"
for t in "${targets[@]}"; do record "$t" rss_idle "$(proc_kib VmRSS "$t")"; done

# ---- dnsperf -----------------------------------------------------------------------------
# Parse dnsperf 2.10 output: queries/s, average latency (µs), lost, non-NOERROR answers.
parse_dnsperf() {
  awk '
    /^[ \t]*Queries lost:/ { lost = $3 }
    /^[ \t]*Queries per second:/ { qps = $4 }
    /^[ \t]*Average Latency \(s\):/ { lat = $4 }
    /^[ \t]*Response codes:/ {
      s = $0; sub(/^[^:]*:[ \t]*/, "", s); n = split(s, parts, /, /)
      for (i = 1; i <= n; i++) { split(parts[i], f, " "); if (f[1] != "NOERROR") err += f[2] }
    }
    END {
      if (qps == "" || lat == "" || lost == "") exit 1
      printf "%s %.1f %d %d\n", qps, lat * 1000000, lost, err
    }'
}

# run_dnsperf TARGET WORKLOAD DURATION_S OUTFILE
run_dnsperf() {
  local t=$1 w=$2 d=$3 outf=$4
  timeout -k 5 $((d + 30)) dnsperf -s "${addr[$t]}" -p "${port_dns[$t]}" -d "$catalog/queries-$w.txt" -l "$d" "${dnsperf_opts[@]}" \
    >"$outf" 2>&1 || { cat "$outf" >&2; die "dnsperf failed against $t ($w)"; }
  alive "${pid[$t]}" || { tail -n 30 "$work/$t.log" >&2; die "$t exited during the $w run (log above)"; }
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for w in node service srv; do
  if ((warmup > 0)); then
    for t in "${targets[@]}"; do
      log "$t $w: warm-up ${warmup}s"
      run_dnsperf "$t" "$w" "$warmup" "$work/dnsperf-$t-$w-warmup.txt"
    done
  fi
  for ((r = 1; r <= runs; r++)); do
    # Each run starts with another target, so none always runs first.
    shift_by=$(((r - 1) % ${#targets[@]}))
    order=("${targets[@]:shift_by}" "${targets[@]:0:shift_by}")
    for t in "${order[@]}"; do
      f=$work/dnsperf-$t-$w-$r.txt
      run_dnsperf "$t" "$w" "$secs" "$f"
      parsed=$(parse_dnsperf <"$f") || { cat "$f" >&2; die "could not parse dnsperf output for $t $w (above)"; }
      read -r qps lat lost errs <<<"$parsed"
      record "$t" "${w}_qps" "$qps"
      record "$t" "${w}_lat_us" "$lat"
      record "$t" "${w}_lost" "$lost"
      record "$t" "${w}_errors" "$errs"
      log "$t $w run $r/$runs: $qps queries/s, average latency ${lat} us, lost $lost, non-NOERROR $errs"
    done
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

log "settling ${settle}s before the after-load RSS reading"
sleep "$settle"
for t in "${targets[@]}"; do
  record "$t" rss_loaded "$(proc_kib VmRSS "$t")"
  record "$t" rss_peak "$(proc_kib VmHWM "$t")"
done
for t in "${targets[@]}"; do stop_agent "$t"; done

# ---- versions, machine, report -----------------------------------------------------------
meta_machine "start $load_start, end $load_end"
meta dnsperf "$(dnsperf -h 2>&1 | awk '$1 == "Version" { print $2; exit }' || true)"
if has dnsmasq; then meta dnsmasq_version "$(dnsmasq --version | awk 'NR == 1 { print $3 }')"; fi
meta nodes "$nodes"
meta instances "$instances"
meta edns "$edns"
edns_text='EDNS0 (4096-byte UDP size)'
((edns == 1)) || edns_text='no EDNS (512-byte UDP)'
meta settings "$nodes nodes, $instances instances of web; dnsperf ${secs}s per run after ${warmup}s warm-up (1 socket, 100 outstanding, $edns_text), median of $runs run(s); RSS read ${settle}s after settling; agents at -log-level ${log_level:-debug (dev default)}"
meta command "$(repeat_command bench/dns.sh "BENCH_SECONDS=$secs:30" "BENCH_WARMUP=$warmup:2" "BENCH_RUNS=$runs:1" \
  "BENCH_TARGETS=$(IFS=,; echo "${targets[*]}"):consul,muster,dnsmasq" "BENCH_NODES=$nodes:100" "BENCH_INSTANCES=$instances:10" \
  "BENCH_EDNS=$edns:1" "BENCH_SETTLE=$settle:5" "BENCH_LOG_LEVEL=$log_level:info")"

report_args=("$results")
case $write in
  1) report_args+=(--write "$out") ;;
  auto) if has consul && has muster && has dnsmasq; then report_args+=(--write "$out"); fi ;;
esac
node "$here/dns-report.mjs" "${report_args[@]}"
if ((${#report_args[@]} > 1)); then log "wrote section '## DNS (issue 4)' of $out"; else log "BENCHMARKS.md not written (BENCH_WRITE=$write, targets: ${targets[*]})"; fi
status=0
