#!/usr/bin/env bash
# Registers the DNS compatibility fixture catalog through PUT /v1/catalog/register only
# (no /v1/agent endpoints), so it works against any agent: Consul 1.8.7 or Muster.
#
#   test/dns-compat/catalog.sh http://127.0.0.41:34500
#
# Deterministic: fixed names, addresses, ports, tags, check ids. Every register call repeats the
# node's full Address/NodeMeta, because a catalog register without SkipNodeUpdate replaces the node.
# Addresses: 10.0.0.x / 10.0.1.x nodes, 10.0.2.1 and 2001:db8::a service addresses,
# 2001:db8::6 IPv6-only node, ext.example.org / nowhere.example.org hostnames (see upstream/hosts).
set -euo pipefail
base=${1:?usage: catalog.sh HTTP_BASE (e.g. http://127.0.0.41:34500)}
base=${base%/}

# reg NODE ADDRESS NODEMETA_JSON [EXTRA_JSON_FIELDS]
reg() {
  local body="{\"Node\":\"$1\",\"Address\":\"$2\",\"NodeMeta\":$3${4:+,$4}}"
  local out
  out=$(curl -sS -X PUT --data-binary "$body" "$base/v1/catalog/register")
  if [[ $out != true ]]; then
    echo "catalog.sh: register failed: $body -> $out" >&2
    exit 1
  fi
}
pass() { echo "{\"CheckID\":\"$1\",\"Name\":\"$1\",\"Status\":\"passing\"${2:+,\"ServiceID\":\"$2\"}}"; }
warn() { echo "{\"CheckID\":\"$1\",\"Name\":\"$1\",\"Status\":\"warning\"${2:+,\"ServiceID\":\"$2\"}}"; }
crit() { echo "{\"CheckID\":\"$1\",\"Name\":\"$1\",\"Status\":\"critical\"${2:+,\"ServiceID\":\"$2\"}}"; }
weights='"Weights":{"Passing":10,"Warning":1}'

# --- db.1: dotted node name, node meta (plain key, rfc1035- key, values containing '=') -------
dbmeta='{"rack":"r1","rfc1035-spf":"v=spf1 -all","opts":"k1=v1"}'
reg db.1 10.0.0.1 "$dbmeta" "\"Service\":{\"ID\":\"db\",\"Service\":\"db\",\"Port\":5432,\"Tags\":[\"primary\"]},\"Checks\":[$(pass db-alive)]"

# --- web: 3 instances, tags primary/secondary + dotted tag v1.2, Weights 10/1 ----------------
# web-1 on the mixed-case node Web-Node: service check passing -> SRV weight 10
reg Web-Node 10.0.0.2 '{"role":"frontend"}' \
  "\"Service\":{\"ID\":\"web-1\",\"Service\":\"web\",\"Port\":8080,\"Tags\":[\"primary\",\"v1.2\"],$weights},\"Checks\":[$(pass web-1-http web-1)]"
# web-2: service-level warning -> SRV weight 1; dropped by only_passing
reg web-2 10.0.0.3 '{}' \
  "\"Service\":{\"ID\":\"web-2\",\"Service\":\"web\",\"Port\":8080,\"Tags\":[\"secondary\"],$weights},\"Checks\":[$(warn web-2-http web-2)]"
# web-3: no checks at all (aggregate passing)
reg web-3 10.0.0.4 '{}' \
  "\"Service\":{\"ID\":\"web-3\",\"Service\":\"web\",\"Port\":8081,\"Tags\":[\"primary\"],$weights}"

# --- api: service address differs from node address (SRV target <hex>.addr.dc1.consul.) -----
reg web-3 10.0.0.4 '{}' "\"Service\":{\"ID\":\"api\",\"Service\":\"api\",\"Address\":\"10.0.2.1\",\"Port\":9000}"
# --- api6: IPv6 service address on an IPv4 node ----------------------------------------------
reg web-3 10.0.0.4 '{}' "\"Service\":{\"ID\":\"api6\",\"Service\":\"api6\",\"Address\":\"2001:db8::a\",\"Port\":9001}"

# --- v6only: IPv6-only node with a service without its own address ----------------------------
reg v6only 2001:db8::6 '{"stack":"v6"}' \
  "\"Service\":{\"ID\":\"v6svc\",\"Service\":\"v6svc\",\"Port\":7000},\"Checks\":[$(pass v6-alive)]"

# --- node-level health: passing / warning / critical / maintenance, all carrying 'mixed' -----
reg pass-node 10.0.0.9 '{}' "\"Service\":{\"ID\":\"mixed\",\"Service\":\"mixed\",\"Port\":6000},\"Checks\":[$(pass node-health)]"
reg warn-node 10.0.0.5 '{}' "\"Service\":{\"ID\":\"mixed\",\"Service\":\"mixed\",\"Port\":6000},\"Checks\":[$(warn node-health)]"
reg crit-node 10.0.0.6 '{}' "\"Service\":{\"ID\":\"mixed\",\"Service\":\"mixed\",\"Port\":6000},\"Checks\":[$(crit node-health)]"
reg maint-node 10.0.0.7 '{}' \
  "\"Service\":{\"ID\":\"mixed\",\"Service\":\"mixed\",\"Port\":6000},\"Checks\":[$(crit _node_maintenance)]"
# mixed on web-2 with a service-level critical check (excluded)
reg web-2 10.0.0.3 '{}' "\"Service\":{\"ID\":\"mixed\",\"Service\":\"mixed\",\"Port\":6001},\"Checks\":[$(crit mixed-tcp mixed)]"

# --- maint-svc: one instance in service maintenance, the other on the warning node ----------
reg pass-node 10.0.0.9 '{}' "\"Service\":{\"ID\":\"maint-svc-1\",\"Service\":\"maint-svc\",\"Port\":6100},\"Checks\":[$(crit _service_maintenance:maint-svc-1 maint-svc-1)]"
reg warn-node 10.0.0.5 '{}' "\"Service\":{\"ID\":\"maint-svc-2\",\"Service\":\"maint-svc\",\"Port\":6100}"
# --- down: exists in the catalog, every instance critical -> NXDOMAIN ------------------------
reg pass-node 10.0.0.9 '{}' "\"Service\":{\"ID\":\"down\",\"Service\":\"down\",\"Port\":6200},\"Checks\":[$(crit down-http down)]"

# --- hostname-addressed services on ext-node -------------------------------------------------
extmeta='{"zone":"edge"}'
# ext: resolvable through the upstream (upstream/hosts) when recursors are configured -> CNAME
reg ext-node 10.0.0.8 "$extmeta" "\"Service\":{\"ID\":\"ext\",\"Service\":\"ext\",\"Address\":\"ext.example.org\",\"Port\":443}"
# ghost: hostname the upstream answers NXDOMAIN for
reg ext-node 10.0.0.8 "$extmeta" "\"Service\":{\"ID\":\"ghost\",\"Service\":\"ghost\",\"Address\":\"nowhere.example.org\",\"Port\":443}"
# alias: hostname that is itself a Consul node name (resolved internally)
reg ext-node 10.0.0.8 "$extmeta" "\"Service\":{\"ID\":\"alias\",\"Service\":\"alias\",\"Address\":\"db.1.node.consul\",\"Port\":5433}"

# --- many: 12 instances on 12 nodes (truncation), each node with one meta key ----------------
for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
  reg "many-$i" "10.0.1.$((10#$i))" "{\"idx\":\"$i\"}" \
    "\"Service\":{\"ID\":\"many\",\"Service\":\"many\",\"Port\":7100},\"Checks\":[$(pass many-alive)]"
done
echo "catalog.sh: fixture registered at $base"
