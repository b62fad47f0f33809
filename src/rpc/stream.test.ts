/** Streamed calls (snapshot save and restore) on the RPC port: bodies both ways, errors, breaks. */
import { describe, expect, it } from 'vitest';
import { MusterError, nullLogger } from '../lib/index.js';
import { RpcListener } from './listener.js';
import { RpcType } from './protocol.js';
import { streamCall, streamHandler, type StreamServe } from './stream.js';
import { leakChecked } from './test-support.js';

async function* chunks(n: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < n; i++) yield new Uint8Array(size).fill(i % 251);
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of body) out.push(c);
  return out;
}

const total = (cs: Uint8Array[]): number => cs.reduce((n, c) => n + c.length, 0);

describe('streamed calls', () => {
  const { defer } = leakChecked();

  async function serve(handler: StreamServe): Promise<string> {
    const listener = new RpcListener({ logger: nullLogger });
    listener.handle(RpcType.snapshot, streamHandler(handler, nullLogger));
    const port = await listener.listen('127.0.0.1', 0);
    defer(() => listener.close());
    return `127.0.0.1:${port}`;
  }

  it('carries a request body to the server and a reply body back, every byte, in order', async () => {
    let received = 0;
    const address = await serve(async (request, body) => {
      received = total(await collect(body));
      return { reply: { got: request, received }, body: chunks(40, 65_536) };
    });
    const r = await streamCall(address, { op: 'restore', dc: 'dc1' }, chunks(100, 10_000));
    expect(r.reply).toEqual({ got: { op: 'restore', dc: 'dc1' }, received: 1_000_000 });
    const back = await collect(r.body);
    expect(total(back)).toBe(40 * 65_536);
    expect(back.every((c, i) => c.every((b) => b === i % 251))).toBe(true);
  });

  it('answers an error of the server as the error itself, code and text', async () => {
    const address = await serve(async () => {
      throw new MusterError('ERR_NO_LEADER', 'No cluster leader');
    });
    const err = await streamCall(address, { op: 'save' }, undefined).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_NO_LEADER', message: 'No cluster leader' });
  });

  it('fails a reply body that breaks off, rather than ending it as if complete', async () => {
    const address = await serve(async () => ({
      reply: {},
      body: (async function* () {
        yield new Uint8Array(1000);
        throw new Error('disk gone');
      })(),
    }));
    const r = await streamCall(address, { op: 'save' }, undefined);
    await expect(collect(r.body)).rejects.toThrow(/connection closed in the middle of the reply body|connection closed before the reply body/);
  });

  it('says when nothing listens there', async () => {
    const address = await serve(async () => ({ reply: {} }));
    const port = Number(address.split(':')[1]);
    await expect(streamCall(`127.0.0.1:${port === 1 ? 2 : 1}`, {}, undefined)).rejects.toThrow(/failed to get conn: dial tcp 127\.0\.0\.1:\d+/);
  });
});
