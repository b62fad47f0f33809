/**
 * Consul's command/services ServicesFromFiles: service definitions read from agent config
 * files (JSON or HCL, files or directories) and turned into agent registrations the way the
 * config builder and Go's mapstructure do it:
 * - per file, its `services` list then its `service`; files in the order given, a directory's
 *   *.json and *.hcl files sorted by name (others skipped with a warning);
 * - a service's `checks` then its `check` become `Checks`; `Check` is always null;
 * - durations come out as Go prints them (`1m` → `1m0s`); `args`, `token` and
 *   `output_max_size` are dropped (mapstructure finds no matching field);
 * - weights default to {Passing: 1, Warning: 1}; an unknown kind is the typical kind;
 * - duration, meta and weight errors are kept as Consul keeps them: only the last one.
 * Each file is parsed and validated by config/ (unknown keys and wrong types are errors).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { AgentServiceCheck, AgentServiceRegistration, ServiceAddress } from '../../../api/index.js';
import { parseSource } from '../../../config/index.js';
import { formatDurationMs, multiErrorText, parseDurationMs } from '../../../lib/index.js';
import { goFileError } from '../../command.js';
import { goPathJoin } from '../shared.js';

type Raw = Record<string, unknown>;

export class ServicesFileError extends Error {
  override readonly name = 'ServicesFileError';
}

const serviceKinds = new Set(['connect-proxy', 'mesh-gateway', 'terminating-gateway', 'ingress-gateway']);
const metaKeyMax = 64;
const metaKeyLengthMax = 128;
const metaValueLengthMax = 512;

const formatOf = (path: string): string => (path.endsWith('.json') ? 'json' : path.endsWith('.hcl') ? 'hcl' : '');

/** The config files `paths` name, in Consul's order, with warnings for skipped files. */
export function configFiles(paths: readonly string[]): { files: string[]; warnings: string[] } {
  const files: string[] = [];
  const warnings: string[] = [];
  const skip = (p: string): void => void warnings.push(`skipping file ${p}, extension must be .hcl or .json, or config format must be set`);
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (e) {
      throw new ServicesFileError(`config: Open failed on ${path}. ${goFileError(e, path)}`);
    }
    if (!isDir) {
      if (formatOf(path) === '') skip(path);
      else files.push(path);
      continue;
    }
    const names = readdirSync(path).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      const full = goPathJoin(path, name);
      if (statSync(full).isDirectory()) continue;
      if (formatOf(full) === '') skip(full);
      else files.push(full);
    }
  }
  return { files, warnings };
}

/** Reads the files' service definitions; throws ServicesFileError with Consul's message. */
export function servicesFromFiles(paths: readonly string[]): { services: AgentServiceRegistration[]; warnings: string[] } {
  const { files, warnings } = configFiles(paths);
  const definitions: Raw[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ServicesFileError(`config: failed to read ${file}: ${goFileError(e, file)}`);
    }
    if (text === '') continue;
    let raw: Raw;
    try {
      raw = parseSource(file, text, formatOf(file));
    } catch (e) {
      throw new ServicesFileError((e as Error).message);
    }
    definitions.push(...((raw.services as Raw[] | undefined) ?? []));
    if (raw.service) definitions.push(raw.service as Raw);
  }
  const builder = new ServiceBuilder();
  const services = definitions.map((d) => builder.service(d));
  if (builder.lastError !== undefined) throw new ServicesFileError(multiErrorText([builder.lastError]));
  return { services, warnings };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** The config builder's serviceVal/checkVal, then mapstructure into the API struct. */
class ServiceBuilder {
  /** Consul overwrites its error for these, so only the last one is reported. */
  lastError: string | undefined;

  service(v: Raw): AgentServiceRegistration {
    const name = str(v.name);
    const checks = [...((v.checks as Raw[] | undefined) ?? []), ...(v.check ? [v.check as Raw] : [])].map((c) => this.check(c));
    const kind = serviceKinds.has(str(v.kind)) ? str(v.kind) : '';
    const metaProblem = validateMeta((v.meta as Record<string, string> | undefined) ?? {});
    if (metaProblem) this.lastError = `invalid meta for service ${name}: ${metaProblem}`;
    const w = (v.weights as Raw | undefined) ?? {};
    const weights = { passing: typeof w.passing === 'number' ? w.passing : 1, warning: typeof w.warning === 'number' ? w.warning : 1 };
    const weightProblem = validateWeights(weights);
    if (weightProblem) this.lastError = `Invalid weight definition for service ${name}: ${weightProblem}`;
    const reg: AgentServiceRegistration = { weights };
    if (kind) reg.kind = kind;
    if (str(v.id)) reg.id = str(v.id);
    if (name) reg.name = name;
    if (Array.isArray(v.tags)) reg.tags = v.tags as string[];
    if (int(v.port)) reg.port = int(v.port);
    if (str(v.address)) reg.address = str(v.address);
    const tagged = (v.tagged_addresses as Record<string, Raw> | undefined) ?? {};
    if (Object.keys(tagged).length > 0) {
      reg.taggedAddresses = {};
      for (const [k, a] of Object.entries(tagged)) reg.taggedAddresses[k] = { address: str(a.address), port: int(a.port) } satisfies ServiceAddress;
    }
    if (v.enable_tag_override === true) reg.enableTagOverride = true;
    if (!metaProblem && v.meta) reg.meta = v.meta as Record<string, string>;
    if (checks.length > 0) reg.checks = checks;
    if (v.proxy) reg.proxy = pascalCase(v.proxy) as Record<string, unknown>;
    if (v.connect) reg.connect = pascalCase(v.connect) as Record<string, unknown>;
    return reg;
  }

  private check(c: Raw): AgentServiceCheck {
    const id = str(c.id);
    const duration = (field: string): string | undefined => {
      const text = c[field];
      if (typeof text !== 'string') return undefined;
      const ms = parseDurationMs(text);
      if (ms === undefined) {
        this.lastError = `check[${id}].${field}: invalid duration: "${text}": time: invalid duration "${text}"`;
        return undefined;
      }
      return ms === 0 ? undefined : formatDurationMs(ms);
    };
    const out: AgentServiceCheck = {
      checkId: id,
      name: str(c.name),
      dockerContainerId: str(c.docker_container_id),
      shell: str(c.shell),
      http: str(c.http),
      method: str(c.method),
      body: str(c.body),
      tcp: str(c.tcp),
      status: str(c.status),
      notes: str(c.notes),
      tlsSkipVerify: c.tls_skip_verify === true,
      grpc: str(c.grpc),
      grpcUseTls: c.grpc_use_tls === true,
      aliasNode: str(c.alias_node),
      aliasService: str(c.alias_service),
      successBeforePassing: int(c.success_before_passing),
      failuresBeforeCritical: int(c.failures_before_critical),
    };
    if (c.header && typeof c.header === 'object') out.header = c.header as Record<string, string[]>;
    // Consul's checkVal reads these in this order; the last bad one is the error reported.
    const interval = duration('interval');
    const timeout = duration('timeout');
    const ttl = duration('ttl');
    const deregister = duration('deregister_critical_service_after');
    if (interval) out.interval = interval;
    if (timeout) out.timeout = timeout;
    if (ttl) out.ttl = ttl;
    if (deregister) out.deregisterCriticalServiceAfter = deregister;
    return out;
  }
}

/** structs.ValidateServiceMetadata (without the consul- prefix allowance). */
function validateMeta(meta: Record<string, string>): string | undefined {
  const keys = Object.keys(meta);
  if (keys.length > metaKeyMax) return `Node metadata cannot contain more than ${metaKeyMax} key/value pairs`;
  for (const key of keys) {
    const value = meta[key]!;
    let why: string | undefined;
    if (key === '') why = 'Key cannot be blank';
    else if (!/^[a-zA-Z0-9_-]+$/.test(key)) why = 'Key contains invalid characters';
    else if (key.length > metaKeyLengthMax) why = `Key is too long (limit: ${metaKeyLengthMax} characters)`;
    else if (key.startsWith('consul-')) why = "Key prefix 'consul-' is reserved for internal use";
    else if (value.length > metaValueLengthMax) why = `Value is too long (limit: ${metaValueLengthMax} characters)`;
    if (why) return `Couldn't load metadata pair ('${key}', '${value}'): ${why}`;
  }
  return undefined;
}

/** structs.ValidateWeights. */
function validateWeights(w: { passing: number; warning: number }): string | undefined {
  if (w.passing < 1) return 'Passing must be greater than 0';
  if (w.warning < 0) return 'Warning must be greater or equal than 0';
  if (w.passing > 65535 || w.warning > 65535) return 'DNS Weight must be between 0 and 65535';
  return undefined;
}

const acronyms: Record<string, string> = { id: 'ID', http: 'HTTP', tcp: 'TCP', ttl: 'TTL', grpc: 'GRPC', tls: 'TLS', dns: 'DNS', ip: 'IP' };

/** snake_case keys of a proxy or connect block to the API's PascalCase (best effort). */
function pascalCase(v: unknown, passThrough = false): unknown {
  if (Array.isArray(v)) return v.map((x) => pascalCase(x));
  if (typeof v !== 'object' || v === null || passThrough) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Raw)) {
    const name = k
      .split('_')
      .map((p) => acronyms[p] ?? p.charAt(0).toUpperCase() + p.slice(1))
      .join('');
    out[name] = pascalCase(x, k === 'config' || k === 'meta');
  }
  return out;
}
