// Shared pieces of the bench/ scripts: a bounded keep-alive HTTP request, the results file the
// shell scripts write ("TARGET<TAB>METRIC<TAB>VALUE" and "meta<TAB>KEY<TAB>VALUE"), medians,
// number formats, the Consul/Muster/ratio table and the replace-or-append of one "## " section
// of BENCHMARKS.md.
import http from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const FILE_HEADER = `# Benchmarks

Performance figures for Muster, each measured side by side with a peer (the reference Consul)
in one run on the same machine, by a script in \`bench/\`. Ratios are Muster against the peer,
oriented so that **> 1 means Muster is better**. Re-run the command given in each section to
repeat a measurement; figures from different machines or runs are not comparable.
`;

/**
 * One HTTP request through `agent`, the whole body read into a string. Rejects on a socket
 * error or when no byte moves for `timeoutMs`.
 */
export function request(agent, base, method, path, body, timeoutMs) {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, agent, timeout: timeoutMs,
        headers: body ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : {} },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export const errorText = (err) => String(err && err.message ? err.message : err);

/**
 * Reads a results file: per-target lists of numbers (several values of a metric are runs) and
 * the meta map. `values` always has consul and muster; any other target (dnsmasq) is added when
 * the file names it.
 */
/**
 * A report script's arguments: RESULTS.tsv [--write BENCHMARKS.md]. Exits 2 with the usage
 * line naming `script` when they are wrong.
 */
export function reportArgs(script) {
  const args = process.argv.slice(2);
  const resultsPath = args[0];
  const writeIdx = args.indexOf('--write');
  const writePath = writeIdx >= 0 ? args[writeIdx + 1] : undefined;
  if (!resultsPath || (writeIdx >= 0 && !writePath)) {
    console.error(`usage: node bench/${script} RESULTS.tsv [--write BENCHMARKS.md]`);
    process.exit(2);
  }
  return { resultsPath, writePath };
}

export function readResults(path) {
  const values = { consul: new Map(), muster: new Map() };
  const meta = new Map();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [target, key, ...rest] = line.split('\t');
    const value = rest.join('\t');
    if (target === 'meta') meta.set(key, value);
    else if (/^[a-z][a-z0-9_-]*$/.test(target) && key !== undefined) {
      values[target] ??= new Map();
      const list = values[target].get(key) ?? [];
      list.push(Number(value));
      values[target].set(key, list);
    }
  }
  const get = (target, key) => median(values[target]?.get(key));
  return { values, meta, get };
}

export function median(list) {
  if (!list || list.length === 0) return undefined;
  const s = [...list].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const int = (n) => Math.round(n).toLocaleString('en-US');
export const fmt = {
  rps: (n) => `${int(n)}/s`,
  us: (n) => (n < 1000 ? `${Math.round(n)} µs` : n < 1_000_000 ? `${(n / 1000).toFixed(2)} ms` : `${(n / 1_000_000).toFixed(2)} s`),
  ms: (n) => fmt.us(n * 1000),
  kib: (n) => `${(n / 1024).toFixed(1)} MiB`,
  s: (n) => `${n.toFixed(1)} s`,
  bytes: (n) => (n < 1024 ? `${int(n)} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(2)} MiB`),
  count: (n) => int(n),
};

/**
 * The Markdown table. rows: [label, metric, unit, better, errors metric?]; better 'higher' →
 * ratio Muster/Consul, 'lower' → Consul/Muster, 'none' → no ratio. A cell whose errors metric is
 * non-zero says so in bold (also when the value itself is missing).
 */
export function table(rows, get) {
  const cell = (target, metric, unit, errMetric) => {
    const v = get(target, metric);
    const errs = errMetric ? get(target, errMetric) : 0;
    const note = errs ? ` (**${int(errs)} errors**)` : '';
    if (v === undefined || Number.isNaN(v)) return `–${note}`;
    return fmt[unit](v) + note;
  };
  const out = ['| measurement | Consul | Muster | ratio (>1: Muster better) |', '|---|---:|---:|---:|'];
  for (const [label, metric, unit, better, errMetric] of rows) {
    const c = get('consul', metric);
    const m = get('muster', metric);
    let ratio = '–';
    if (better !== 'none' && c > 0 && m > 0) {
      const r = better === 'higher' ? m / c : c / m;
      ratio = `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
    }
    out.push(`| ${label} | ${cell('consul', metric, unit, errMetric)} | ${cell('muster', metric, unit, errMetric)} | ${ratio} |`);
  }
  return out.join('\n');
}

/** "Consul v1.8.7, Muster 0.1.0 (abc1234), Node v20…, wrk …" from the meta map. */
export function versionsLine(meta) {
  return [
    meta.has('consul_version') ? `Consul ${meta.get('consul_version')}` : undefined,
    meta.has('muster_version') ? `Muster ${meta.get('muster_version')}` : undefined,
    `Node ${meta.get('node')}`,
    `wrk ${meta.get('wrk')}`,
  ].filter(Boolean).join(', ');
}

/**
 * Replaces the section titled `title` (from its heading to the next "## " heading) of the
 * Markdown file at `path` with `section`, or appends it; creates the file with FILE_HEADER.
 */
export function writeSection(path, title, section) {
  let doc = existsSync(path) ? readFileSync(path, 'utf8') : FILE_HEADER;
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.trim() === title);
  if (start < 0) {
    doc = `${doc.replace(/\n*$/, '')}\n\n${section}`;
  } else {
    let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
    if (end < 0) end = lines.length;
    const before = lines.slice(0, start).join('\n').replace(/\n*$/, '');
    const after = lines.slice(end).join('\n');
    doc = `${before}\n\n${section}${after ? `\n${after}` : ''}`;
  }
  writeFileSync(path, doc.replace(/\n*$/, '\n'));
}
