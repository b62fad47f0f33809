#!/usr/bin/env bash
# The recursor fixtures used by consul-configs/b, c and d:
#   dnsmasq   127.0.0.42:34654  answers upstream/hosts, NXDOMAIN for other *.example.org, REFUSED elsewhere
#   blackhole 127.0.0.42:34655  udp+tcp, reads queries and never answers (recursor timeout)
#   127.0.0.42:34656 is deliberately left closed (connection refused)
# Run it to start both in the background and print "NAME PID" lines (stop them with kill PID), or
# source it and call start_upstreams, which sets upstream_pids (record.sh does that).
# Logs go to UPSTREAM_LOG_DIR (default /tmp).
upstream_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

start_upstreams() {
  local ip=127.0.0.42 logs=${UPSTREAM_LOG_DIR:-/tmp}
  dnsmasq --no-daemon --conf-file=/dev/null --port=34654 --listen-address="$ip" --bind-interfaces \
    --no-resolv --no-hosts --addn-hosts="$upstream_dir/hosts" --local=/example.org/ --pid-file= \
    --log-facility=- >"$logs/dns-compat-dnsmasq-upstream.log" 2>&1 &
  upstream_pids=("$!")
  node "$upstream_dir/blackhole.mjs" "$ip" 34655 >"$logs/dns-compat-blackhole.log" 2>&1 &
  upstream_pids+=("$!")
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  start_upstreams
  echo "dnsmasq-upstream ${upstream_pids[0]}"
  echo "blackhole ${upstream_pids[1]}"
fi
