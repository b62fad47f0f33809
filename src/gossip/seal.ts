/**
 * AES-GCM sealing of gossip messages (every UDP packet and TCP stream message once `encrypt`
 * is set), in the shape of memberlist's security.go version 1:
 *
 *   [version byte 1][12-byte random nonce][ciphertext][16-byte GCM tag]
 *
 * The key size picks the cipher: 16, 24 or 32 bytes → AES-128, -192 or -256-GCM. `open` tries
 * every installed key, primary first, as memberlist's decryptPayload does, so a rotation works
 * while both keys are installed. Our wire format is our own (memberlist also reads its padded
 * version 0; we do not), but its error texts are memberlist's.
 *
 * Not pure: node:crypto for the cipher and the random nonce, loaded when the first message is
 * sealed or opened (host/lazy-builtins.ts), so an agent without `encrypt` never loads it.
 */
import type { CipherGCMTypes } from 'node:crypto';
import { nodeCrypto } from '../host/index.js';

/** The only version we write and read (memberlist's version 1: no padding). */
export const sealVersion = 1;
export const sealVersionBytes = 1;
/** GCM's standard nonce; random per message (2^-32 collision odds only after ~2^32 messages per key). */
export const sealNonceBytes = 12;
export const sealTagBytes = 16;
/** What sealing adds to a message: 29 bytes (memberlist's encryptOverhead for version 1). */
export const sealOverheadBytes = sealVersionBytes + sealNonceBytes + sealTagBytes;

export type SealErrorCode =
  | 'ERR_SEAL_EMPTY' // nothing to open
  | 'ERR_SEAL_VERSION' // a version byte we do not speak
  | 'ERR_SEAL_SHORT' // shorter than version + nonce + tag
  | 'ERR_SEAL_NO_KEY' // no installed key authenticates the message (wrong key, or tampered)
  | 'ERR_SEAL_KEY'; // a key of a size AES does not take

const BRAND = Symbol.for('muster.seal-error');

export class SealError extends Error {
  readonly [BRAND] = true;
  readonly code: SealErrorCode;
  constructor(code: SealErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'SealError';
  }
  static is(value: unknown): value is SealError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** The sealed size of a `plainBytes`-byte message (memberlist's encryptedLength, version 1). */
export function sealedBytes(plainBytes: number): number {
  return plainBytes + sealOverheadBytes;
}

function cipherName(key: Uint8Array): CipherGCMTypes {
  switch (key.length) {
    case 16:
      return 'aes-128-gcm';
    case 24:
      return 'aes-192-gcm';
    case 32:
      return 'aes-256-gcm';
    default:
      // Go's aes.NewCipher text, which memberlist would return.
      throw new SealError('ERR_SEAL_KEY', `crypto/aes: invalid key size ${key.length}`);
  }
}

/**
 * Seals `plaintext` with `key`; `aad` (additional data, e.g. a stream message's header) is
 * authenticated but not carried: `open` must be given the same bytes.
 */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  const name = cipherName(key);
  const crypto = nodeCrypto();
  const nonce = crypto.randomBytes(sealNonceBytes);
  const cipher = crypto.createCipheriv(name, key, nonce, { authTagLength: sealTagBytes });
  if (aad !== undefined) cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const last = cipher.final();
  const tag = cipher.getAuthTag();
  const out = new Uint8Array(sealedBytes(plaintext.length));
  out[0] = sealVersion;
  out.set(nonce, sealVersionBytes);
  let at = sealVersionBytes + sealNonceBytes;
  out.set(body, at);
  at += body.length;
  out.set(last, at);
  at += last.length;
  out.set(tag, at);
  return out;
}

/**
 * Opens a sealed message with the first of `keys` (primary first) that authenticates it.
 * Throws SealError: memberlist's "Cannot decrypt empty payload", "Unsupported encryption
 * version N", "Payload is too small to decrypt: N" or "No installed keys could decrypt the
 * message" (which is also what a tampered message gets: GCM cannot tell the two apart).
 */
export function open(keys: readonly Uint8Array[], sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  if (sealed.length === 0) throw new SealError('ERR_SEAL_EMPTY', 'Cannot decrypt empty payload');
  const version = sealed[0]!;
  if (version !== sealVersion) throw new SealError('ERR_SEAL_VERSION', `Unsupported encryption version ${version}`);
  if (sealed.length < sealOverheadBytes) throw new SealError('ERR_SEAL_SHORT', `Payload is too small to decrypt: ${sealed.length}`);
  const nonce = sealed.subarray(sealVersionBytes, sealVersionBytes + sealNonceBytes);
  const body = sealed.subarray(sealVersionBytes + sealNonceBytes, sealed.length - sealTagBytes);
  const tag = sealed.subarray(sealed.length - sealTagBytes);
  for (const key of keys) {
    const plain = tryOpen(key, nonce, body, tag, aad);
    if (plain !== undefined) return plain;
  }
  throw new SealError('ERR_SEAL_NO_KEY', 'No installed keys could decrypt the message');
}

function tryOpen(key: Uint8Array, nonce: Uint8Array, body: Uint8Array, tag: Uint8Array, aad: Uint8Array | undefined): Uint8Array | undefined {
  const decipher = nodeCrypto().createDecipheriv(cipherName(key), key, nonce, { authTagLength: sealTagBytes });
  decipher.setAuthTag(tag);
  if (aad !== undefined) decipher.setAAD(aad);
  const head = decipher.update(body);
  try {
    const last = decipher.final(); // throws when the tag does not authenticate
    if (last.length === 0) return new Uint8Array(head.buffer, head.byteOffset, head.byteLength);
    const out = new Uint8Array(head.length + last.length);
    out.set(head);
    out.set(last, head.length);
    return out;
  } catch {
    return undefined;
  }
}
