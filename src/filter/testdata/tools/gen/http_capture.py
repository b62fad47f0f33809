# Records testdata/consul-http.json from a reference Consul 1.8.7 started as
#   consul agent -dev -bind 127.0.0.50 -client 127.0.0.50 -http-port 31500 -dns-port -1 \
#     -serf-lan-port 31501 -server-port 31502 -grpc-port -1 -serf-wan-port -1 -node refnode
# after these registrations (curl -X PUT -d BODY http://127.0.0.50:31500PATH):
#   /v1/agent/service/register {"Name":"web","ID":"web1","Tags":["v1","primary"],"Port":80,"Meta":{"version":"1.2.3"},"Check":{"TTL":"30s","Name":"web ttl"},"TaggedAddresses":{"lan":{"Address":"127.0.0.50","Port":80}}}
#   /v1/agent/service/register {"Name":"web","ID":"web2","Tags":["v2"],"Port":81,"Weights":{"Passing":5,"Warning":2}}
#   /v1/agent/service/register {"Name":"web-sidecar-proxy","Kind":"connect-proxy","ID":"web1-proxy","Port":21000,"Proxy":{"DestinationServiceName":"web","DestinationServiceID":"web1","LocalServicePort":80,"Upstreams":[{"DestinationName":"db","LocalBindPort":9191}]}}
#   /v1/agent/check/pass/service:web1
#   /v1/agent/check/register {"Name":"mem","ID":"mem","TTL":"60s"}
#   /v1/catalog/register {"Node":"ext-1","Address":"10.1.0.1","NodeMeta":{"env":"prod","rack":"r2"},"TaggedAddresses":{"wan":"198.18.1.1"},"Service":{"ID":"db1","Service":"db","Tags":["primary"],"Port":5432,"Meta":{"engine":"pg"}},"Checks":[{"CheckID":"db-alive","Name":"db alive","Status":"warning","ServiceID":"db1"},{"CheckID":"node-ok","Name":"node ok","Status":"passing"}]}
#   /v1/catalog/register {"Node":"ext-2","Address":"10.1.0.2","Service":{"ID":"web9","Service":"web","Tags":["v1"],"Port":8080},"Checks":[{"CheckID":"web9-check","Name":"web9","Status":"critical","ServiceID":"web9"}]}
import json, urllib.request, urllib.parse
B = 'http://127.0.0.50:31500'
def get(path, flt=None):
    url = B + path + ('?' + urllib.parse.urlencode({'filter': flt}) if flt is not None else '')
    try:
        with urllib.request.urlopen(url) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except Exception as e:
        return 0, 'connection error: ' + type(e).__name__
common_bad = ['Foo == 1', 'Node == ', '(', 'a == "x', 'a[1] == 1']
eps = {
  '/v1/catalog/nodes': ('Node', ['Meta.env == prod', 'Node matches "^ext-"', 'Meta is empty', 'Meta.rack != r2', 'TaggedAddresses.wan is not empty', 'not Address contains "10.1"', 'Node matches "("', 'Meta == x']),
  '/v1/catalog/service/web': ('ServiceNode', ['ServiceTags contains v1', 'ServiceWeights.Passing == 5', 'NodeMeta is empty', 'ServiceMeta.version == "1.2.3"', 'ServicePort == abc', 'ServiceTaggedAddresses.lan.Port == 80', 'ServiceID in ServiceName']),
  '/v1/catalog/node/refnode': ('NodeService', ['Service == web', 'Kind == "connect-proxy"', 'Proxy.Upstreams.DestinationName == db', 'Weights.Passing != 1', 'Tags is empty', 'Port == 8O']),
  '/v1/catalog/node-services/refnode': ('NodeService', ['Service == web', 'Proxy.DestinationServiceID == web1', 'Connect.Native == maybe']),
  '/v1/health/node/ext-1': ('HealthCheck', ['Status == passing', 'ServiceID is empty', 'Status == warning or Status == critical', 'Definition.HTTP == x']),
  '/v1/health/checks/web': ('HealthCheck', ['Status != passing', 'ServiceTags contains v1', 'Node == ext-2']),
  '/v1/health/state/any': ('HealthCheck', ['Status == critical', 'CheckID matches "^serf"', 'Type == ttl']),
  '/v1/health/service/web': ('CheckServiceNode', ['Checks.Status == critical', 'not Checks.Status == critical', 'Service.Tags contains v1 and Node.Node == refnode', 'Checks is empty', 'Service.Weights.Passing == 5', 'Node.Meta.env == prod', 'Checks.Status matches "("']),
  '/v1/agent/services': ('AgentService', ['Service == web', 'Tags contains v1', 'Kind == "connect-proxy" and Proxy.Upstreams.LocalBindPort == 9191', 'Weights.Warning == 2', 'Meta.version is empty', 'Proxy.DestinationServiceName == web']),
  '/v1/agent/checks': ('HealthCheck', ['Status == critical', 'ServiceName == web', 'Foo == 1']),
}
out = []
for ep, (typ, flts) in eps.items():
    st, base = get(ep)
    entry = {'endpoint': ep, 'type': typ, 'unfiltered': base, 'queries': []}
    for f in flts + common_bad + ['']:
        st, body = get(ep, f)
        entry['queries'].append({'filter': f, 'status': st, 'body': body})
    out.append(entry)
json.dump(out, open('/tmp/gp/http_capture.json', 'w'), indent=1)
for e in out:
    for q in e['queries']:
        b = q['body'] if isinstance(q['body'], str) else ('%d items' % len(q['body']) if isinstance(q['body'], (list, dict)) else q['body'])
        print(e['endpoint'], repr(q['filter']), q['status'], str(b)[:150])
