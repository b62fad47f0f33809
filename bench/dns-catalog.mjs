// The catalog the DNS bench answers from, in two forms that hold the same names and addresses:
//   node bench/dns-catalog.mjs register BASE_URL NODES INSTANCES [deadline_s=120]
//     registers NODES nodes `node-N` (N = 1..NODES, address 127.1.<N div 256>.<N mod 256>) and
//     INSTANCES instances of service `web` (instance k on node 1 + k*floor(NODES/INSTANCES), port
//     20000+k, no service address of its own, one passing service check) through
//     PUT /v1/catalog/register (one request at a time, keep-alive), then checks that
//     /v1/health/service/web?passing lists INSTANCES entries and that the last node is there.
//     Prints one JSON line; exit status 0 only if all of that held.
//   node bench/dns-catalog.mjs files DIR NODES INSTANCES
//     writes for dnsmasq DIR/hosts (node-N.node.consul and node-N.node.dc1.consul per node,
//     web.service.consul once per instance) and DIR/srv-hosts (one --srv-host=... argument a
//     line: web.service.consul → node-N.node.dc1.consul:port, priority 1, weight 1, as Consul
//     answers), and the dnsperf query files DIR/queries-{node,service,srv}.txt.
// No node checks: a catalog node with a "serfHealth" check that is not a Serf member is reaped
// by Consul's leader (see health-shape.mjs).
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { errorText, request as httpRequest } from './lib.mjs';

const SERVICE = 'web';
const FIRST_PORT = 20000;

const nodeName = (n) => `node-${n}`;
const nodeAddress = (n) => `127.1.${(n >> 8) & 255}.${n & 255}`;

/** The instances: k (0-based) on node 1 + k*stride, where they spread evenly over the nodes. */
function instances(nodes, count) {
  const stride = Math.max(1, Math.floor(nodes / count));
  return Array.from({ length: count }, (_, k) => ({ k, n: 1 + k * stride, id: `${SERVICE}-${k}`, port: FIRST_PORT + k }));
}

const nodeBody = (n) => ({ Node: nodeName(n), Address: nodeAddress(n) });

function instanceBody(inst) {
  return {
    ...nodeBody(inst.n),
    Service: { ID: inst.id, Service: SERVICE, Tags: ['http'], Port: inst.port },
    Checks: [{ CheckID: `service:${inst.id}`, Name: `Service '${SERVICE}' check`, Status: 'passing', ServiceID: inst.id }],
  };
}

async function register(base, nodes, count, deadlineS) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const request = (method, path, body) => httpRequest(agent, base, method, path, body, 10_000);
  const deadline = performance.now() + deadlineS * 1000;
  const bodies = [];
  for (let n = 1; n <= nodes; n++) bodies.push(nodeBody(n));
  for (const inst of instances(nodes, count)) bodies.push(instanceBody(inst));
  const result = { nodes, instances: count, ok: 0, listed: -1, lastNode: false, firstError: '' };
  try {
    for (const body of bodies) {
      if (performance.now() > deadline) throw new Error(`deadline of ${deadlineS} s passed after ${result.ok} registrations`);
      const res = await request('PUT', '/v1/catalog/register', Buffer.from(JSON.stringify(body)));
      if (res.status !== 200) throw new Error(`PUT /v1/catalog/register: HTTP ${res.status}: ${res.body.slice(0, 200)}`);
      result.ok++;
    }
    const listing = await request('GET', `/v1/health/service/${SERVICE}?passing`);
    if (listing.status === 200) result.listed = JSON.parse(listing.body).length;
    const last = await request('GET', `/v1/catalog/node/${nodeName(nodes)}`);
    result.lastNode = last.status === 200 && JSON.parse(last.body)?.Node?.Address === nodeAddress(nodes);
  } catch (err) {
    result.firstError = errorText(err);
  } finally {
    agent.destroy();
  }
  console.log(JSON.stringify(result));
  return result.ok === bodies.length && result.listed === count && result.lastNode;
}

function files(dir, nodes, count) {
  mkdirSync(dir, { recursive: true });
  const hosts = [];
  const nodeQueries = [];
  for (let n = 1; n <= nodes; n++) {
    hosts.push(`${nodeAddress(n)} ${nodeName(n)}.node.consul ${nodeName(n)}.node.dc1.consul`);
    nodeQueries.push(`${nodeName(n)}.node.consul A`);
  }
  const insts = instances(nodes, count);
  for (const inst of insts) hosts.push(`${nodeAddress(inst.n)} ${SERVICE}.service.consul`);
  const srv = insts.map((inst) => `--srv-host=${SERVICE}.service.consul,${nodeName(inst.n)}.node.dc1.consul,${inst.port},1,1`);
  writeFileSync(`${dir}/hosts`, `${hosts.join('\n')}\n`);
  writeFileSync(`${dir}/srv-hosts`, `${srv.join('\n')}\n`);
  writeFileSync(`${dir}/queries-node.txt`, `${nodeQueries.join('\n')}\n`);
  writeFileSync(`${dir}/queries-service.txt`, `${SERVICE}.service.consul A\n`);
  writeFileSync(`${dir}/queries-srv.txt`, `${SERVICE}.service.consul SRV\n`);
  return true;
}

const [mode, target, nodesArg, countArg, deadlineArg = '120'] = process.argv.slice(2);
const nodes = Number(nodesArg);
const count = Number(countArg);
const valid = Number.isInteger(nodes) && Number.isInteger(count) && nodes >= 1 && nodes <= 65535 && count >= 1 && count <= nodes;
if (!target || !valid || (mode !== 'register' && mode !== 'files')) {
  console.error('usage: node bench/dns-catalog.mjs register BASE_URL NODES INSTANCES [deadline_s] | files DIR NODES INSTANCES (1 <= INSTANCES <= NODES <= 65535)');
  process.exit(2);
}
const ok = mode === 'register' ? await register(target, nodes, count, Number(deadlineArg)) : files(target, nodes, count);
process.exitCode = ok ? 0 : 1;
