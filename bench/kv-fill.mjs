// Fill a KV store with COUNT keys of 100-byte values over keep-alive HTTP, at most CONCURRENCY
// requests in flight, then list the prefix (?keys) to check they are all there. Bounded: each
// request times out, and the whole run stops at the deadline. Prints one JSON line.
//   node bench/kv-fill.mjs http://127.0.0.30:30500 [count=100000] [concurrency=64] [deadline_s=600] [prefix=bench/fill/]
// Exit status: 0 if every PUT answered 200 and the listing has COUNT keys, 1 otherwise.
import http from 'node:http';
import { errorText, request as httpRequest } from './lib.mjs';

const [base, countArg = '100000', concArg = '64', deadlineArg = '600', prefix = 'bench/fill/'] = process.argv.slice(2);
if (!base) {
  console.error('usage: node bench/kv-fill.mjs BASE_URL [count] [concurrency] [deadline_s] [prefix]');
  process.exit(2);
}
const count = Number(countArg);
const concurrency = Number(concArg);
const deadlineMs = Number(deadlineArg) * 1000;
const requestTimeoutMs = 10_000;
const value = Buffer.alloc(100, 'v');
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const request = (method, path, body) => httpRequest(agent, base, method, path, body, requestTimeoutMs);

const keyOf = (i) => `${prefix}${String(i).padStart(6, '0')}`;
const start = performance.now();
const deadline = start + deadlineMs;
let next = 0;
let ok = 0;
let failed = 0;
let firstError = '';
let timedOut = false;

async function worker() {
  while (next < count) {
    if (performance.now() > deadline) { timedOut = true; return; }
    const i = next++;
    try {
      const res = await request('PUT', `/v1/kv/${keyOf(i)}`, value);
      if (res.status === 200) ok++;
      else { failed++; firstError ||= `HTTP ${res.status}: ${res.body.slice(0, 200)}`; }
    } catch (err) {
      failed++;
      firstError ||= errorText(err);
    }
  }
}

await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
const seconds = (performance.now() - start) / 1000;

let listed = -1;
try {
  const res = await request('GET', `/v1/kv/${prefix}?keys`);
  if (res.status === 200) listed = JSON.parse(res.body).length;
  else firstError ||= `listing: HTTP ${res.status}`;
} catch (err) {
  firstError ||= `listing: ${errorText(err)}`;
}
agent.destroy();

const result = { count, ok, failed, timedOut, seconds: Number(seconds.toFixed(3)), rps: Math.round(ok / seconds), listed, firstError };
console.log(JSON.stringify(result));
process.exitCode = ok === count && listed === count ? 0 : 1;
