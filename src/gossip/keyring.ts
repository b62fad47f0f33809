/**
 * The gossip encryption keyring (memberlist keyring.go): AES keys of 16, 24 or 32 bytes, the
 * first one primary (it seals every outgoing message; all are tried on incoming ones), plus
 * the per-node half of a keyring operation (serf internal_query.go handle*Key) and the
 * collecting half (serf keymanager.go streamKeyResp / handleKeyRequest). Keys travel as
 * standard base64 decoded exactly as Go's base64.StdEncoding (its error texts included).
 *
 * Pure: no node:*, no Buffer, so the serf layer can use it. Error texts are memberlist's and
 * serf's, byte for byte, since `muster keyring` and /v1/operator/keyring show them.
 */
import { sameBytes } from '../lib/index.js';

/** memberlist ValidateKey. */
export const keySizeText = 'key size must be 16, 24 or 32 bytes';
/** memberlist UseKey. */
export const keyNotInstalledText = 'Requested key is not in the keyring';
/** memberlist RemoveKey. */
export const removePrimaryText = 'Removing the primary key is not allowed';
/** serf handleInstallKey / handleUseKey / handleRemoveKey on a node without encryption. */
export const noKeyringToModifyText = 'No keyring to modify (encryption not enabled)';
/** serf handleListKeys on a node without encryption. */
export const keyringEmptyText = 'Keyring is empty (encryption not enabled)';
/** AES-128, AES-192, AES-256. */
export const keySizesBytes: readonly number[] = [16, 24, 32];
/** What `muster keygen` makes (Consul's command/keygen): AES-256. */
export const keygenBytes = 32;
/** Consul's agent/keyring.go ParseRelayFactor: answers relayed through at most 5 other nodes. */
export const relayFactorMax = 5;
export const relayFactorRangeText = `Relay factor must be in range: [0, ${relayFactorMax}]`;
/** Consul's agent/keyring.go ValidateLocalOnly. */
export const localOnlyListText = 'local-only can only be set for list requests';

export type KeyringErrorCode =
  | 'ERR_KEY_INVALID' // not base64, or not 16/24/32 bytes
  | 'ERR_KEY_NOT_INSTALLED' // use of a key the ring does not hold
  | 'ERR_KEY_PRIMARY' // removal of the primary key
  | 'ERR_KEYRING_FILE'; // a keyring file could not be read, parsed or written (keyring-file.ts)

const BRAND = Symbol.for('muster.keyring-error');

export class KeyringError extends Error {
  readonly [BRAND] = true;
  readonly code: KeyringErrorCode;
  constructor(code: KeyringErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'KeyringError';
  }
  static is(value: unknown): value is KeyringError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

// --- Go's base64.StdEncoding -------------------------------------------------------------

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const decodeMap = new Int16Array(256).fill(-1);
for (let i = 0; i < alphabet.length; i++) decodeMap[alphabet.charCodeAt(i)] = i;
const PAD = 0x3d; // '='
const isNewline = (c: number | undefined): boolean => c === 0x0a || c === 0x0d;

export type Decoded = { ok: true; data: Uint8Array } | { ok: false; error: string };

/**
 * base64.StdEncoding.DecodeString: padding required, CR and LF ignored anywhere, non-zero
 * trailing bits accepted; errors `illegal base64 data at input byte N` with Go's N (a byte
 * offset into the UTF-8 text).
 */
export function goBase64Decode(text: string): Decoded {
  const src = new TextEncoder().encode(text);
  const out: number[] = [];
  let si = 0;
  while (si < src.length) {
    const r = decodeQuantum(src, si, out);
    if (r.corruptAt !== undefined) return { ok: false, error: `illegal base64 data at input byte ${r.corruptAt}` };
    si = r.si;
  }
  return { ok: true, data: Uint8Array.from(out) };
}

/** Go's Encoding.decodeQuantum (Go 1.15), one 4-character quantum at `si0`. */
function decodeQuantum(src: Uint8Array, si0: number, out: number[]): { si: number; corruptAt?: number } {
  const dbuf = [0, 0, 0, 0];
  let si = si0;
  let dlen = 4;
  let corruptAt: number | undefined;
  for (let j = 0; j < 4; j++) {
    if (si === src.length) {
      if (j === 0) return { si };
      return { si, corruptAt: si - j };
    }
    const c = src[si++]!;
    const v = decodeMap[c]!;
    if (v >= 0) {
      dbuf[j] = v;
      continue;
    }
    if (isNewline(c)) {
      j--;
      continue;
    }
    if (c !== PAD || j < 2) return { si, corruptAt: si - 1 };
    if (j === 2) {
      // "==" expected: the first is consumed; newlines may sit between them.
      while (si < src.length && isNewline(src[si])) si++;
      if (si === src.length) return { si, corruptAt: src.length };
      if (src[si] !== PAD) return { si, corruptAt: si - 1 };
      si++;
    }
    while (si < src.length && isNewline(src[si])) si++;
    if (si < src.length) corruptAt = si; // trailing garbage
    dlen = j;
    break;
  }
  const val = (dbuf[0]! << 18) | (dbuf[1]! << 12) | (dbuf[2]! << 6) | dbuf[3]!;
  const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
  out.push(...bytes.slice(0, dlen - 1));
  return corruptAt === undefined ? { si } : { si, corruptAt };
}

/** base64.StdEncoding.EncodeToString. */
export function base64Encode(data: Uint8Array): string {
  let s = '';
  for (let i = 0; i < data.length; i += 3) {
    const n = data.length - i;
    const v = (data[i]! << 16) | ((n > 1 ? data[i + 1]! : 0) << 8) | (n > 2 ? data[i + 2]! : 0);
    s += alphabet[(v >> 18) & 63]! + alphabet[(v >> 12) & 63]!;
    s += n > 1 ? alphabet[(v >> 6) & 63]! : '=';
    s += n > 2 ? alphabet[v & 63]! : '=';
  }
  return s;
}

// --- Keys ----------------------------------------------------------------------------------

/** memberlist ValidateKey: throws KeyringError "key size must be 16, 24 or 32 bytes". */
export function validateKey(key: Uint8Array): void {
  if (!keySizesBytes.includes(key.length)) throw new KeyringError('ERR_KEY_INVALID', keySizeText);
}

/** A base64 key, decoded and validated; throws KeyringError with Go's base64 or size text. */
export function decodeKey(text: string): Uint8Array {
  const d = goBase64Decode(text);
  if (!d.ok) throw new KeyringError('ERR_KEY_INVALID', d.error);
  validateKey(d.data);
  return d.data;
}

/**
 * The config check of `encrypt` (Consul's builder.go Validate): only that it is base64. The
 * size is checked later, when the keyring is set up (keyring-file.ts), as Consul does.
 */
export function encryptConfigError(encrypt: string): string | undefined {
  if (encrypt === '') return undefined;
  const d = goBase64Decode(encrypt);
  return d.ok ? undefined : `encrypt has invalid key: ${d.error}`;
}

/**
 * memberlist's Keyring. The first key is the primary. Keys are copied in and out, so a caller
 * holding an array cannot change the ring.
 */
export class Keyring {
  private ring: Uint8Array[] = [];

  /** The keys, primary first; each is validated (KeyringError ERR_KEY_INVALID), duplicates dropped. */
  constructor(keys: readonly Uint8Array[] = []) {
    for (const k of keys) this.install(k);
  }

  /** A ring from base64 keys, primary first (Consul's loadKeyring). */
  static fromBase64(keys: readonly string[]): Keyring {
    return new Keyring(keys.map(decodeKey));
  }

  get size(): number {
    return this.ring.length;
  }

  /** The keys, primary first. */
  keys(): Uint8Array[] {
    return this.ring.map((k) => k.slice());
  }

  /** The key that seals outgoing messages, or undefined for an empty ring. */
  primary(): Uint8Array | undefined {
    return this.ring[0]?.slice();
  }

  has(key: Uint8Array): boolean {
    return this.ring.some((k) => sameBytes(k, key));
  }

  /** The keys as base64, primary first (what the keyring file and key listings hold). */
  encoded(): string[] {
    return this.ring.map(base64Encode);
  }

  /** AddKey: adds a key for opening messages; a no-op if installed; the first key becomes primary. */
  install(key: Uint8Array): void {
    validateKey(key);
    if (!this.has(key)) this.ring.push(key.slice());
  }

  /** UseKey: makes an installed key the primary. */
  use(key: Uint8Array): void {
    const i = this.ring.findIndex((k) => sameBytes(k, key));
    if (i < 0) throw new KeyringError('ERR_KEY_NOT_INSTALLED', keyNotInstalledText);
    const [k] = this.ring.splice(i, 1);
    this.ring.unshift(k!);
  }

  /** RemoveKey: drops a key (a no-op if absent); the primary cannot be removed. */
  remove(key: Uint8Array): void {
    const primary = this.ring[0];
    if (primary !== undefined && sameBytes(primary, key)) throw new KeyringError('ERR_KEY_PRIMARY', removePrimaryText);
    this.ring = this.ring.filter((k) => !sameBytes(k, key));
  }
}

// --- Keyring operations across a pool (serf's key queries) ---------------------------------

export type KeyringOp = 'list' | 'install' | 'use' | 'remove';

/** One node's answer to a key query (serf's nodeKeyResponse). */
export interface NodeKeyResponse {
  result: boolean;
  /** An error, or a warning when `result` is true. */
  message: string;
  /** `list`: the node's keys, base64, primary first. */
  keys: string[];
  /** `list`: the node's primary key, base64. */
  primaryKey: string;
}

/**
 * A node's handling of a key query (serf handleInstallKey/UseKey/RemoveKey/ListKeys) on its own
 * ring; `keyring` undefined means encryption is off. After a successful install, use or remove
 * the caller writes the keyring file, and answers {result: false, message: its error} if that
 * fails (serf's "Failed to write keyring file: ...").
 */
export function answerKeyQuery(keyring: Keyring | undefined, op: KeyringOp, key: Uint8Array): NodeKeyResponse {
  const answer: NodeKeyResponse = { result: false, message: '', keys: [], primaryKey: '' };
  if (keyring === undefined) {
    answer.message = op === 'list' ? keyringEmptyText : noKeyringToModifyText;
    return answer;
  }
  try {
    if (op === 'list') {
      answer.keys = keyring.encoded();
      const primary = keyring.primary();
      answer.primaryKey = primary === undefined ? '' : base64Encode(primary);
    } else if (op === 'install') keyring.install(key);
    else if (op === 'use') keyring.use(key);
    else keyring.remove(key);
  } catch (e) {
    if (!KeyringError.is(e)) throw e;
    answer.message = e.message;
    return answer;
  }
  answer.result = true;
  return answer;
}

/** What the asking node makes of the answers of one pool (serf's KeyResponse). */
export interface PoolKeyResponse {
  /** Node name → its error (or warning). */
  messages: Record<string, string>;
  /** Members of the pool when the query went out. */
  numNodes: number;
  numResp: number;
  numErr: number;
  /** base64 key → how many nodes hold it. */
  keys: Record<string, number>;
  /** base64 key → how many nodes have it as primary. */
  primaryKeys: Record<string, number>;
}

/**
 * serf's streamKeyResp and the verdict of handleKeyRequest: counts keys and failures over the
 * answers (`undefined`: an answer that could not be decoded) and returns serf's error, if any:
 * "N/M nodes reported failure", or "N/M nodes reported success" when answers are missing.
 */
export function collectKeyResponses(numNodes: number, answers: Iterable<{ from: string; answer: NodeKeyResponse | undefined }>): { pool: PoolKeyResponse; error: string | undefined } {
  const pool: PoolKeyResponse = { messages: {}, numNodes, numResp: 0, numErr: 0, keys: {}, primaryKeys: {} };
  for (const { from, answer } of answers) {
    pool.numResp++;
    if (answer === undefined) {
      pool.messages[from] = 'Failed to decode key query response';
      pool.numErr++;
    } else {
      if (!answer.result || answer.message !== '') pool.messages[from] = answer.message;
      if (!answer.result) pool.numErr++;
      for (const k of answer.keys) pool.keys[k] = (pool.keys[k] ?? 0) + 1;
      // serf counts every answer's primary key, an empty one included.
      pool.primaryKeys[answer.primaryKey] = (pool.primaryKeys[answer.primaryKey] ?? 0) + 1;
    }
    if (pool.numResp === pool.numNodes) break;
  }
  let error: string | undefined;
  if (pool.numErr !== 0) error = `${pool.numErr}/${pool.numNodes} nodes reported failure`;
  else if (pool.numResp !== pool.numNodes) error = `${pool.numResp}/${pool.numNodes} nodes reported success`;
  return { pool, error };
}
