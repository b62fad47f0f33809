/**
 * Keyring files: Consul keeps the LAN keyring in `<data_dir>/serf/local.keyring` and a
 * server's WAN keyring in `<data_dir>/serf/remote.keyring`, each a JSON array of base64 keys,
 * primary first (agent/keyring.go; serf.go writeKeyringFile). They outlive `encrypt`: once a
 * file exists it is the keyring, and `encrypt` only seeds a missing one. Consul writes the
 * seed compactly (`["k"]`) and every later change indented by two spaces; we write the same
 * bytes, atomically (temp file, fsync, rename), mode 0600 in a 0700 directory.
 *
 * Not pure: node:fs. Errors are KeyringError ERR_KEYRING_FILE with Consul's texts.
 */
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { secureRandomBytes } from '../host/index.js';
import { decodeKey, goBase64Decode, Keyring, KeyringError } from './keyring.js';

export const lanKeyringFile = 'serf/local.keyring';
export const wanKeyringFile = 'serf/remote.keyring';
/** Keyring files hold secrets: owner read/write only (Consul's 0600), in a 0700 directory. */
export const keyringFileMode = 0o600;
export const keyringDirMode = 0o700;
/** Consul's start-up failure prefix (agent.go: "Failed to configure keyring: %v"). */
export const keyringSetupPrefix = 'Failed to configure keyring: ';
/** Consul's warning (agent/keyring.go, leading space included) when a file overrides `encrypt`. */
export const encryptIgnoredText = " keyring doesn't include key provided with -encrypt, using keyring";

const fileError = (message: string, cause?: unknown): KeyringError => new KeyringError('ERR_KEYRING_FILE', message, { cause });

/** Go's *PathError text for a failed file operation (`open /x: permission denied`). */
export function goPathError(op: string, path: string, e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory',
    ENOSPC: 'no space left on device',
    EROFS: 'read-only file system',
  };
  return `${op} ${path}: ${(code && reasons[code]) ?? (e instanceof Error ? e.message : String(e))}`;
}

/**
 * Parses a keyring file's text as Consul's loadKeyringFile does (json.Unmarshal into a
 * []string, then every key decoded and validated). Throws KeyringError with Go's texts.
 */
export function parseKeyringFile(text: string, path: string): Keyring {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw fileError(goJsonSyntaxError(text), e);
  }
  if (value !== null && !Array.isArray(value)) throw fileError(`json: cannot unmarshal ${jsonKind(value)} into Go value of type []string`);
  const items = (value ?? []) as unknown[];
  const bad = items.find((x) => x !== null && typeof x !== 'string');
  if (bad !== undefined) throw fileError(`json: cannot unmarshal ${jsonKind(bad)} into Go value of type string`);
  const keys = items.map((x) => (x === null ? '' : (x as string)));
  if (keys.length === 0) throw fileError(`no keys present in keyring: ${path}`);
  // Consul decodes every key before validating any (loadKeyring, then NewKeyring).
  for (const k of keys) {
    const d = goBase64Decode(k);
    if (!d.ok) throw fileError(d.error);
  }
  try {
    return new Keyring(keys.map(decodeKey));
  } catch (e) {
    throw fileError((e as Error).message, e);
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** V8's JSON.parse complaints → the context Go's scanner names for the same spot. */
const syntaxContexts: Array<[RegExp, string]> = [
  [/after array element in JSON at position (\d+)/, 'after array element'],
  [/after property value in JSON at position (\d+)/, 'after object key:value pair'],
  [/after property name in JSON at position (\d+)/, 'after object key'],
  [/Expected property name or '}' in JSON at position (\d+)/, 'looking for beginning of object key string'],
  [/non-whitespace character after JSON at position (\d+)/, 'after top-level value'],
  [/control character in string literal in JSON at position (\d+)/, 'in string literal'],
  [/escaped character in string literal in JSON at position (\d+)/, 'in string escape code'],
  [/in JSON at position (\d+)/, 'looking for beginning of value'],
];

/**
 * Go's json syntax error for `text`: truncated input is "unexpected end of JSON input"; else
 * "invalid character 'c' <context>", the context mapped from V8's message. Close to Go's, not
 * exact for every input (Go says "in literal null (expecting 'u')" where we say "looking for
 * beginning of value", for one).
 */
function goJsonSyntaxError(text: string): string {
  let message = '';
  try {
    JSON.parse(text);
  } catch (e) {
    message = String((e as Error).message);
  }
  for (const [re, context] of syntaxContexts) {
    const m = re.exec(message);
    if (m) return invalidCharacter(text, Number(m[1]), context);
  }
  const token = /^Unexpected token '(.)'/.exec(message);
  const at = token ? text.indexOf(token[1]!) : -1;
  return invalidCharacter(text, at, 'looking for beginning of value');
}

function invalidCharacter(text: string, at: number, context: string): string {
  if (at < 0 || at >= text.length) return 'unexpected end of JSON input';
  const c = text[at]!;
  const code = c.charCodeAt(0);
  const shown = c === "'" ? "\\'" : c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : code < 0x20 ? `\\x${code.toString(16).padStart(2, '0')}` : c;
  return `invalid character '${shown}' ${context}`;
}

/** Reads a keyring file (Consul's loadKeyringFile). */
export async function readKeyringFile(path: string): Promise<Keyring> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw fileError(goPathError('open', path, e), e);
  }
  return parseKeyringFile(text, path);
}

/** The bytes Consul writes: compact for the seed file, indented by two spaces afterwards. */
export function keyringFileText(keyring: Keyring, compact = false): string {
  return compact ? JSON.stringify(keyring.encoded()) : JSON.stringify(keyring.encoded(), null, 2);
}

/**
 * Writes a keyring file atomically: a temp file beside it (0600), fsynced, renamed over it,
 * the directory fsynced. Serf does this after every install, use and remove; a failure is
 * "Failed to write keyring file: ..." (which serf sends back as the node's answer).
 */
export async function writeKeyringFile(path: string, keyring: Keyring, opts: { compact?: boolean } = {}): Promise<void> {
  try {
    await writeAtomically(path, keyringFileText(keyring, opts.compact ?? false));
  } catch (e) {
    throw fileError(`Failed to write keyring file: ${(e as Error).message}`, e);
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  try {
    await mkdir(dir, { recursive: true, mode: keyringDirMode });
  } catch (e) {
    throw new Error(goPathError('mkdir', dir, e), { cause: e });
  }
  const tmp = join(dir, `.${basename(path)}.${secureRandomBytes(6).toString('hex')}.tmp`);
  let fh;
  try {
    fh = await open(tmp, 'wx', keyringFileMode);
  } catch (e) {
    throw new Error(goPathError('open', path, e), { cause: e });
  }
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new Error(goPathError('write', path, e), { cause: e });
  }
  await syncDir(dir);
}

/** Makes the rename durable; some file systems refuse to fsync a directory, which is fine. */
async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r').catch(() => undefined);
  if (!d) return;
  await d.sync().catch(() => undefined);
  await d.close().catch(() => undefined);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export interface KeyringSetupOptions {
  dataDir: string;
  /** The `encrypt` key ('' when not set). */
  encrypt: string;
  /** The agent has a WAN pool (a server with serf_wan enabled): it gets a WAN keyring too. */
  wan: boolean;
  /** `disable_keyring_file` (on in -dev): `encrypt` goes to memory only; files are ignored. */
  disableKeyringFile: boolean;
}

export interface KeyringSetup {
  /** undefined: gossip is not encrypted. */
  lan: Keyring | undefined;
  wan: Keyring | undefined;
  /** Where to persist each ring after a change; undefined: nowhere. */
  lanFile: string | undefined;
  wanFile: string | undefined;
  /** For the agent's log at WARN, as Consul's: `message` with the field `keyring=LAN|WAN`. */
  warnings: Array<{ message: string; keyring: 'LAN' | 'WAN' }>;
}

/**
 * Consul's setupBaseKeyrings: with `encrypt` set, a missing keyring file is created holding
 * just that key; an existing file wins over `encrypt`, with a warning when it lacks that key.
 * Then each existing file is loaded. Throws KeyringError ERR_KEYRING_FILE with Consul's text,
 * "Failed to configure keyring: ..." (e.g. "...: Invalid key: key size must be 16, 24 or 32 bytes").
 */
export async function setupKeyrings(opts: KeyringSetupOptions): Promise<KeyringSetup> {
  const setup: KeyringSetup = { lan: undefined, wan: undefined, lanFile: undefined, wanFile: undefined, warnings: [] };
  const failed = (e: unknown): KeyringError => fileError(keyringSetupPrefix + (e as Error).message, e);
  if (opts.disableKeyringFile) {
    if (opts.encrypt === '') return setup;
    try {
      setup.lan = Keyring.fromBase64([opts.encrypt]);
      if (opts.wan) setup.wan = Keyring.fromBase64([opts.encrypt]);
    } catch (e) {
      throw failed(e);
    }
    return setup;
  }
  const pools: Array<['LAN' | 'WAN', string]> = [['LAN', join(opts.dataDir, lanKeyringFile)]];
  if (opts.wan) pools.push(['WAN', join(opts.dataDir, wanKeyringFile)]);
  try {
    const existed = new Map<string, boolean>();
    for (const [pool, file] of pools) {
      existed.set(pool, await exists(file));
      if (opts.encrypt !== '' && !existed.get(pool)) await seedKeyringFile(file, opts.encrypt);
    }
    for (const [pool, file] of pools) {
      if (!(await exists(file))) continue;
      const ring = await readKeyringFile(file);
      if (pool === 'LAN') [setup.lan, setup.lanFile] = [ring, file];
      else [setup.wan, setup.wanFile] = [ring, file];
      if (opts.encrypt !== '' && existed.get(pool) && lacksKey(ring, opts.encrypt)) setup.warnings.push({ message: encryptIgnoredText, keyring: pool });
    }
  } catch (e) {
    throw failed(e);
  }
  return setup;
}

/** Consul's initKeyring: validates `encrypt` ("Invalid key: ...") and writes `["<key>"]`. */
async function seedKeyringFile(file: string, encrypt: string): Promise<void> {
  let ring: Keyring;
  try {
    ring = Keyring.fromBase64([encrypt]);
  } catch (e) {
    throw new Error(`Invalid key: ${(e as Error).message}`, { cause: e });
  }
  await writeAtomically(file, keyringFileText(ring, true));
}

/** Consul's keyringIsMissingKey: a key that does not decode counts as missing. */
function lacksKey(ring: Keyring, encrypt: string): boolean {
  const d = goBase64Decode(encrypt);
  return !d.ok || !ring.has(d.data);
}
