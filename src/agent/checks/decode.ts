/**
 * Check definitions as they arrive in HTTP bodies, decoded exactly as Consul 1.8.7 does
 * [agent/structs/check_definition.go, check_type.go UnmarshalJSON; lib.DecodeJSON]:
 * - keys match case-insensitively (Go's encoding/json); besides the CamelCase names, only
 *   `args`, `script_args`, `deregister_critical_service_after`, `docker_container_id`,
 *   `tls_skip_verify` and `service_id` are translated; any other key (`alias_service`,
 *   `Script`, `Namespace` ...) is `json: unknown field "..."`;
 * - Interval, Timeout, TTL, DeregisterCriticalServiceAfter are Go duration strings or numbers
 *   of nanoseconds (other JSON types are ignored);
 * - errors are Go's texts; the HTTP layer prefixes `Request decode failed: `.
 */
import { MusterError } from '../../lib/index.js';
import { validateCheckType, checkTypeName } from './definition.js';
import { decodeFields, jsonKind, type FieldSpec } from './go-json-fields.js';
import { nsNumberToMs, parseGoDuration } from '../../lib/index.js';
import { emptyCheckDefinition, isValidStatus, type CheckDefinition } from './types.js';

/** Thrown by the decoders: `message` is Go's text (`json: unknown field "foo"`). */
export class CheckDecodeError extends Error {
  override readonly name = 'CheckDecodeError';
}

const durationKeys = ['Interval', 'Timeout', 'TTL', 'DeregisterCriticalServiceAfter'] as const;

const auxHead: FieldSpec[] = [
  ...durationKeys.map((name): FieldSpec => ({ name, kind: 'any' })),
  { name: 'args', kind: 'strings' },
  { name: 'script_args', kind: 'strings' },
  { name: 'deregister_critical_service_after', kind: 'any' },
  { name: 'docker_container_id', kind: 'string' },
  { name: 'tls_skip_verify', kind: 'bool' },
];

/** The fields of structs.CheckType after the four durations, in declaration order. */
const typeBody: FieldSpec[] = [
  { name: 'ScriptArgs', kind: 'strings' },
  { name: 'HTTP', kind: 'string' },
  { name: 'Header', kind: 'header' },
  { name: 'Method', kind: 'string' },
  { name: 'Body', kind: 'string' },
  { name: 'TCP', kind: 'string' },
  { name: 'AliasNode', kind: 'string' },
  { name: 'AliasService', kind: 'string' },
  { name: 'DockerContainerID', kind: 'string' },
  { name: 'Shell', kind: 'string' },
  { name: 'GRPC', kind: 'string' },
  { name: 'GRPCUseTLS', kind: 'bool' },
  { name: 'TLSSkipVerify', kind: 'bool' },
  { name: 'SuccessBeforePassing', kind: 'int' },
  { name: 'FailuresBeforeCritical', kind: 'int' },
  { name: 'ProxyHTTP', kind: 'string' },
  { name: 'ProxyGRPC', kind: 'string' },
  { name: 'OutputMaxSize', kind: 'int' },
];

/** CheckDefinition.UnmarshalJSON's aux struct, then the embedded CheckDefinition. */
const definitionSpecs: FieldSpec[] = [
  ...auxHead,
  { name: 'service_id', kind: 'string' },
  { name: 'ID', kind: 'string' },
  { name: 'Name', kind: 'string' },
  { name: 'Notes', kind: 'string' },
  { name: 'ServiceID', kind: 'string' },
  { name: 'Token', kind: 'string' },
  { name: 'Status', kind: 'string' },
  ...typeBody.filter((f) => f.name !== 'ProxyHTTP' && f.name !== 'ProxyGRPC'),
];

/** CheckType.UnmarshalJSON's aux struct (ServiceID accepted and ignored), then CheckType. */
const checkTypeSpecs: FieldSpec[] = [
  ...auxHead,
  { name: 'ServiceID', kind: 'string' },
  { name: 'service_id', kind: 'string' },
  { name: 'CheckID', kind: 'string' },
  { name: 'Name', kind: 'string' },
  { name: 'Status', kind: 'string' },
  { name: 'Notes', kind: 'string' },
  ...typeBody,
];

const auxTypeHead =
  'struct { Interval interface {}; Timeout interface {}; TTL interface {}; DeregisterCriticalServiceAfter interface {}; ' +
  'Args []string "json:\\"args\\""; ScriptArgsSnake []string "json:\\"script_args\\""; ' +
  'DeregisterCriticalServiceAfterSnake interface {} "json:\\"deregister_critical_service_after\\""; ' +
  'DockerContainerIDSnake string "json:\\"docker_container_id\\""; TLSSkipVerifySnake bool "json:\\"tls_skip_verify\\""; ';
const definitionGoType = `${auxTypeHead}ServiceIDSnake string "json:\\"service_id\\""; *structs.Alias }`;
const checkTypeGoType = `${auxTypeHead}ServiceID string "json:\\"ServiceID\\""; ServiceIDSnake string "json:\\"service_id\\""; *structs.Alias }`;

/**
 * A check from a PUT /v1/agent/check/register body (structs.CheckDefinition). Throws
 * CheckDecodeError with Go's text. `null` decodes to an empty definition, as in Go.
 */
export function decodeCheckDefinition(raw: unknown): CheckDefinition {
  return decodeWith(raw, definitionSpecs, definitionGoType, 'definition');
}

/**
 * A check embedded in a service body (`Check` or one of `Checks`: structs.CheckType). Its ID
 * key is `CheckID` (`ID` is an unknown field there); `Token` is unknown too. `context` is the
 * service field holding it: Go names that field, not the check's, in type errors
 * (`json: cannot unmarshal number into Go struct field .Checks of type string`).
 */
export function decodeServiceCheck(raw: unknown, context: 'Check' | 'Checks'): CheckDefinition {
  return decodeWith(raw, checkTypeSpecs, checkTypeGoType, 'checkType', context);
}

function decodeWith(raw: unknown, specs: FieldSpec[], goType: string, flavor: 'definition' | 'checkType', context?: string): CheckDefinition {
  const def = emptyCheckDefinition();
  if (raw === null || raw === undefined) return def;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    const where = context === undefined ? 'Go value' : `Go struct field .${context}`;
    throw new CheckDecodeError(`json: cannot unmarshal ${jsonKind(raw)} into ${where} of type ${goType}`);
  }
  const { values, error } = decodeFields(raw as Record<string, unknown>, specs, context);
  if (error !== undefined) throw new CheckDecodeError(error);
  const str = (k: string): string => (values.get(k) as string | undefined) ?? '';
  const strs = (k: string): string[] => (values.get(k) as string[] | undefined) ?? [];
  const int = (k: string): number => (values.get(k) as number | undefined) ?? 0;
  def.id = flavor === 'definition' ? str('ID') : str('CheckID');
  def.name = str('Name');
  def.notes = str('Notes');
  def.status = str('Status');
  if (flavor === 'definition') {
    def.token = str('Token');
    def.serviceID = str('ServiceID') || str('service_id');
  }
  def.scriptArgs = strs('ScriptArgs');
  if (def.scriptArgs.length === 0) def.scriptArgs = strs('args');
  if (def.scriptArgs.length === 0) def.scriptArgs = strs('script_args');
  def.http = str('HTTP');
  def.header = (values.get('Header') as Record<string, string[]> | undefined) ?? {};
  def.method = str('Method');
  def.body = str('Body');
  def.tcp = str('TCP');
  def.aliasNode = str('AliasNode');
  def.aliasService = str('AliasService');
  def.dockerContainerID = str('DockerContainerID') || str('docker_container_id');
  def.shell = str('Shell');
  def.grpc = str('GRPC');
  def.grpcUseTLS = values.get('GRPCUseTLS') === true;
  def.tlsSkipVerify = values.get('TLSSkipVerify') === true || values.get('tls_skip_verify') === true;
  def.successBeforePassing = int('SuccessBeforePassing');
  def.failuresBeforeCritical = int('FailuresBeforeCritical');
  def.outputMaxSize = int('OutputMaxSize');
  const dcsa = values.has('DeregisterCriticalServiceAfter') ? values.get('DeregisterCriticalServiceAfter') : values.get('deregister_critical_service_after');
  def.intervalMs = durationValue(values.get('Interval'));
  def.timeoutMs = durationValue(values.get('Timeout'));
  def.ttlMs = durationValue(values.get('TTL'));
  def.deregisterCriticalServiceAfterMs = durationValue(dcsa);
  return def;
}

/** An `interface{}` duration: a Go duration string, a number of nanoseconds, else ignored. */
function durationValue(v: unknown): number {
  if (typeof v === 'string') {
    const r = parseGoDuration(v);
    if (!r.ok) throw new CheckDecodeError(r.error);
    return r.ms;
  }
  if (typeof v === 'number') return nsNumberToMs(v);
  return 0;
}

/**
 * PUT /v1/agent/check/register up to the agent call (AgentRegisterCheck): decode, name,
 * status, CheckType.Validate. Throws MusterError ERR_BAD_REQUEST whose message is Consul's
 * whole 400 body. What is left for the agent: ACLs, "ServiceID %q does not exist" (500),
 * the script refusal (scriptCheckRefusal, 500) and adding the check.
 */
export function parseCheckRegistration(raw: unknown): { def: CheckDefinition; type: string } {
  let def: CheckDefinition;
  try {
    def = decodeCheckDefinition(raw);
  } catch (err) {
    if (err instanceof CheckDecodeError) throw new MusterError('ERR_BAD_REQUEST', `Request decode failed: ${err.message}`);
    throw err;
  }
  if (def.name === '') throw new MusterError('ERR_BAD_REQUEST', 'Missing check name');
  if (def.status !== '' && !isValidStatus(def.status)) throw new MusterError('ERR_BAD_REQUEST', 'Bad check status');
  const invalid = validateCheckType(def);
  if (invalid !== undefined) throw new MusterError('ERR_BAD_REQUEST', `Invalid check: ${invalid}`);
  return { def, type: checkTypeName(def) };
}

/**
 * The checks of a service registration body after decoding (ServiceDefinition.CheckTypes plus
 * AgentRegisterService's status check): an empty `Check` is dropped, each check is validated.
 * Throws MusterError ERR_BAD_REQUEST with Consul's 400 body.
 */
export function serviceCheckTypes(check: CheckDefinition | undefined, checks: CheckDefinition[]): CheckDefinition[] {
  const out: CheckDefinition[] = [];
  const all = check !== undefined && !isEmptyDefinition(check) ? [check, ...checks] : checks;
  for (const c of all) {
    const invalid = validateCheckType(c);
    if (invalid !== undefined) throw new MusterError('ERR_BAD_REQUEST', `Invalid check: ${invalid}`);
    out.push(c);
  }
  for (const c of out) {
    if (c.status !== '' && !isValidStatus(c.status)) {
      throw new MusterError('ERR_BAD_REQUEST', "Status for checks must 'passing', 'warning', 'critical'");
    }
  }
  return out;
}

/** CheckType.Empty: every field at its zero value. */
export function isEmptyDefinition(d: CheckDefinition): boolean {
  return JSON.stringify(d) === JSON.stringify(emptyCheckDefinition());
}
