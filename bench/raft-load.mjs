// The write load of bench/raft-cluster.sh: C keep-alive connections, each with one PUT in flight,
// every PUT on a key of its own (PREFIX<connection>-<n>, never written twice), a 100-byte value,
// until COUNT PUTs were answered or SECONDS passed, whichever comes first. Prints one JSON line:
// {"count","ok","errors","seconds","rps","p50_us","p99_us","max_us","firstError"}; latencies are
// exact (every answered PUT is kept), rps counts the 200s.
//
//   node bench/raft-load.mjs consul|etcd URL CONCURRENCY COUNT SECONDS PREFIX
//     consul: PUT URL/v1/kv/<key>        (Consul and Muster)
//     etcd:   POST URL/v3/kv/put {"key","value"} in base64 (etcd's HTTP/JSON gateway)
import http from 'node:http';
import { errorText } from './lib.mjs';

/** One request gives up when no byte moves for this long (counted as an error). */
const REQUEST_TIMEOUT_MS = 10_000;
const VALUE_BYTES = 100;

const [api, base, concArg, countArg, secondsArg, prefix] = process.argv.slice(2);
const conc = Number(concArg);
const count = Number(countArg);
const seconds = Number(secondsArg);
if (!['consul', 'etcd'].includes(api) || !base || !(conc >= 1) || !(count >= 1) || !(seconds > 0) || !prefix) {
  console.error('usage: node bench/raft-load.mjs consul|etcd URL CONCURRENCY COUNT SECONDS PREFIX');
  process.exit(2);
}

const url = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: conc });
const value = Buffer.alloc(VALUE_BYTES, 'v');
const value64 = value.toString('base64');

/** [path, method, body, content-type] of the n-th PUT of connection `w`. */
function put(w, n) {
  const key = `${prefix}${w}-${n}`;
  if (api === 'consul') return ['/v1/kv/' + key, 'PUT', value, 'application/octet-stream'];
  const body = Buffer.from(`{"key":"${Buffer.from(key).toString('base64')}","value":"${value64}"}`);
  return ['/v3/kv/put', 'POST', body, 'application/json'];
}

function send(path, method, body, type) {
  return new Promise((resolve) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path, method, agent, timeout: REQUEST_TIMEOUT_MS,
        headers: { 'content-type': type, 'content-length': body.length } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`));
        res.on('error', (e) => resolve(errorText(e)));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (e) => resolve(errorText(e)));
    req.end(body);
  });
}

const latUs = new Float64Array(count);
let started = 0;
let ok = 0;
let errors = 0;
let firstError;
const t0 = performance.now();
const deadline = t0 + seconds * 1000;

async function worker(w) {
  for (let n = 0; started < count && performance.now() < deadline; n++) {
    started++;
    const [path, method, body, type] = put(w, n);
    const t = performance.now();
    const err = await send(path, method, body, type);
    if (err === undefined) latUs[ok++] = (performance.now() - t) * 1000;
    else {
      errors++;
      firstError ??= err;
    }
  }
}

await Promise.all(Array.from({ length: conc }, (_, w) => worker(w)));
const elapsedS = (performance.now() - t0) / 1000;
agent.destroy();
const lat = latUs.subarray(0, ok).sort();
const pct = (p) => (ok ? lat[Math.min(ok - 1, Math.ceil((p / 100) * ok) - 1)] : null);
const round1 = (v) => (v === null ? null : Math.round(v * 10) / 10);
console.log(JSON.stringify({
  count: ok + errors, ok, errors, seconds: Math.round(elapsedS * 1000) / 1000, rps: Math.round((ok / elapsedS) * 10) / 10,
  p50_us: round1(pct(50)), p99_us: round1(pct(99)), max_us: round1(ok ? lat[ok - 1] : null), firstError,
}));
