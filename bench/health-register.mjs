// Registers INSTANCES instances of service SERVICE spread evenly over NODES nodes through
// PUT /v1/catalog/register, the way a cluster of container hosts looks in the catalog: each
// instance with a passing service check (no node checks: see health-shape.mjs). At most
// CONCURRENCY requests in flight over keep-alive HTTP; then checks that
// GET /v1/health/service/SERVICE?passing lists all of them. Bounded: each request times out and
// the whole run stops at the deadline. Prints one JSON line.
//   node bench/health-register.mjs http://127.0.0.32:33500 [nodes=100] [instances=1000] [concurrency=16] [deadline_s=300] [service=web]
// Exit status: 0 if every PUT answered 200 and the listing has INSTANCES entries, 1 otherwise.
import http from 'node:http';
import { errorText, request as httpRequest } from './lib.mjs';
import { instanceOf, registerBody } from './health-shape.mjs';

const [base, nodesArg = '100', instancesArg = '1000', concArg = '16', deadlineArg = '300', service = 'web'] = process.argv.slice(2);
if (!base) {
  console.error('usage: node bench/health-register.mjs BASE_URL [nodes] [instances] [concurrency] [deadline_s] [service]');
  process.exit(2);
}
const nodes = Number(nodesArg);
const instances = Number(instancesArg);
const concurrency = Number(concArg);
const deadlineMs = Number(deadlineArg) * 1000;
const requestTimeoutMs = 30_000;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const request = (method, path, body) => httpRequest(agent, base, method, path, body, requestTimeoutMs);

const start = performance.now();
const deadline = start + deadlineMs;
let next = 0;
let ok = 0;
let failed = 0;
let firstError = '';
let timedOut = false;

async function worker() {
  while (next < instances) {
    if (performance.now() > deadline) { timedOut = true; return; }
    const body = Buffer.from(JSON.stringify(registerBody(instanceOf(next++, nodes), service, 'passing')));
    try {
      const res = await request('PUT', '/v1/catalog/register', body);
      if (res.status === 200) ok++;
      else { failed++; firstError ||= `HTTP ${res.status}: ${res.body.slice(0, 200)}`; }
    } catch (err) {
      failed++;
      firstError ||= errorText(err);
    }
  }
}

await Promise.all(Array.from({ length: Math.min(concurrency, instances) }, worker));
const seconds = (performance.now() - start) / 1000;

let listed = -1;
try {
  const res = await request('GET', `/v1/health/service/${service}?passing`);
  if (res.status === 200) listed = JSON.parse(res.body).length;
  else firstError ||= `listing: HTTP ${res.status}: ${res.body.slice(0, 200)}`;
} catch (err) {
  firstError ||= `listing: ${errorText(err)}`;
}
agent.destroy();

const result = { instances, nodes, ok, failed, timedOut, seconds: Number(seconds.toFixed(3)), rps: Math.round(ok / seconds), listed, firstError };
console.log(JSON.stringify(result));
process.exitCode = ok === instances && listed === instances ? 0 : 1;
