#!/usr/bin/env bash
# Runs the whole battery against one agent binary, once per consul-configs/*.hcl, and writes the
# normalised transcripts to OUT_DIR (a-default.txt, b-tuned.txt, c-recursor-down.txt,
# d-recursor-dead.txt, forwarder.txt) plus the agent/dnsmasq logs.
#
#   test/dns-compat/record.sh OUT_DIR                                   # Consul 1.8.7 (reference)
#   AGENT_BIN=/work/main/bin/muster test/dns-compat/record.sh OUT_DIR   # Muster, same flags
#
# Addresses (override with the env vars in capitals): the agent on AGENT_IP=127.0.0.41 with HTTP_PORT=34500,
# DNS_PORT=34600, serf 34301/34302, server 34300, gRPC off. Fixed, because consul-configs/ name them:
# upstream dnsmasq 127.0.0.42:34654, blackhole 127.0.0.42:34655, closed 127.0.0.42:34656;
# the forwarding dnsmasq listens on 127.0.0.42:34653. Every process started here is stopped by PID.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: record.sh OUT_DIR}
mkdir -p "$out"
agent=${AGENT_BIN:-/var/cache/muster-ref/consul/usr/bin/consul}
ip=${AGENT_IP:-127.0.0.41}
http_port=${HTTP_PORT:-34500}
dns_port=${DNS_PORT:-34600}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

agent_flags=(agent -dev -node Ref-DNS -bind "$ip" -client "$ip" -http-port "$http_port" -dns-port "$dns_port"
  -serf-lan-port "${SERF_LAN_PORT:-34301}" -serf-wan-port "${SERF_WAN_PORT:-34302}"
  -server-port "${SERVER_PORT:-34300}" -grpc-port -1)

start_agent() { # config-file
  "$agent" "${agent_flags[@]}" -config-file "$1" >"$out/agent-$(basename "$1" .hcl).log" 2>&1 &
  agent_pid=$!
  pids+=("$agent_pid")
  # ready = the agent's own node serves consul.service (leader elected, self registered)
  for _ in $(seq 1 150); do
    if [[ $(dig @"$ip" -p "$dns_port" +short +tries=1 +time=1 consul.service.consul A 2>/dev/null) == "$ip" ]]; then
      return 0
    fi
    sleep 0.2
  done
  echo "record.sh: agent did not answer consul.service.consul with $1 (see $out)" >&2
  exit 1
}
stop_agent() { kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; }

# shellcheck source=upstream/start-upstreams.sh
source "$here/upstream/start-upstreams.sh"
UPSTREAM_LOG_DIR=$out start_upstreams
pids+=("${upstream_pids[@]}")
sleep 0.5

# (a) and (b): the main battery
for cfg in a-default b-tuned; do
  start_agent "$here/consul-configs/$cfg.hcl"
  "$here/catalog.sh" "http://$ip:$http_port"
  "$here/run.sh" "$ip" "$dns_port" >"$out/$cfg.txt"
  if [[ $cfg == a-default ]]; then
    # dnsmasq forwarding the consul domain to the agent
    dnsmasq --no-daemon --conf-file=/dev/null --port=34653 --listen-address=127.0.0.42 --bind-interfaces \
      --no-resolv --no-hosts --server="/consul/$ip#$dns_port" --pid-file= >"$out/dnsmasq-forwarder.log" 2>&1 &
    fwd=$!
    pids+=("$fwd")
    sleep 0.5
    "$here/run.sh" 127.0.0.42 34653 "$here/queries-forwarder.txt" >"$out/forwarder.txt"
    kill "$fwd"; wait "$fwd" 2>/dev/null || true
  fi
  stop_agent
done

# (c) and (d): recursor failures, ';; Query time' kept
for cfg in c-recursor-down d-recursor-dead; do
  start_agent "$here/consul-configs/$cfg.hcl"
  "$here/catalog.sh" "http://$ip:$http_port"
  DNS_KEEP_TIME=1 "$here/run.sh" "$ip" "$dns_port" "$here/queries-recursor.txt" >"$out/$cfg.txt"
  stop_agent
done
echo "record.sh: transcripts in $out"
