import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  answerKeyQuery,
  base64Encode,
  collectKeyResponses,
  decodeKey,
  encryptConfigError,
  goBase64Decode,
  Keyring,
  KeyringError,
  type NodeKeyResponse,
} from './keyring.js';

const b64 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'base64'));
const k16 = '04VJc9NxYiTQq0IzsLy4mQ==';
const k24 = 'eqaH37gvSvbftNu+CEtWiCziCmCfX3FX';
const k32 = 'pDmKO/1g8pMyxsYOdwEFVuY/4zg8qc/bjhKsLfYyVno=';

function keyringError(f: () => unknown): KeyringError {
  try {
    f();
  } catch (e) {
    if (KeyringError.is(e)) return e;
    throw e;
  }
  throw new Error('no error');
}

describe("Go's base64.StdEncoding", () => {
  // Go's own TestDecodeCorrupt table (offset -1: valid), then cases run through Go 1.19.
  const corrupt: Array<[string, number]> = [
    ['', -1], ['\n', -1], ['AAA=\n', -1], ['AAAA\n', -1], ['!!!!', 0], ['====', 0], ['x===', 1], ['=AAA', 0], ['A=AA', 1],
    ['AA=A', 2], ['AA==A', 4], ['AAA=AAAA', 4], ['AAAAA', 4], ['AAAAAA', 4], ['A=', 1], ['A==', 1], ['AA=', 3], ['AA==', -1],
    ['AAA=', -1], ['AAAA', -1], ['AAAAAA=', 7], ['YWJjZA=====', 8], ['A!\n', 1], ['A=\n', 1],
    ['not base64!', 3], ['abc!', 3], ['é===', 0], ['YWJjZA=\nx', 7], ['YWJ', 0], ['Y', 0], ['YWJjZA', 4], [' YWJj', 0], ['YWJj ', 4],
    ['nosuchkeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', 45],
  ];
  it.each(corrupt)('%j: corrupt at %i', (input, at) => {
    const r = goBase64Decode(input);
    if (at < 0) expect(r.ok).toBe(true);
    else expect(r).toEqual({ ok: false, error: `illegal base64 data at input byte ${at}` });
  });

  it('ignores CR and LF anywhere and accepts non-zero trailing bits, as Go does', () => {
    const hex = (s: string): string => {
      const r = goBase64Decode(s);
      return r.ok ? Buffer.from(r.data).toString('hex') : r.error;
    };
    expect(hex('YWJj\nZA==')).toBe('61626364');
    expect(hex('YW\r\nJj')).toBe('616263');
    expect(hex('YWJjZA=\n=')).toBe('61626364');
    expect(hex('YWI=\n\n')).toBe('6162');
    expect(hex('YR==')).toBe('61');
    expect(hex(k16)).toBe('d3854973d3716224d0ab4233b0bcb899');
  });

  it('encodes as Go (and Node) do, and decodes what it encodes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        const text = base64Encode(data);
        expect(text).toBe(Buffer.from(data).toString('base64'));
        const back = goBase64Decode(text);
        expect(back.ok && Buffer.from(back.data).equals(Buffer.from(data))).toBe(true);
      }),
    );
  });
});

describe('keys', () => {
  it('accepts 16, 24 and 32 bytes', () => {
    expect([k16, k24, k32].map((k) => decodeKey(k).length)).toEqual([16, 24, 32]);
  });

  it("refuses other sizes and bad base64 with memberlist's and Go's texts", () => {
    expect(keyringError(() => decodeKey('YWJj')).message).toBe('key size must be 16, 24 or 32 bytes');
    expect(keyringError(() => decodeKey('')).message).toBe('key size must be 16, 24 or 32 bytes');
    expect(keyringError(() => decodeKey('not base64!')).message).toBe('illegal base64 data at input byte 3');
    expect(keyringError(() => decodeKey('YWJj')).code).toBe('ERR_KEY_INVALID');
  });

  it("checks `encrypt` in config as Consul's builder does: base64 only", () => {
    expect(encryptConfigError('abc!')).toBe('encrypt has invalid key: illegal base64 data at input byte 3');
    expect(encryptConfigError('YWJj')).toBeUndefined();
    expect(encryptConfigError('')).toBeUndefined();
    expect(encryptConfigError(k32)).toBeUndefined();
  });
});

describe('Keyring', () => {
  it('makes the first installed key primary and keeps installation order', () => {
    const ring = new Keyring();
    expect(ring.primary()).toBeUndefined();
    ring.install(b64(k32));
    ring.install(b64(k16));
    ring.install(b64(k32)); // already there: nothing changes
    expect(ring.encoded()).toEqual([k32, k16]);
    expect(base64Encode(ring.primary()!)).toBe(k32);
  });

  it('rotates: install, use, remove the old key', () => {
    const ring = Keyring.fromBase64([k32]);
    ring.install(b64(k24));
    ring.use(b64(k24));
    expect(ring.encoded()).toEqual([k24, k32]);
    ring.remove(b64(k32));
    expect(ring.encoded()).toEqual([k24]);
    ring.remove(b64(k16)); // not installed: nothing to do
    expect(ring.encoded()).toEqual([k24]);
  });

  it("refuses to use a key it does not hold, or to remove the primary, in memberlist's words", () => {
    const ring = Keyring.fromBase64([k32, k16]);
    const notIn = keyringError(() => ring.use(b64(k24)));
    expect([notIn.code, notIn.message]).toEqual(['ERR_KEY_NOT_INSTALLED', 'Requested key is not in the keyring']);
    const primary = keyringError(() => ring.remove(b64(k32)));
    expect([primary.code, primary.message]).toEqual(['ERR_KEY_PRIMARY', 'Removing the primary key is not allowed']);
    expect(keyringError(() => ring.install(b64('YWJj'))).message).toBe('key size must be 16, 24 or 32 bytes');
    expect(ring.encoded()).toEqual([k32, k16]);
  });

  it('drops duplicates on construction and hands out copies', () => {
    const key = b64(k16);
    const ring = new Keyring([key, b64(k32), key]);
    expect(ring.size).toBe(2);
    key[0] = 0;
    ring.keys()[0]![1] = 0;
    expect(ring.encoded()).toEqual([k16, k32]);
  });
});

describe('key queries (serf)', () => {
  it('a node answers each operation on its own ring', () => {
    const ring = Keyring.fromBase64([k32]);
    expect(answerKeyQuery(ring, 'install', b64(k16))).toEqual({ result: true, message: '', keys: [], primaryKey: '' });
    expect(answerKeyQuery(ring, 'list', new Uint8Array(0))).toEqual({ result: true, message: '', keys: [k32, k16], primaryKey: k32 });
    expect(answerKeyQuery(ring, 'remove', b64(k32))).toMatchObject({ result: false, message: 'Removing the primary key is not allowed' });
    expect(answerKeyQuery(ring, 'use', b64(k24))).toMatchObject({ result: false, message: 'Requested key is not in the keyring' });
    expect(answerKeyQuery(ring, 'install', b64('YWJj'))).toMatchObject({ result: false, message: 'key size must be 16, 24 or 32 bytes' });
    expect(answerKeyQuery(ring, 'use', b64(k16)).result).toBe(true);
    expect(ring.encoded()).toEqual([k16, k32]);
  });

  it('a node without encryption says so', () => {
    expect(answerKeyQuery(undefined, 'list', new Uint8Array(0)).message).toBe('Keyring is empty (encryption not enabled)');
    for (const op of ['install', 'use', 'remove'] as const) {
      expect(answerKeyQuery(undefined, op, b64(k16))).toMatchObject({ result: false, message: 'No keyring to modify (encryption not enabled)' });
    }
  });

  it('the asker counts keys per node and reports failures as serf does', () => {
    const list = (keys: string[]): NodeKeyResponse => ({ result: true, message: '', keys, primaryKey: keys[0]! });
    const ok = collectKeyResponses(3, [
      { from: 'a', answer: list([k32, k16]) },
      { from: 'b', answer: list([k32]) },
      { from: 'c', answer: list([k16, k32]) },
    ]);
    expect(ok.error).toBeUndefined();
    expect(ok.pool).toMatchObject({ numNodes: 3, numResp: 3, numErr: 0, messages: {}, keys: { [k32]: 3, [k16]: 2 }, primaryKeys: { [k32]: 2, [k16]: 1 } });

    const failed = collectKeyResponses(2, [
      { from: 'a', answer: { result: false, message: 'Removing the primary key is not allowed', keys: [], primaryKey: '' } },
      { from: 'b', answer: undefined },
    ]);
    expect(failed.error).toBe('2/2 nodes reported failure');
    expect(failed.pool.messages).toEqual({ a: 'Removing the primary key is not allowed', b: 'Failed to decode key query response' });

    const missing = collectKeyResponses(3, [{ from: 'a', answer: list([k32]) }]);
    expect(missing.error).toBe('1/3 nodes reported success');
  });
});
