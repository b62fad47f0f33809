import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { open, seal, sealedBytes, SealError, sealOverheadBytes } from './seal.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const key = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

function openError(keys: Uint8Array[], sealed: Uint8Array, aad?: Uint8Array): SealError {
  try {
    open(keys, sealed, aad);
  } catch (e) {
    if (SealError.is(e)) return e;
    throw e;
  }
  throw new Error('opened');
}

describe('seal and open', () => {
  it.each([16, 24, 32])('round-trips with a %i-byte key (AES-%i-GCM), 29 bytes of overhead', (n) => {
    const k = key(n);
    const msg = text('ping from n1 to n2');
    const sealed = seal(k, msg);
    expect(sealed.length).toBe(msg.length + 29);
    expect(sealed.length).toBe(sealedBytes(msg.length));
    expect(sealed[0]).toBe(1);
    expect(Buffer.from(sealed).includes(Buffer.from(msg))).toBe(false);
    expect(Buffer.from(open([k], sealed))).toEqual(Buffer.from(msg));
  });

  it('round-trips empty and large messages, with additional data', () => {
    const k = key(32);
    const aad = text('header');
    expect(open([k], seal(k, new Uint8Array(0), aad), aad)).toHaveLength(0);
    const big = new Uint8Array(randomBytes(64 * 1024));
    expect(Buffer.from(open([k], seal(k, big)))).toEqual(Buffer.from(big));
  });

  it('uses a fresh nonce for every message', () => {
    const k = key(16);
    const a = seal(k, text('same'));
    const b = seal(k, text('same'));
    expect(Buffer.from(a.subarray(1, 13))).not.toEqual(Buffer.from(b.subarray(1, 13)));
    expect(Buffer.from(a)).not.toEqual(Buffer.from(b));
  });

  it('tries every installed key, primary first', () => {
    const [oldKey, newKey, other] = [key(32), key(16), key(24)];
    const sealedOld = seal(oldKey, text('before the rotation'));
    const sealedNew = seal(newKey, text('after the rotation'));
    expect(new TextDecoder().decode(open([newKey, other, oldKey], sealedOld))).toBe('before the rotation');
    expect(new TextDecoder().decode(open([newKey, oldKey], sealedNew))).toBe('after the rotation');
  });

  it("refuses a message sealed with a key that is not installed, in memberlist's words", () => {
    const sealed = seal(key(32), text('secret'));
    const e = openError([key(32), key(16)], sealed);
    expect([e.code, e.message]).toEqual(['ERR_SEAL_NO_KEY', 'No installed keys could decrypt the message']);
    expect(openError([], sealed).code).toBe('ERR_SEAL_NO_KEY');
  });

  it('refuses a message with any byte changed (nonce, ciphertext, tag) or other additional data', () => {
    const k = key(32);
    const sealed = seal(k, text('member n3 is dead'), text('aad'));
    for (let i = 1; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i]! ^= 0x01;
      expect(openError([k], bad, text('aad')).message).toBe('No installed keys could decrypt the message');
    }
    expect(openError([k], sealed, text('aaD')).code).toBe('ERR_SEAL_NO_KEY');
    expect(openError([k], sealed).code).toBe('ERR_SEAL_NO_KEY');
  });

  it('fails cleanly on empty, truncated or foreign input', () => {
    const k = key(16);
    const sealed = seal(k, text('hello'));
    expect(openError([k], new Uint8Array(0)).message).toBe('Cannot decrypt empty payload');
    expect(openError([k], sealed.subarray(0, sealOverheadBytes - 1)).message).toBe('Payload is too small to decrypt: 28');
    expect(openError([k], sealed.subarray(0, 1)).code).toBe('ERR_SEAL_SHORT');
    // Cut inside the ciphertext or tag: no longer authenticates.
    for (const cut of [sealOverheadBytes, sealed.length - 1]) expect(openError([k], sealed.subarray(0, cut)).code).toBe('ERR_SEAL_NO_KEY');
    const v0 = sealed.slice();
    v0[0] = 0;
    expect(openError([k], v0).message).toBe('Unsupported encryption version 0');
    const v9 = sealed.slice();
    v9[0] = 9;
    expect(openError([k], v9).message).toBe('Unsupported encryption version 9');
  });

  it("refuses a key AES does not take, in Go's words", () => {
    expect(() => seal(key(20), text('x'))).toThrow('crypto/aes: invalid key size 20');
  });
});
