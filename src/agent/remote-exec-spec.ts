/**
 * The two JSON documents of a remote exec, decoded as Go's encoding/json decodes them into
 * Consul's structs (agent/remote_exec.go): field names match case-insensitively, a later key
 * wins, null leaves a field alone, a value of the wrong type is an error.
 *
 * - the `_rexec` user event's payload `{"Prefix":"_rexec","Session":"<id>"}` (remoteExecEvent);
 * - the job at `<prefix>/<session>/job`: `{"Command","Args","Script","Wait"}` (remoteExecSpec),
 *   Script as base64 ([]byte), Wait in nanoseconds (time.Duration).
 */

export interface RemoteExecEvent {
  prefix: string;
  session: string;
}

export interface RemoteExecSpec {
  command: string;
  args: string[];
  /** The script to spill to a file and run; empty for none. */
  script: Uint8Array;
  /** How long the uploader waits for output before it writes a heartbeat. */
  waitMs: number;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

function parseObject(bytes: Uint8Array | null, what: string): Decoded<Record<string, unknown>> {
  if (bytes === null || bytes.length === 0) return { ok: false, error: 'unexpected end of JSON input' };
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, error: `json: cannot unmarshal ${Array.isArray(raw) ? 'array' : typeof raw} into Go value of type ${what}` };
  }
  return { ok: true, value: raw as Record<string, unknown> };
}

/** The object's keys that Go would store into field `name` (exact or case-insensitive), in order. */
function fieldValues(obj: Record<string, unknown>, name: string): unknown[] {
  return Object.keys(obj)
    .filter((k) => k.toLowerCase() === name.toLowerCase())
    .map((k) => obj[k])
    .filter((v) => v !== null);
}

function typeError(value: unknown, field: string, goType: string, struct: string): string {
  const t = Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value;
  return `json: cannot unmarshal ${t} into Go struct field ${struct}.${field} of type ${goType}`;
}

function stringField(obj: Record<string, unknown>, field: string, struct: string): Decoded<string> {
  let out = '';
  for (const v of fieldValues(obj, field)) {
    if (typeof v !== 'string') return { ok: false, error: typeError(v, field, 'string', struct) };
    out = v;
  }
  return { ok: true, value: out };
}

export function decodeRemoteExecEvent(payload: Uint8Array | null): Decoded<RemoteExecEvent> {
  const o = parseObject(payload, 'agent.remoteExecEvent');
  if (!o.ok) return o;
  const prefix = stringField(o.value, 'Prefix', 'remoteExecEvent');
  if (!prefix.ok) return prefix;
  const session = stringField(o.value, 'Session', 'remoteExecEvent');
  if (!session.ok) return session;
  return { ok: true, value: { prefix: prefix.value, session: session.value } };
}

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/[\r\n]/g, '');
  if (!base64Pattern.test(clean)) return undefined;
  const bin = atob(clean);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function decodeRemoteExecSpec(value: Uint8Array | null): Decoded<RemoteExecSpec> {
  const o = parseObject(value, 'agent.remoteExecSpec');
  if (!o.ok) return o;
  const struct = 'remoteExecSpec';
  const command = stringField(o.value, 'Command', struct);
  if (!command.ok) return command;
  const spec: RemoteExecSpec = { command: command.value, args: [], script: new Uint8Array(0), waitMs: 0 };
  for (const v of fieldValues(o.value, 'Args')) {
    if (!Array.isArray(v)) return { ok: false, error: typeError(v, 'Args', '[]string', struct) };
    const bad = v.find((a) => typeof a !== 'string' && a !== null);
    if (bad !== undefined) return { ok: false, error: typeError(bad, 'Args', 'string', struct) };
    spec.args = v.map((a) => (typeof a === 'string' ? a : ''));
  }
  for (const v of fieldValues(o.value, 'Script')) {
    const bytes = typeof v === 'string' ? decodeBase64(v) : undefined;
    if (typeof v !== 'string') return { ok: false, error: typeError(v, 'Script', '[]uint8', struct) };
    if (!bytes) return { ok: false, error: 'illegal base64 data at input byte 0' };
    spec.script = bytes;
  }
  for (const v of fieldValues(o.value, 'Wait')) {
    if (typeof v !== 'number' || !Number.isInteger(v)) return { ok: false, error: typeError(v, 'Wait', 'time.Duration', struct) };
    spec.waitMs = v / 1e6;
  }
  return { ok: true, value: spec };
}
