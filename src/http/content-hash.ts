/**
 * ContentHash of `GET /v1/agent/service/:id`: Consul 1.8.7 computes
 * `fmt.Sprintf("%x", hashstructure.Hash(reply, nil))` over the `*api.AgentService` that
 * buildAgentService (agent/agent_endpoint.go) returns, before ContentHash is filled in.
 * hashstructure is github.com/mitchellh/hashstructure at 2bca23e0e452 (go.mod, June 2017):
 * a reflection walk that gives every value its own FNV-1 64 hash (`fnv.New64()`, reset per
 * value) and combines them:
 *   - int/int64/uint64: the 8 little-endian bytes; bool: one byte 0/1; float64: its IEEE bits;
 *   - string: its UTF-8 bytes; a nil pointer or nil interface: as `int(0)` (8 zero bytes);
 *   - slice: h = 0, then h = ordered(h, elem) per element (empty and nil slices give 0);
 *   - map: XOR over entries of ordered(key, value) (empty and nil maps give 0);
 *   - struct: h = hash(type name), then h ^= ordered(hash(field name), value) per exported
 *     field in declaration order, skipping `hash:"ignore"` fields (AgentService.Namespace);
 * where ordered(a, b) = FNV-1 64 of the 16 bytes LE(a) ++ LE(b). No finishing step (that is
 * hashstructure v2). `%x` does not pad, so a hash may have fewer than 16 hex digits.
 * Pure: BigInt arithmetic, TextEncoder for UTF-8, no node:*.
 */

/** api.ServiceAddress. */
export interface ServiceAddressHashInput {
  readonly address: string;
  readonly port: number;
}

/** api.ExposePath; omitted fields are Go zero values. */
export interface ExposePathHashInput {
  readonly listenerPort?: number;
  readonly path?: string;
  readonly localPathPort?: number;
  readonly protocol?: string;
  readonly parsedFromCheck?: boolean;
}

/** api.Upstream; omitted fields are Go zero values. `config` holds decoded JSON values. */
export interface UpstreamHashInput {
  readonly destinationType?: string;
  readonly destinationNamespace?: string;
  readonly destinationName?: string;
  readonly datacenter?: string;
  readonly localBindAddress?: string;
  readonly localBindPort?: number;
  readonly config?: Readonly<Record<string, unknown>> | null;
  readonly meshGateway?: { readonly mode?: string };
}

/** api.AgentServiceConnectProxyConfig; omitted fields are Go zero values. */
export interface AgentServiceProxyHashInput {
  readonly destinationServiceName?: string;
  readonly destinationServiceID?: string;
  readonly localServiceAddress?: string;
  readonly localServicePort?: number;
  /** map[string]interface{} from JSON: numbers hash as float64, null as a nil interface. */
  readonly config?: Readonly<Record<string, unknown>> | null;
  readonly upstreams?: readonly UpstreamHashInput[] | null;
  readonly meshGateway?: { readonly mode?: string };
  readonly expose?: { readonly checks?: boolean; readonly paths?: readonly ExposePathHashInput[] | null };
}

/**
 * api.AgentService as buildAgentService fills it; the caller applies its rules:
 * weights default to {1, 1} (passing <= 0 keeps 1, warning is copied when weights are set),
 * `proxy` only for kind connect-proxy and the gateways, `connect` only when Connect.Native
 * (it is then `{ native: true }`; SidecarService is never set). Null and empty tags, meta
 * and taggedAddresses hash alike. createIndex/modifyIndex are the local NodeService's
 * RaftIndex, 0 for services registered on the agent.
 */
export interface AgentServiceHashInput {
  readonly kind: string;
  readonly id: string;
  readonly service: string;
  readonly tags: readonly string[] | null;
  readonly meta: Readonly<Record<string, string>> | null;
  readonly port: number;
  readonly address: string;
  readonly taggedAddresses: Readonly<Record<string, ServiceAddressHashInput>> | null;
  readonly weights: { readonly passing: number; readonly warning: number };
  readonly enableTagOverride: boolean;
  readonly createIndex: number | bigint;
  readonly modifyIndex: number | bigint;
  readonly proxy?: AgentServiceProxyHashInput | null;
  readonly connect?: { readonly native: boolean } | null;
}

/** A Go value as hashstructure's reflection walk sees it. */
type GoValue =
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'int'; readonly v: number | bigint }
  | { readonly k: 'float'; readonly v: number }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'nil' }
  | { readonly k: 'slice'; readonly items: readonly GoValue[] }
  | { readonly k: 'map'; readonly entries: readonly (readonly [GoValue, GoValue])[] }
  | { readonly k: 'struct'; readonly name: string; readonly fields: readonly (readonly [string, GoValue])[] };

const MASK_64 = (1n << 64n) - 1n;
/** FNV-1 64-bit offset basis and prime (Go's hash/fnv). */
const FNV_OFFSET_64 = 14695981039346656037n;
const FNV_PRIME_64 = 1099511628211n;
const BYTES_PER_WORD = 8;
const utf8 = new TextEncoder();

/** The ContentHash string Consul 1.8.7 returns for this service (lower-case hex, unpadded). */
export function agentServiceContentHash(svc: AgentServiceHashInput): string {
  return hashValue(agentServiceValue(svc)).toString(16);
}

function agentServiceValue(svc: AgentServiceHashInput): GoValue {
  const taggedAddresses = Object.entries(svc.taggedAddresses ?? {}).map(
    ([k, a]) => [str(k), struct('ServiceAddress', [['Address', str(a.address)], ['Port', int(a.port)]])] as const,
  );
  return struct('AgentService', [
    ['Kind', str(svc.kind)],
    ['ID', str(svc.id)],
    ['Service', str(svc.service)],
    ['Tags', strings(svc.tags)],
    ['Meta', stringMap(svc.meta)],
    ['Port', int(svc.port)],
    ['Address', str(svc.address)],
    ['TaggedAddresses', { k: 'map', entries: taggedAddresses }],
    ['Weights', struct('AgentWeights', [['Passing', int(svc.weights.passing)], ['Warning', int(svc.weights.warning)]])],
    ['EnableTagOverride', bool(svc.enableTagOverride)],
    ['CreateIndex', int(svc.createIndex)],
    ['ModifyIndex', int(svc.modifyIndex)],
    // Hashed while still empty: the handler fills it in afterwards.
    ['ContentHash', str('')],
    ['Proxy', svc.proxy ? proxyValue(svc.proxy) : NIL],
    ['Connect', svc.connect ? connectValue(svc.connect) : NIL],
    // Namespace carries `hash:"ignore"`.
  ]);
}

function connectValue(c: { readonly native: boolean }): GoValue {
  return struct('AgentServiceConnect', [['Native', bool(c.native)], ['SidecarService', NIL]]);
}

function proxyValue(p: AgentServiceProxyHashInput): GoValue {
  const paths = (p.expose?.paths ?? []).map((e) =>
    struct('ExposePath', [
      ['ListenerPort', int(e.listenerPort ?? 0)],
      ['Path', str(e.path ?? '')],
      ['LocalPathPort', int(e.localPathPort ?? 0)],
      ['Protocol', str(e.protocol ?? '')],
      ['ParsedFromCheck', bool(e.parsedFromCheck ?? false)],
    ]),
  );
  return struct('AgentServiceConnectProxyConfig', [
    ['DestinationServiceName', str(p.destinationServiceName ?? '')],
    ['DestinationServiceID', str(p.destinationServiceID ?? '')],
    ['LocalServiceAddress', str(p.localServiceAddress ?? '')],
    ['LocalServicePort', int(p.localServicePort ?? 0)],
    ['Config', jsonMap(p.config)],
    ['Upstreams', { k: 'slice', items: (p.upstreams ?? []).map(upstreamValue) }],
    ['MeshGateway', meshGatewayValue(p.meshGateway)],
    ['Expose', struct('ExposeConfig', [['Checks', bool(p.expose?.checks ?? false)], ['Paths', { k: 'slice', items: paths }]])],
  ]);
}

function upstreamValue(u: UpstreamHashInput): GoValue {
  return struct('Upstream', [
    ['DestinationType', str(u.destinationType ?? '')],
    ['DestinationNamespace', str(u.destinationNamespace ?? '')],
    ['DestinationName', str(u.destinationName ?? '')],
    ['Datacenter', str(u.datacenter ?? '')],
    ['LocalBindAddress', str(u.localBindAddress ?? '')],
    ['LocalBindPort', int(u.localBindPort ?? 0)],
    ['Config', jsonMap(u.config)],
    ['MeshGateway', meshGatewayValue(u.meshGateway)],
  ]);
}

function meshGatewayValue(m: { readonly mode?: string } | undefined): GoValue {
  return struct('MeshGatewayConfig', [['Mode', str(m?.mode ?? '')]]);
}

const NIL: GoValue = { k: 'nil' };
const str = (v: string): GoValue => ({ k: 'str', v });
const int = (v: number | bigint): GoValue => ({ k: 'int', v });
const bool = (v: boolean): GoValue => ({ k: 'bool', v });
const struct = (name: string, fields: readonly (readonly [string, GoValue])[]): GoValue => ({ k: 'struct', name, fields });
const strings = (xs: readonly string[] | null): GoValue => ({ k: 'slice', items: (xs ?? []).map(str) });
const stringMap = (m: Readonly<Record<string, string>> | null): GoValue => ({
  k: 'map',
  entries: Object.entries(m ?? {}).map(([k, v]) => [str(k), str(v)] as const),
});
const jsonMap = (m: Readonly<Record<string, unknown>> | null | undefined): GoValue => ({
  k: 'map',
  entries: Object.entries(m ?? {}).map(([k, v]) => [str(k), jsonValue(v)] as const),
});

/** A value encoding/json decoded into interface{}: float64, string, bool, nil, []interface{}, map. */
function jsonValue(v: unknown): GoValue {
  if (v === null || v === undefined) return NIL;
  if (typeof v === 'string') return str(v);
  if (typeof v === 'number') return { k: 'float', v };
  if (typeof v === 'boolean') return bool(v);
  if (Array.isArray(v)) return { k: 'slice', items: v.map(jsonValue) };
  if (typeof v === 'object') return jsonMap(v as Record<string, unknown>);
  throw new TypeError(`content hash: unsupported config value of type ${typeof v}`);
}

function hashValue(v: GoValue): bigint {
  switch (v.k) {
    case 'str':
      return fnv1(utf8.encode(v.v));
    case 'int':
      return fnv1(le64(BigInt.asUintN(64, BigInt(v.v))));
    case 'float':
      return fnv1(float64Bytes(v.v));
    case 'bool':
      return fnv1(Uint8Array.of(v.v ? 1 : 0));
    case 'nil':
      // hashstructure treats an invalid (nil) value as reflect.Zero(reflect.TypeOf(0)): int 0.
      return fnv1(le64(0n));
    case 'slice':
      return v.items.reduce((h, item) => hashOrdered(h, hashValue(item)), 0n);
    case 'map':
      return v.entries.reduce((h, [key, val]) => h ^ hashOrdered(hashValue(key), hashValue(val)), 0n);
    case 'struct':
      return v.fields.reduce((h, [name, val]) => h ^ hashOrdered(hashValue(str(name)), hashValue(val)), hashValue(str(v.name)));
  }
}

function hashOrdered(a: bigint, b: bigint): bigint {
  const bytes = new Uint8Array(2 * BYTES_PER_WORD);
  bytes.set(le64(a), 0);
  bytes.set(le64(b), BYTES_PER_WORD);
  return fnv1(bytes);
}

function fnv1(bytes: Uint8Array): bigint {
  let h = FNV_OFFSET_64;
  for (const b of bytes) h = ((h * FNV_PRIME_64) & MASK_64) ^ BigInt(b);
  return h;
}

function le64(x: bigint): Uint8Array {
  const out = new Uint8Array(BYTES_PER_WORD);
  let rest = x & MASK_64;
  for (let i = 0; i < BYTES_PER_WORD; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

function float64Bytes(x: number): Uint8Array {
  const view = new DataView(new ArrayBuffer(BYTES_PER_WORD));
  view.setFloat64(0, x, true);
  return new Uint8Array(view.buffer);
}
