/**
 * List replies (ListReply) end to end over real sockets on 127.0.0.1: a body with a long list
 * comes back whole whatever its length or size, in parts that keep the event loop turning and
 * wait for a slow reader; a cancel stops them; a server that breaks the parts' rules breaks the
 * connection.
 */
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { decode, encode } from '../lib/index.js';
import { ProtocolError } from './errors.js';
import { FrameDecoder, frameOf } from './frame.js';
import { clientDecodeMsPerTurn, frameBytesMax, listPartItems } from './limits.js';
import type * as Messages from './messages.js';
import { parseResponse } from './messages.js';
import { RpcType } from './protocol.js';
import { ListReply } from './server.js';
import { closedOf, host, leakChecked, newClient, rawConnect, rawServer, rejection, requestFrame, startServer, waitFor, within } from './test-support.js';

/**
 * How long the client takes to decode each list part, by turn of the event loop (`turn` is
 * advanced by watchLoop): parseResponse as it is, timed.
 */
const decoding = vi.hoisted(() => ({ turn: 0, partMsByTurn: new Map<number, number[]>() }));
vi.mock('./messages.js', async (importOriginal) => {
  const messages = await importOriginal<typeof Messages>();
  return {
    ...messages,
    parseResponse: (payload: Uint8Array) => {
      const started = performance.now();
      const r = messages.parseResponse(payload);
      if (r.part) {
        const ms = decoding.partMsByTurn.get(decoding.turn) ?? [];
        ms.push(performance.now() - started);
        decoding.partMsByTurn.set(decoding.turn, ms);
      }
      return r;
    },
  };
});

const long = { timeoutMs: 60_000 };
const MiB = 1024 * 1024;

/** KV-entry-like items, with byte arrays and uint64s, as a whole-store read returns. */
function entries(n: number, from = 0): { Key: string; Value: Uint8Array; Flags: bigint; ModifyIndex: number }[] {
  return Array.from({ length: n }, (_, j) => {
    const i = from + j;
    return { Key: `service/app/config/${i}`, Value: Uint8Array.of(i & 255, 1, 2), Flags: BigInt(i) + 2n ** 60n, ModifyIndex: i };
  });
}

/** A byte array of `n` bytes, marked with `i` at both ends. */
function blob(n: number, i: number): Uint8Array {
  const b = new Uint8Array(n);
  b[0] = i & 255;
  b[n - 1] = (i >> 8) & 255;
  return b;
}

function sameBlobs(got: unknown, want: readonly Uint8Array[]): boolean {
  if (!Array.isArray(got) || got.length !== want.length) return false;
  return want.every((w, i) => got[i] instanceof Uint8Array && Buffer.from(w).equals(got[i] as Uint8Array));
}

/** Counts turns of the event loop until stop(). */
function watchLoop(): { stop(): { turns: number } } {
  let turns = 0;
  let spinning = true;
  const spin = (): void => {
    turns++;
    decoding.turn++;
    if (spinning) setImmediate(spin);
  };
  setImmediate(spin);
  return {
    stop: () => {
      spinning = false;
      return { turns };
    },
  };
}

/** A raw client connection that collects the decoded frames it receives. */
async function rawClient(port: number): Promise<{ raw: Socket; closed: Promise<void>; got: Record<string, unknown>[] }> {
  const raw = await rawConnect(port);
  const closed = closedOf(raw);
  const decoder = new FrameDecoder();
  const got: Record<string, unknown>[] = [];
  raw.on('data', (d: Buffer) => {
    decoder.push(d);
    for (let f = decoder.next(); f !== undefined; f = decoder.next()) got.push(decode(f));
  });
  raw.write(Uint8Array.of(RpcType.rpc));
  return { raw, closed, got };
}

describe('RPC list replies', () => {
  const { defer } = leakChecked();

  async function setup(register: Parameters<typeof startServer>[0]) {
    const fx = await startServer(register);
    const { client } = newClient();
    defer(() => fx.listener.close());
    defer(() => client.close());
    return { ...fx, client };
  }

  it('gives the caller the head with its whole list, at any length, the other fields and their order intact', async () => {
    const fx = await setup((s) => s.register('KVS.List', (n) => new ListReply({ Index: 42, Entries: entries(n as number), KnownLeader: true }, 'Entries')));
    for (const n of [0, 1, 2, listPartItems, listPartItems + 1, 5_000]) {
      const partsBefore = fx.server.stats().listParts;
      const reply = await fx.client.call<Record<string, unknown>>(fx.address, 'KVS.List', n, long);
      expect(reply, `${n} items`).toEqual({ Index: 42, Entries: entries(n), KnownLeader: true });
      expect(Object.keys(reply)).toEqual(['Index', 'Entries', 'KnownLeader']);
      const parts = fx.server.stats().listParts - partsBefore;
      if (n <= listPartItems) expect(parts, `${n} items`).toBe(0); // one ordinary reply
      else expect(parts, `${n} items`).toBeGreaterThanOrEqual(Math.ceil(n / listPartItems));
    }
    expect(fx.client.stats()).toMatchObject({ connections: 1, dials: 1, inFlight: 0 });
    expect(fx.server.stats().inFlight).toBe(0);
  });

  it("puts bulk-lane calls on a second connection to the server, so other calls' replies never queue behind a list", async () => {
    let release: (() => void) | undefined;
    const fx = await setup((s) => {
      s.register('KVS.List', () => new Promise((resolve) => (release = () => resolve(new ListReply({ Entries: entries(3_000) }, 'Entries')))));
      s.register('Status.Ping', () => 'pong');
    });
    const bulk = { ...long, lane: 'bulk' as const };
    const listed = fx.client.call<{ Entries: unknown[] }>(fx.address, 'KVS.List', {}, bulk);
    await waitFor(() => release !== undefined, 5_000, 'the list call to arrive');
    expect(await fx.client.call(fx.address, 'Status.Ping', {}, long)).toBe('pong');
    expect([fx.client.has(fx.address), fx.client.has(fx.address, 'bulk')]).toEqual([true, true]);
    expect(fx.client.stats()).toMatchObject({ connections: 2, dials: 2, inFlight: 1 });
    release!();
    expect((await listed).Entries).toEqual(entries(3_000));
    release = undefined;
    const again = fx.client.call<{ Entries: unknown[] }>(fx.address, 'KVS.List', {}, bulk);
    await waitFor(() => release !== undefined, 5_000, 'the second list call to arrive');
    release!();
    expect((await again).Entries).toHaveLength(3_000);
    expect(fx.client.stats()).toMatchObject({ connections: 2, dials: 2, inFlight: 0 });
  });

  it('keeps concurrent list replies on one connection apart', async () => {
    const fx = await setup((s) => {
      s.register('KVS.List', (b) => {
        const { n, from } = b as { n: number; from: number };
        return new ListReply({ Entries: entries(n, from), From: from }, 'Entries');
      });
      s.register('Status.Ping', () => 'pong');
    });
    const sizes = [3_000, 10, 4_500, 0, 2_001, 7_000];
    const calls = sizes.map((n, k) => fx.client.call(fx.address, 'KVS.List', { n, from: k * 100_000 }, long));
    const pings = [1, 2, 3].map(() => fx.client.call(fx.address, 'Status.Ping', {}, long));
    const replies = await Promise.all(calls);
    replies.forEach((r, k) => expect(r, `call ${k}`).toEqual({ Entries: entries(sizes[k]!, k * 100_000), From: k * 100_000 }));
    expect(await Promise.all(pings)).toEqual(['pong', 'pong', 'pong']);
    expect(fx.client.stats()).toMatchObject({ connections: 1, inFlight: 0 });
  });

  it('sends parts on the wire, interleaved between requests, then a final response with listAt', async () => {
    const fx = await startServer((s) => s.register('KVS.List', (n) => new ListReply({ Index: 7, Entries: entries(n as number) }, 'Entries')));
    defer(() => fx.listener.close());
    const { raw, closed, got } = await rawClient(fx.port);
    raw.write(Buffer.concat([requestFrame(1, 'KVS.List', 2_500), requestFrame(2, 'KVS.List', 2_500), requestFrame(3, 'KVS.List', 3)]));
    await waitFor(() => got.filter((m) => 'body' in m).length === 3, 5_000, 'three final responses');
    raw.destroy();
    await closed;
    const seqs = got.map((m) => m['seq']);
    // The two long lists alternate (a turn of the loop between parts), not one after the other.
    expect(seqs.indexOf(2)).toBeLessThan(seqs.lastIndexOf(1));
    for (const seq of [1, 2]) {
      const mine = got.filter((m) => m['seq'] === seq);
      const parts = mine.slice(0, -1);
      expect(parts.every((m) => Object.keys(m).sort().join() === 'part,seq')).toBe(true);
      expect(parts.every((m) => (m['part'] as unknown[]).length <= listPartItems)).toBe(true);
      expect(parts.flatMap((m) => m['part'] as unknown[])).toEqual(entries(2_500));
      expect(mine.at(-1)).toEqual({ seq, body: { Index: 7, Entries: [] }, listAt: 'Entries' });
    }
    expect(got.filter((m) => m['seq'] === 3)).toEqual([{ seq: 3, body: { Index: 7, Entries: entries(3) } }]);
  });

  it('brings back a list larger than a frame (70 items of 1 MiB)', async () => {
    const blobs = Array.from({ length: 70 }, (_, i) => blob(MiB, i));
    const fx = await setup((s) => s.register('KVS.Big', () => new ListReply({ Values: blobs, Count: blobs.length }, 'Values')));
    const reply = await fx.client.call<{ Values: unknown; Count: number }>(fx.address, 'KVS.Big', {}, long);
    expect(reply.Count).toBe(70);
    expect(sameBlobs(reply.Values, blobs)).toBe(true);
    expect(fx.server.stats().listParts).toBeGreaterThan(1);
    expect(fx.client.stats().connections).toBe(1);
  });

  it('cuts a part over the frame bound until it fits (small items, then large ones)', async () => {
    // The parts grow over the 2,000 small items to listPartItems, and the next one meets 100 KiB
    // items: 1,000 of them are about 100 MB, over the bound.
    const small = Array.from({ length: 2_000 }, (_, i) => blob(4, i));
    const large = Array.from({ length: 1_000 }, (_, i) => blob(100 * 1024, i));
    const list = [...small, ...large];
    const fx = await setup((s) => s.register('KVS.Mixed', () => new ListReply({ Values: list }, 'Values')));
    const reply = await fx.client.call<{ Values: unknown }>(fx.address, 'KVS.Mixed', {}, long);
    expect(sameBlobs(reply.Values, list)).toBe(true);
    expect(fx.log.lines().filter((l) => l.includes('RPC error'))).toEqual([]);
  });

  it('answers a list with one item over the frame bound with the "exceeds the limit" error, keeping the connection', async () => {
    const fx = await setup((s) => {
      s.register('KVS.Long', () => new ListReply({ Values: [...Array.from({ length: 1_500 }, (_, i) => blob(8, i)), blob(frameBytesMax + 1, 0), blob(8, 0)] }, 'Values'));
      s.register('KVS.Short', () => new ListReply({ Values: [blob(8, 0), blob(frameBytesMax + 1, 0), blob(8, 1)] }, 'Values'));
      s.register('KVS.List', (n) => new ListReply({ Entries: entries(n as number) }, 'Entries'));
    });
    for (const method of ['KVS.Long', 'KVS.Short']) {
      const err = await rejection(fx.client.call(fx.address, method, {}, long));
      expect(err, method).toMatchObject({ code: 'ERR_INTERNAL' });
      expect(err.message).toMatch(/^rpc: reply of \d+ bytes exceeds the limit of 67108864 bytes$/);
    }
    expect(await fx.client.call(fx.address, 'KVS.List', 3_000, long)).toEqual({ Entries: entries(3_000) });
    expect(fx.client.stats()).toMatchObject({ connections: 1, dials: 1, inFlight: 0 });
  });

  it("answers a list with an item that cannot be encoded with an error, and a bad ListReply as the handler's error", async () => {
    const fx = await setup((s) => {
      s.register('KVS.Bad', () => new ListReply({ Values: [...entries(2_000), () => 1] }, 'Values'));
      s.register('KVS.NotAList', () => new ListReply({ Values: 'x' } as unknown as { Values: unknown[] }, 'Values'));
    });
    const bad = await rejection(fx.client.call(fx.address, 'KVS.Bad', {}, long));
    expect(bad).toMatchObject({ code: 'ERR_INTERNAL' });
    expect(bad.message).toMatch(/^rpc: cannot encode reply: /);
    const notAList = await rejection(fx.client.call(fx.address, 'KVS.NotAList', {}, long));
    expect(notAList.message).toMatch(/ListReply: field Values is not an array/);
    expect(fx.client.stats()).toMatchObject({ connections: 1, inFlight: 0 });
  });

  it("stops sending parts when the caller's signal aborts, and the connection carries on", async () => {
    const total = 500_000;
    const ac = new AbortController();
    // The server encodes item 5,000 in its tenth part (16, 32, ... items): the caller gives up right then.
    const list: unknown[] = Array.from({ length: total }, (_, i) => i);
    list[5_000] = {
      get x() {
        ac.abort();
        return 1;
      },
    };
    const fx = await setup((s) => {
      s.register('KVS.List', () => new ListReply({ Values: list }, 'Values'));
      s.register('Status.Ping', () => 'pong');
    });
    const err = await within(rejection(fx.client.call(fx.address, 'KVS.List', {}, { timeoutMs: 60_000, signal: ac.signal })), 5_000);
    expect(err).toMatchObject({ kind: 'aborted', sent: true });
    await waitFor(() => fx.server.stats().inFlight === 0 && fx.client.stats().inFlight === 0, 5_000, 'the cancel to stop the parts');
    expect(fx.server.stats().listParts).toBeGreaterThan(1);
    expect(fx.server.stats().listParts).toBeLessThan(total / listPartItems);
    expect(await fx.client.call(fx.address, 'Status.Ping', {}, long)).toBe('pong');
    expect(fx.client.stats()).toMatchObject({ connections: 1, dials: 1 });
  });

  it('sends no part of a list returned after the caller gave up, only the final error', async () => {
    let release: (() => void) | undefined;
    const fx = await setup((s) => {
      s.register('KVS.Slow', async (_b, ctx) => {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => (release = resolve)));
        return new ListReply({ Entries: entries(3_000) }, 'Entries');
      });
      s.register('Status.Ping', () => 'pong');
    });
    const err = await rejection(fx.client.call(fx.address, 'KVS.Slow', {}, { timeoutMs: 50 }));
    expect(err).toMatchObject({ kind: 'timeout', sent: true });
    await waitFor(() => release !== undefined, 5_000, 'the cancel at the handler');
    expect(fx.client.stats().inFlight).toBe(1); // the server still owes the reply
    release!();
    await waitFor(() => fx.client.stats().inFlight === 0 && fx.server.stats().inFlight === 0, 5_000, 'the final response');
    expect(fx.server.stats().listParts).toBe(0);
    expect(await fx.client.call(fx.address, 'Status.Ping', {}, long)).toBe('pong');
  });

  it('keeps the event loop turning while a long list goes (200,000 items)', async () => {
    const list = entries(200_000);
    const fx = await setup((s) => s.register('KVS.List', () => new ListReply({ Entries: list }, 'Entries')));
    await fx.client.call(fx.address, 'KVS.List', {}, long); // warm up (JIT), then measure
    const loop = watchLoop();
    const reply = await fx.client.call<{ Entries: unknown[] }>(fx.address, 'KVS.List', {}, long);
    const { turns } = loop.stop();
    expect(reply.Entries).toHaveLength(200_000);
    expect(reply.Entries[199_999]).toEqual(list[199_999]);
    // The loop turned between the parts (at least once a part). Not asserted, as it is timing:
    // sent as one frame (19 MB) the longest step was about 270 ms (encoding it); in parts, about 10.
    expect(turns).toBeGreaterThan(200_000 / listPartItems);
  });

  it('waits for a slow reader instead of buffering the whole list', async () => {
    const blobs = Array.from({ length: 2_000 }, (_, i) => blob(32 * 1024, i)); // 64 MiB
    const fx = await startServer((s) => s.register('KVS.Big', () => new ListReply({ Values: blobs }, 'Values')));
    defer(() => fx.listener.close());
    const { raw, closed, got } = await rawClient(fx.port);
    raw.pause();
    raw.write(requestFrame(1, 'KVS.Big', {}));
    await waitFor(() => fx.server.stats().listDrainWaits > 0, 10_000, 'the server to wait for the reader');
    const sent = fx.server.stats().listParts;
    expect(sent).toBeLessThan(40); // about 1 MiB each: the socket's buffers hold a few dozen MiB at most
    raw.resume();
    await waitFor(() => got.some((m) => 'body' in m), 20_000, 'the final response');
    expect(got.at(-1)).toEqual({ seq: 1, body: { Values: [] }, listAt: 'Values' });
    expect(sameBlobs(got.slice(0, -1).flatMap((m) => m['part'] as unknown[]), blobs)).toBe(true);
    expect(fx.server.stats().connections).toBe(1);
    raw.destroy();
    await closed;
  });
});

describe('RPC list replies: protocol', () => {
  const { defer } = leakChecked();

  it('parses parts and final responses, and refuses malformed ones', () => {
    const parse = (m: unknown) => parseResponse(encode(m));
    expect(parse({ seq: 1, part: [1, 'a'] })).toEqual({ seq: 1, part: [1, 'a'] });
    expect(parse({ seq: 1, part: [] })).toEqual({ seq: 1, part: [] });
    expect(parse({ seq: 1, body: { a: 1 }, listAt: 'b' })).toEqual({ seq: 1, body: { a: 1 }, listAt: 'b' });
    const bad: unknown[] = [
      { seq: 1, part: 'x' },
      { seq: 1, part: null },
      { seq: 1, part: { 0: 1 } },
      { seq: 1, part: [1], body: 1 },
      { seq: 1, part: [1], listAt: 'a' },
      { seq: 1, part: [1], error: { code: 'ERR_X', message: 'x' } },
      { seq: 1, body: { a: 1 }, listAt: 5 },
      { seq: 1, body: 5, listAt: 'a' },
      { seq: 1, body: [1], listAt: 'a' },
      { seq: 1, body: Uint8Array.of(1), listAt: 'a' },
      { seq: 1, listAt: 'a' },
      { seq: 1, error: { code: 'ERR_X', message: 'x' }, listAt: 'a' },
    ];
    for (const m of bad) expect(() => parse(m), JSON.stringify(m)).toThrow(ProtocolError);
  });

  it('breaks the connection on a part for a seq not in flight, or listAt with a body that is not a map', async () => {
    const cases: [unknown[], RegExp][] = [
      [[{ seq: 999, part: [1] }], /list part for seq 999, which is not in flight/],
      [[{ seq: 1, part: [1] }, { seq: 1, body: 5, listAt: 'Entries' }], /body is not a map/],
      [[{ seq: 1, part: 'x' }], /list part that is not a list/],
      [[{ seq: 1, body: {}, listAt: 'Entries' }, { seq: 1, part: [1] }], /list part for seq 1, which is not in flight/],
    ];
    for (const [replies, text] of cases) {
      const fake = await rawServer((s) => s.once('data', () => s.write(Buffer.concat(replies.map((m) => frameOf(encode(m)))))));
      const { client } = newClient();
      const address = `${host}:${fake.port}`;
      // Two calls, seq 1 and 2; the second is never answered, so it fails with the connection.
      const [first, second] = [1, 2].map(() => client.call(address, 'KVS.List', {}, long));
      const err = await within(rejection(second!), 2_000);
      await first!.catch(() => undefined);
      expect(err).toMatchObject({ kind: 'broken', address });
      expect(err.message).toMatch(text);
      expect(err.message).toMatch(/^rpc error making call: protocol error: /);
      await client.close();
      await fake.close();
    }
  });

  it('puts the parts a server sends into the body, in order, under any field name', async () => {
    const replies = [
      { seq: 1, part: [1, 2] },
      { seq: 1, part: [] },
      { seq: 1, part: [3] },
      { seq: 1, body: { Index: 5, Items: [], Last: true }, listAt: 'Items' },
      { seq: 2, body: { a: 1 }, listAt: '__proto__' },
      { seq: 3, body: { b: 2 }, listAt: 'Items' },
      { seq: 4, part: [1] },
      { seq: 4, error: { code: 'ERR_NOT_FOUND', message: 'gone' } },
    ];
    // The four calls are in flight from the connect on: the replies may come at the first bytes.
    const fake = await rawServer((s) => s.once('data', () => s.write(Buffer.concat(replies.map((m) => frameOf(encode(m)))))));
    defer(() => fake.close());
    const { client } = newClient();
    defer(() => client.close());
    const address = `${host}:${fake.port}`;
    const [a, b, c, d] = [1, 2, 3, 4].map(() => client.call(address, 'KVS.List', {}, long));
    const ra = (await a) as Record<string, unknown>;
    expect(ra).toEqual({ Index: 5, Items: [1, 2, 3], Last: true });
    expect(Object.keys(ra)).toEqual(['Index', 'Items', 'Last']);
    const rb = (await b) as Record<string, unknown>;
    expect(Object.getPrototypeOf(rb)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(rb, '__proto__')?.value).toEqual([]);
    expect(await c).toEqual({ b: 2, Items: [] });
    expect(await rejection(d!)).toMatchObject({ code: 'ERR_NOT_FOUND', message: 'gone' });
    expect(client.stats()).toMatchObject({ connections: 1, inFlight: 0 });
  });

  it('lets the event loop turn while it decodes parts that arrive all at once', async () => {
    // A server in another process writes 40 parts of 1,000 entries (4 MB) at once: they pile up
    // in the kernel faster than they are decoded, and libuv reads up to 32 chunks of 64 KiB per
    // wakeup, twenty parts, which the client must not decode all in one turn of the loop.
    const parts = Array.from({ length: 40 }, (_, k) => ({ seq: 1, part: entries(1_000, k * 1_000) }));
    const reply = Buffer.concat([...parts, { seq: 1, body: { Entries: [] }, listAt: 'Entries' }].map((m) => frameOf(encode(m))));
    const child = spawn(
      process.execPath,
      ['-e', `const chunks = []; process.stdin.on('data', (c) => chunks.push(c)).on('end', () => { const reply = Buffer.concat(chunks);
        require('net').createServer((s) => s.once('data', () => s.write(reply))).listen(0, '${host}', function () { console.log(this.address().port); }); });`],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    child.stdin!.end(reply);
    defer(() => (child.exitCode === null && child.signalCode === null ? child.kill('SIGKILL') : undefined));
    const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const { client } = newClient();
    defer(() => client.close());
    decoding.partMsByTurn.clear();
    const loop = watchLoop();
    const got = await client.call<{ Entries: unknown[] }>(`${host}:${port}`, 'KVS.List', {}, long);
    loop.stop();
    expect(got.Entries).toEqual(entries(40_000));
    // Each part is its own read (they are over 64 KiB), after which the client checks its time:
    // in any turn, the parts before the last one took less than clientDecodeMsPerTurn. (Without
    // the check: up to 25 parts, 58 ms, in one turn.)
    const before = [...decoding.partMsByTurn.values()].map((ms) => ms.slice(0, -1).reduce((a, b) => a + b, 0));
    expect(Math.max(...before)).toBeLessThan(clientDecodeMsPerTurn);
  });

  it('accepts and drops the parts of a call whose caller gave up, until the final response frees its slot', async () => {
    // A server that answers KVS.Slow only once it is cancelled (parts, then a final body), and
    // Status.Ping at once.
    const fake = await rawServer((s) => {
      const decoder = new FrameDecoder();
      let first = true;
      let slowSeq = 0;
      s.on('data', (d: Buffer) => {
        decoder.push(first ? d.subarray(1) : d);
        first = false;
        for (let f = decoder.next(); f !== undefined; f = decoder.next()) {
          const m = decode<{ seq: number; method?: string; cancel?: boolean }>(f);
          if (m.method === 'KVS.Slow') slowSeq = m.seq;
          else if (m.method === 'Status.Ping') s.write(frameOf(encode({ seq: m.seq, body: 'pong' })));
          else if (m.cancel && m.seq === slowSeq) {
            const frames = [{ seq: m.seq, part: [1, 2] }, { seq: m.seq, part: [3] }, { seq: m.seq, body: { Items: [] }, listAt: 'Items' }];
            s.write(Buffer.concat(frames.map((x) => frameOf(encode(x)))));
          }
        }
      });
    });
    defer(() => fake.close());
    const { client } = newClient();
    defer(() => client.close());
    const address = `${host}:${fake.port}`;
    expect(await client.call(address, 'Status.Ping', {}, long)).toBe('pong');
    expect(await rejection(client.call(address, 'KVS.Slow', {}, { timeoutMs: 30 }))).toMatchObject({ kind: 'timeout', sent: true });
    await waitFor(() => client.stats().inFlight === 0, 2_000, 'the final response');
    expect(await client.call(address, 'Status.Ping', {}, long)).toBe('pong');
    expect(client.stats()).toMatchObject({ connections: 1, dials: 1 });
  });
});
