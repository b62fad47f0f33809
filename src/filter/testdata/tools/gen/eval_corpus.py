import json, random
random.seed(187)
fields = json.load(open('/tmp/gp/fields.json'))

def paths(m, prefix=()):
    out = []
    for k, v in m.items():
        p = prefix + (k,)
        out.append(p)
        if 'sub' in v: out += paths(v['sub'], p)
    return out

node1 = {"ID": "2c41ab63-01fc-a8fb-7a9b-09e1bcb9c264", "Node": "web-1", "Address": "10.0.0.1", "Datacenter": "dc1",
         "TaggedAddresses": {"lan": "10.0.0.1", "wan": "198.18.0.1"}, "Meta": {"env": "prod", "rack": "r1", "empty": ""}, "CreateIndex": 10, "ModifyIndex": 12}
node2 = {"ID": "", "Node": "db.internal", "Address": "10.0.0.2", "Datacenter": "dc2", "TaggedAddresses": None, "Meta": None, "CreateIndex": 5, "ModifyIndex": 5}
node3 = {"Node": "bare"}
chk = lambda node, cid, status, sid="", sname="", tags=None, typ="": {"Node": node, "CheckID": cid, "Name": cid + " check", "Status": status, "Notes": "", "Output": "HTTP GET: 200 OK" if status == "passing" else "", "ServiceID": sid, "ServiceName": sname, "ServiceTags": tags, "Type": typ, "Definition": {}, "CreateIndex": 3, "ModifyIndex": 4}
checks = [chk("web-1", "serfHealth", "passing", typ=""), chk("web-1", "service:web", "critical", "web", "web", ["v1", "primary"], "ttl"),
          chk("db.internal", "mem", "warning", "", "", [], "script"), {"Node": "x", "CheckID": "c", "Status": "passing"}]
proxy = {"DestinationServiceName": "web", "DestinationServiceID": "web1", "LocalServiceAddress": "127.0.0.1", "LocalServicePort": 8080,
         "Upstreams": [{"DestinationType": "service", "DestinationName": "db", "LocalBindPort": 9191, "MeshGateway": {"Mode": "local"}}, {"DestinationName": "cache", "LocalBindPort": 9192}],
         "MeshGateway": {}, "Expose": {"Checks": True, "Paths": [{"ListenerPort": 21500, "Path": "/health", "LocalPathPort": 8080, "Protocol": "http"}]}}
ns1 = {"Kind": "", "ID": "web1", "Service": "web", "Tags": ["v1", "primary"], "Address": "", "TaggedAddresses": {"lan_ipv4": {"Address": "10.0.0.1", "Port": 80}},
       "Meta": {"version": "1.2.3"}, "Port": 80, "Weights": {"Passing": 1, "Warning": 1}, "EnableTagOverride": False, "Proxy": {"MeshGateway": {}, "Expose": {}}, "Connect": {}, "CreateIndex": 20, "ModifyIndex": 20}
ns2 = {"Kind": "connect-proxy", "ID": "web1-sidecar-proxy", "Service": "web-sidecar-proxy", "Tags": None, "Address": "10.0.0.1", "Meta": None, "Port": 21000,
       "Weights": {"Passing": 3, "Warning": 0}, "EnableTagOverride": True, "Proxy": proxy, "Connect": {"Native": False}}
ns3 = {"ID": "legacy", "Service": "legacy", "Tags": [], "Port": 0, "Weights": None}
sn = lambda n, s: {"ID": n.get("ID", ""), "Node": n["Node"], "Address": n.get("Address", ""), "Datacenter": n.get("Datacenter", ""), "TaggedAddresses": n.get("TaggedAddresses"), "NodeMeta": n.get("Meta"),
                   "ServiceKind": s.get("Kind", ""), "ServiceID": s["ID"], "ServiceName": s["Service"], "ServiceTags": s.get("Tags"), "ServiceAddress": s.get("Address", ""), "ServiceTaggedAddresses": s.get("TaggedAddresses"),
                   "ServiceWeights": s.get("Weights") or {"Passing": 0, "Warning": 0}, "ServiceMeta": s.get("Meta"), "ServicePort": s.get("Port", 0), "ServiceEnableTagOverride": s.get("EnableTagOverride", False),
                   "ServiceProxy": s.get("Proxy") or {}, "ServiceConnect": s.get("Connect") or {}, "CreateIndex": 20, "ModifyIndex": 21}
csn = [{"Node": node1, "Service": ns1, "Checks": checks[:2]}, {"Node": node2, "Service": ns2, "Checks": [checks[2]]}, {"Node": node1, "Service": ns1, "Checks": []}, {"Node": node3, "Service": ns3, "Checks": None}]
agent = lambda s: {k: v for k, v in s.items() if k not in ("CreateIndex", "ModifyIndex")}
as1 = agent(ns1); as1["Proxy"] = None; as1["Connect"] = None; as1["Weights"] = {"Passing": 1, "Warning": 1}
as2 = agent(ns2); as2["Datacenter"] = "dc1"
as3 = {"ID": "legacy", "Service": "legacy", "Tags": [], "Meta": {}, "Port": 0, "Address": "", "Weights": {"Passing": 1, "Warning": 1}, "EnableTagOverride": False}
data = {
  "Node": [node1, node2, node3],
  "ServiceNode": [sn(node1, ns1), sn(node2, ns2), sn(node3, ns3)],
  "HealthCheck": checks,
  "CheckServiceNode": csn,
  "NodeService": [ns1, ns2, ns3],
  "AgentService": [as2, as1, as3],
}
hand = {
  "Node": ['Node == web-1', 'Node != web-1', 'Node == "web-1"', 'Node == `web-1`', 'Node contains web', 'Node not contains web', '"web" in Node', '"web" not in Node',
           'Node matches "^web-[0-9]+$"', 'Node not matches "^web"', 'Node matches "("', 'Node matches "[z-a]"', 'Meta.env == prod', 'Meta.env != prod', 'Meta["env"] == prod', 'Meta.missing == x',
           'Meta.missing != x', 'Meta.missing matches "x"', 'Meta.missing not matches "x"', 'Meta.missing in x', 'Meta.missing not in x', 'Meta.missing contains x',
           'env in Meta', 'env not in Meta', 'Meta contains env', 'Meta is empty', 'Meta is not empty', 'TaggedAddresses.lan == "10.0.0.1"', 'lan in TaggedAddresses',
           'Meta.empty == ""', 'Meta.empty is empty', 'Meta.env.x == 1', 'Meta == x', 'Node is empty', 'Foo == 1', 'CreateIndex == 10', 'RaftIndex.CreateIndex == 10', 'ModifyIndex == 12',
           'Node == web-1 and Meta.env == prod', 'Node == web-1 or Node == bare', 'not Node == web-1', 'not (Node == web-1 or Meta.env == prod)', 'Node == 1', 'Node == -1.5', 'Node == true',
           'Datacenter in dc1', 'dc1 in Datacenter', 'Address matches "^10\\\\."', 'Address matches `^10\\.0\\.`', 'ID is empty', 'ID == ""', 'Meta.rack matches "(?i)R1"', 'Node matches "\\\\d"',
           'Node == web-1 and Foo == 1', 'Foo == 1 and Bar == 2', 'Node == web-1 and Meta.x matches "("', 'Node matches "a**"'],
  "HealthCheck": ['Status == passing', 'Status != passing', 'Status in "passing warning"', 'ServiceTags contains v1', 'v1 in ServiceTags', 'v1 not in ServiceTags', 'ServiceTags is empty',
                  'ServiceTags is not empty', 'ServiceTags == v1', 'ServiceTags.x == 1', 'CheckID == serfHealth', 'Type == ""', 'Definition.HTTP == x', 'Definition is empty', 'Output contains OK',
                  'Name matches "check$"', 'ServiceName == web and Status == critical', 'Node == web-1 and not ServiceID is empty', 'ServiceID is empty', 'Interval == 10s', 'Status == 1'],
  "CheckServiceNode": ['Checks.Status == passing', 'Checks.Status != passing', 'Checks.Status == critical', 'not Checks.Status == critical', 'Checks is empty', 'Checks is not empty',
                       'Checks.ServiceTags contains primary', 'Checks.ServiceTags is empty', 'Checks.ServiceTags is not empty', 'Service.Service == web', 'Service.Meta.version == "1.2.3"',
                       'Node.Meta.env == prod', 'Node.Node == web-1', 'Service.Tags contains v1', 'v1 in Service.Tags', 'Service.Port == 80', 'Service.Port == 0x50', 'Service.Port == 80.0',
                       'Service.Port == abc', 'Service.Port != 80', 'Service.Port == -0', 'Service.Port == 99999999999999999999', 'Service.Port == 1_000', 'Service.Port == "080"',
                       'Service.Weights.Passing == 1', 'Service.Weights.Passing == 3', 'Service.Weights.Warning == 0', 'Service.Proxy.DestinationServiceName == web', 'Service.Proxy.Upstreams.DestinationName == db',
                       'Service.Proxy.Upstreams.LocalBindPort == 9192', 'Service.Proxy.Upstreams is empty', 'Service.Proxy.Expose.Paths.Path == "/health"', 'Service.Proxy.Expose.Checks == true',
                       'Service.Proxy.MeshGateway.Mode == ""', 'Service.Proxy.Upstreams.MeshGateway.Mode == local', 'Service.Connect.Native == false', 'Service.Connect.Native == yes', 'Service.Connect.Native == T',
                       'Service.Connect.Native == 1', 'Service.EnableTagOverride == true', 'Service.TaggedAddresses.lan_ipv4.Port == 80', 'Service.TaggedAddresses.lan_ipv4.Address == "10.0.0.1"',
                       'Service.TaggedAddresses.wan.Port == 80', 'Service.TaggedAddresses.wan.Port != 80', 'lan_ipv4 in Service.TaggedAddresses', 'Service.TaggedAddresses.lan_ipv4 == x',
                       'Service.Kind == "connect-proxy"', 'Service == x', 'Node is empty', 'Checks.Foo == 1', 'Checks.Status matches "^(passing|warning)$"', 'Checks.Node == web-1 and Checks.Status == warning'],
  "NodeService": ['Weights.Passing == 1', 'Service == web', 'Tags contains v1', 'Proxy.Upstreams.DestinationName == db', 'Proxy.DestinationServiceName == ""', 'Connect.Native == false',
                  'Port == 80', 'Port != 80', 'Kind == ""', 'Meta.version matches "^1\\\\."', 'Meta is empty', 'TaggedAddresses is empty', 'Service == legacy or Weights.Passing == 1',
                  'Weights.Passing == 1 or Service == legacy', 'Weights is empty'],
  "AgentService": ['Service == web', 'Proxy.DestinationServiceName == web', 'Kind == "connect-proxy" and Proxy.DestinationServiceName == web', 'Connect.Native == true', 'Weights.Passing == 1',
                   'Datacenter == dc1', 'Namespace == x', 'ContentHash == x', 'Tags contains primary', 'Meta.version == "1.2.3"', 'Proxy.Upstreams.DestinationName == db', 'Port == 21000'],
  "ServiceNode": ['ServiceName == web', 'ServiceTags contains v1', 'NodeMeta.env == prod', 'ServiceMeta.version == "1.2.3"', 'ServiceWeights.Passing == 1', 'ServiceProxy.DestinationServiceName == web',
                  'ServiceProxy.Upstreams.DestinationName == db', 'ServiceConnect.Native == false', 'ServiceTaggedAddresses.lan_ipv4.Port == 80', 'ServiceKind == "connect-proxy"', 'ServicePort == 21000',
                  'ServiceEnableTagOverride == true', 'ServiceAddress == ""', 'TaggedAddresses.wan == "198.18.0.1"', 'Node == bare', 'ServiceID == legacy', 'NodeMeta is empty', 'ServiceConnect.SidecarService is empty'],
}
ops = ['==', '!=', 'contains', 'not contains', 'matches', 'not matches', 'is empty', 'is not empty', 'in', 'not in']
vals = ['web', 'web-1', '"v1"', '80', '1', '0', '-1', 'true', 'false', 'passing', '"^w"', '"("', '""', 'prod', 'x', '0x50', '1.5', 'lan_ipv4', 'env']
corpus = []
for t, exprs in hand.items():
    for e in exprs: corpus.append({"type": t, "expr": e, "data": data[t]})
for t in data:
    ps = paths(fields[t])
    for _ in range(120):
        p = list(random.choice(ps))
        p = [random.choice(["env", "lan_ipv4", "missing", "version", "lan"]) if s == '*' else s for s in p]
        if random.random() < 0.08: p.append(random.choice(['Foo', 'x']))
        if random.random() < 0.05: p[0] = random.choice(['Bogus', 'CreateIndex'])
        sel = '.'.join(p)
        op = random.choice(ops)
        v = random.choice(vals)
        if op in ('is empty', 'is not empty'): e = f'{sel} {op}'
        elif op in ('in', 'not in'): e = f'{v} {op} {sel}'
        else: e = f'{sel} {op} {v}'
        if random.random() < 0.2: e = 'not ' + e
        corpus.append({"type": t, "expr": e, "data": data[t]})
with open('/tmp/gp/eval_corpus.jsonl', 'w') as f:
    for c in corpus: f.write(json.dumps(c) + '\n')
json.dump(data, open('/tmp/gp/eval_data.json', 'w'))
print(len(corpus))
