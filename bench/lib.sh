# Shared shell pieces of the bench/ scripts (sourced, not run). The sourcing script sets
#   bench_name (e.g. kv.sh; used in messages), root (the repo), work (a scratch dir; agent logs
#   go there), results (the results file) and the associative arrays addr, port_http and pid
#   (per target: consul, muster; dns.sh also has dnsmasq, which has no HTTP port),
# and defines its own start_all. Everything here is bounded: every wait has a limit.
# shellcheck shell=bash

log() { printf '[%s] %s\n' "$bench_name" "$*" >&2; }
die() { printf 'bench/%s: %s\n' "$bench_name" "$*" >&2; exit 1; }

# require_uints NAME:ENVVAR...: each variable NAME must hold a whole number.
require_uints() {
  local v var
  for v in "$@"; do
    var=${v%%:*}
    [[ ${!var} =~ ^[0-9]+$ ]] || die "${v#*:} must be a whole number, got '${!var}'"
  done
}

# parse_targets "consul,muster" [ALLOWED]: sets the array `targets` (each once, in the given
# order). ALLOWED, a space-separated list, defaults to "consul muster".
parse_targets() {
  local t _t allowed=${2:-consul muster}
  targets=()
  IFS=', ' read -r -a _t <<<"$1"
  for t in "${_t[@]}"; do
    if [[ -z $t ]]; then continue; fi
    if [[ " $allowed " != *" $t "* ]]; then
      if [[ $allowed == 'consul muster' ]]; then die "BENCH_TARGETS: unknown target '$t' (use consul, muster or consul,muster)"; fi
      die "BENCH_TARGETS: unknown target '$t' (use one or more of: ${allowed// /, })"
    fi
    [[ " ${targets[*]-} " == *" $t "* ]] || targets+=("$t")
  done
  ((${#targets[@]} > 0)) || die "BENCH_TARGETS names no target"
}
has() { [[ " ${targets[*]} " == *" $1 "* ]]; }

# ---- tools -------------------------------------------------------------------------------
apt_updated=0
apt_install() {
  if ((apt_updated == 0)); then
    log "apt-get update"
    apt-get update -qq >&2 || die "apt-get update failed (needed to install: $*)"
    apt_updated=1
  fi
  log "apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 || die "apt-get install $* failed"
}

# require_tools [COMMAND:PACKAGE...]: the commands (default wrk:wrk curl:curl; each installed
# from its Debian package if missing), node, timeout; sets consul_bin when consul is a target
# and checks Muster is built when muster is.
require_tools() {
  local missing=() ref_script tool
  (($# > 0)) || set -- wrk:wrk curl:curl
  for tool in "$@"; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
  done
  ((${#missing[@]} == 0)) || apt_install "${missing[@]}"
  for tool in "$@"; do
    command -v "${tool%%:*}" >/dev/null || die "${tool%%:*} is still missing after apt-get install ${tool#*:}"
  done
  command -v node >/dev/null || die "node is required (Node 20)"
  command -v timeout >/dev/null || die "timeout (coreutils) is required"
  consul_bin=''
  if has consul; then
    ref_script=$root/../shared/tools/reference-consul.sh
    [[ -x $ref_script || -f $ref_script ]] || die "reference Consul installer not found at $ref_script"
    consul_bin=$(bash "$ref_script") || die "reference-consul.sh failed"
    [[ -x $consul_bin ]] || die "reference-consul.sh printed '$consul_bin', which is not an executable"
  fi
  if has muster; then
    [[ -d $root/node_modules ]] && [[ -f $root/dist/cli/main.js ]] ||
      die "Muster is not built: run \`npm ci\` in $root first (or BENCH_TARGETS=consul to bench Consul alone)"
    [[ -x $root/bin/muster ]] || die "$root/bin/muster is missing or not executable"
  fi
}

# ---- scratch dir, clean-up ---------------------------------------------------------------
# setup_work NAME: the scratch dir ($work), the results file ($results) and the clean-up on
# exit or signal: the agents are stopped, the dir removed unless BENCH_KEEP=1 ($keep) or the
# run failed. The script sets status=0 once it has finished.
setup_work() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/muster-bench-$1.XXXXXX")
  results=$work/results.tsv
  : >"$results"
  status=1
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if declare -p pid >/dev/null 2>&1; then
    for t in "${!pid[@]}"; do stop_agent "$t"; done
  fi
  if [[ $keep == 1 || $status != 0 ]]; then
    log "work dir kept: $work (agent logs, raw results)"
  else
    rm -rf "$work"
  fi
  exit "$rc"
}

# ---- agents ------------------------------------------------------------------------------
base() { echo "http://${addr[$1]}:${port_http[$1]}"; }

# PIDs of $1 and all its descendants (the agent might fork workers).
tree_pids() {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2; order[NR] = $1 }
    END {
      keep[root] = 1; print root
      do { added = 0
        for (i = 1; i <= NR; i++) { p = order[i]
          if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; print p; added = 1 } }
      } while (added)
    }'
}
alive() { [[ -r /proc/$1/status ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

stop_agent() {
  local name=$1 p=${pid[$1]-}
  [[ -n $p ]] || return 0
  local all
  all=$(tree_pids "$p" || true)
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 50); do alive "$p" || break; sleep 0.1; done
  for q in $all; do if alive "$q"; then kill -KILL "$q" 2>/dev/null || true; fi; done
  wait "$p" 2>/dev/null || true
  unset "pid[$name]"
}

start_agent() {
  local name=$1
  shift
  local url
  url=$(base "$name")
  if curl -s -m 1 -o /dev/null "$url/v1/status/leader"; then
    die "something already answers on $url; stop it first"
  fi
  log "starting $name: $*"
  CHECKPOINT_DISABLE=1 "$@" >>"$work/$name.log" 2>&1 &
  pid[$name]=$!
}

wait_leader() {
  local name=$1 url leader=''
  url=$(base "$name")
  for _ in $(seq 100); do
    alive "${pid[$name]}" || { tail -n 30 "$work/$name.log" >&2; die "$name exited during start-up (log above)"; }
    leader=$(curl -s -m 1 "$url/v1/status/leader" || true)
    if [[ -n $leader && $leader != '""' ]]; then
      log "$name is up (pid ${pid[$name]}, leader $leader)"
      return 0
    fi
    sleep 0.1
  done
  tail -n 30 "$work/$name.log" >&2
  die "$name did not report a leader at $url/v1/status/leader within 10 s (log above)"
}

# ---- measurements ------------------------------------------------------------------------
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"; }
meta() { record meta "$1" "$2"; }

# Sum of a /proc/PID/status field (kB) over the agent's process tree.
proc_kib() {
  local field=$1 p=${pid[$2]} total=0 v
  for q in $(tree_pids "$p"); do
    v=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$q/status" 2>/dev/null || true)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# Parse wrk --latency output: requests/s, p50 and p99 in µs, errors (non-2xx + socket).
parse_wrk() {
  awk '
    function us(s,   n, u) {
      n = s; sub(/[a-z]+$/, "", n); u = s; sub(/^[0-9.]+/, "", u)
      if (u == "us") return n + 0
      if (u == "ms") return n * 1000
      if (u == "s") return n * 1000000
      if (u == "m") return n * 60000000
      if (u == "h") return n * 3600000000
      return -1
    }
    /^[ \t]*Latency Distribution/ { dist = 1; next }
    dist && $1 == "50%" { p50 = us($2) }
    dist && $1 == "99%" { p99 = us($2) }
    dist && $1 !~ /%$/ { dist = 0 }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /^[ \t]*Socket errors:/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) { v = $i; sub(/,/, "", v); err += v } }
    END {
      if (rps == "" || p50 == "" || p99 == "" || p50 < 0 || p99 < 0) exit 1
      printf "%s %.1f %.1f %d\n", rps, p50, p99, err
    }'
}

# ---- versions, machine -------------------------------------------------------------------
# meta_machine LOAD: date, machine, tool versions and the load average text given.
meta_machine() {
  meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
  meta nproc "$(nproc)"
  meta mem "$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  meta cpu "$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  meta os "$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null || uname -s)"
  meta node "$(node --version)"
  if command -v wrk >/dev/null; then meta wrk "$(wrk -v 2>&1 | awk 'NR == 1 { print $2 }' || true)"; fi
  meta load "$1"
  if has consul; then meta consul_version "$("$consul_bin" version | awk 'NR == 1 { print $2 }')"; fi
  if has muster; then
    local mv rev
    mv=$(node -p 'require("./package.json").version')
    rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || true)
    if [[ -n $rev ]]; then
      [[ -z $(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null) ]] || rev="$rev+dirty"
      mv="$mv ($rev)"
    fi
    meta muster_version "$mv"
  fi
  meta targets "${targets[*]}"
}

# repeat_command SCRIPT "VAR=value:default"...: the command that repeats this run (the
# settings that differ from their defaults, then the script).
repeat_command() {
  local script=$1 kv setting default cmd=''
  shift
  for kv in "$@"; do
    setting=${kv%:*} default=${kv##*:}
    [[ ${setting#*=} == "$default" ]] || cmd+="$setting "
  done
  echo "${cmd}$script"
}
