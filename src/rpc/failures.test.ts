/**
 * What callers see when servers die, restart, stall, or misbehave, and when the pool closes:
 * always a prompt, typed RpcError naming the server; never a hang, a crash or a leak.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decode, encode, MusterError } from '../lib/index.js';
import { canRetry, RpcError } from './errors.js';
import { FrameDecoder, frameOf } from './frame.js';
import { frameBytesMax } from './limits.js';
import { closedOf, host, leakChecked, newClient, rawConnect, rawServer, rejection, requestFrame, startServer, waitFor, within } from './test-support.js';

const long = { timeoutMs: 30_000 };
const never = (): Promise<never> => new Promise(() => {});

describe('RPC failures', () => {
  const { defer } = leakChecked();

  it('fails in-flight calls promptly when the server process is killed', async () => {
    // A server in another process that reads requests and never answers; then SIGKILL.
    const child = spawn(process.execPath, ['-e', `require('net').createServer((s) => s.resume()).listen(0, '${host}', function () { console.log(this.address().port); })`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    defer(() => (child.exitCode === null && child.signalCode === null ? child.kill('SIGKILL') : undefined));
    const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const address = `${host}:${port}`;
    const { client } = newClient();
    defer(() => client.close());
    const calls = [1, 2, 3].map((n) => client.call(address, 'KVS.Get', { n }, { timeoutMs: 60_000 }));
    await waitFor(() => client.stats().inFlight === 3, 5_000, 'three calls sent');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    const errs = await within(Promise.all(calls.map(rejection)), 2_000, 'the failed calls');
    for (const err of errs) {
      expect(err).toBeInstanceOf(RpcError);
      expect(err).toMatchObject({ kind: 'broken', sent: true, address, code: 'ERR_RPC' });
      expect(err.message).toMatch(new RegExp(`^rpc error making call: (EOF \\(server ${address}\\)|read tcp 127\\.0\\.0\\.1:\\d+->${address}: read: connection reset by peer)$`));
      expect(canRetry(err, true)).toBe(true); // a read may go to another server
      expect(canRetry(err, false)).toBe(false); // a write may have been applied
    }
    await exited; // its listening socket is gone too (a dial before that may still connect)
    const refused = await rejection(client.call(address, 'KVS.Get', {}, long));
    expect(refused).toMatchObject({ kind: 'dial', sent: false });
    expect(refused.message).toBe(`rpc error getting client: failed to get conn: dial tcp ${address}: connect: connection refused`);
  });

  it('fails in-flight calls when the listener closes, and reconnects once the server is back on the same port', async () => {
    const first = await startServer((s) => {
      s.register('Status.Ping', () => 'one');
      s.register('Health.Blocking', never);
    });
    const { client } = newClient();
    defer(() => client.close());
    expect(await client.call(first.address, 'Status.Ping', {}, long)).toBe('one');
    const blocked = client.call(first.address, 'Health.Blocking', {}, long);
    await waitFor(() => first.server.stats().inFlight === 1);
    await first.listener.close();
    expect(await within(rejection(blocked), 2_000)).toMatchObject({ kind: 'broken', sent: true, address: first.address });
    expect(await rejection(client.call(first.address, 'Status.Ping', {}, long))).toMatchObject({ kind: 'dial', sent: false });

    const second = await startServer((s) => s.register('Status.Ping', () => 'two'), { port: first.port });
    defer(() => second.listener.close());
    expect(await client.call(second.address, 'Status.Ping', {}, long)).toBe('two');
    expect(client.stats()).toMatchObject({ connections: 1, dials: 3 });
  });

  it('refuses a request over the frame limit without sending it', async () => {
    const fx = await startServer((s) => s.register('KVS.Apply', (b) => (b as Uint8Array).length));
    const { client } = newClient();
    defer(() => fx.listener.close());
    defer(() => client.close());
    const err = await rejection(client.call(fx.address, 'KVS.Apply', new Uint8Array(frameBytesMax), long));
    expect(err).not.toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ code: 'ERR_TOO_LARGE' });
    expect(err.message).toMatch(/^rpc: request for KVS\.Apply of \d+ bytes exceeds the limit of 67108864 bytes$/);
    expect(await client.call(fx.address, 'KVS.Apply', new Uint8Array(1024 * 1024), long)).toBe(1024 * 1024);
  });

  it('answers a reply over the frame limit with an error, keeping the connection', async () => {
    const fx = await startServer((s) => s.register('Catalog.Huge', () => new Uint8Array(frameBytesMax + 1)));
    const { client } = newClient();
    defer(() => fx.listener.close());
    defer(() => client.close());
    const err = await rejection(client.call(fx.address, 'Catalog.Huge', {}, long));
    expect(err).toMatchObject({ code: 'ERR_INTERNAL' });
    expect(err.message).toMatch(/^rpc: reply of \d+ bytes exceeds the limit of 67108864 bytes$/);
    expect(client.stats().connections).toBe(1);
  });

  it('closes a connection whose peer announces an oversized frame, without buffering it', async () => {
    const fx = await startServer((s) => s.register('Status.Ping', () => 'pong'));
    defer(() => fx.listener.close());
    const raw = await rawConnect(fx.port);
    const closed = closedOf(raw);
    raw.write(Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    await within(closed, 2_000, 'the server to close the connection');
    expect(fx.server.stats().protocolErrors).toBe(1);
    expect(fx.log.lines().some((l) => l.startsWith('[WARN] RPC error'))).toBe(true);
  });

  it('breaks the connection when a server sends an oversized or malformed frame', async () => {
    for (const reply of [Buffer.from([0xff, 0xff, 0xff, 0xff]), frameOf(encode({ seq: 999, body: 1 })), frameOf(Uint8Array.of(0xc1))]) {
      const fake = await rawServer((s) => s.once('data', () => s.write(reply)));
      const { client } = newClient();
      const address = `${host}:${fake.port}`;
      const err = await within(rejection(client.call(address, 'KVS.Get', {}, long)), 2_000);
      expect(err).toMatchObject({ kind: 'broken', sent: true, address });
      expect(err.message).toMatch(new RegExp(`^rpc error making call: protocol error: .+ \\(server ${address}\\)$`));
      await client.close();
      await fake.close();
    }
  });

  it('notices a server that stops answering through keepalive pings', async () => {
    const fake = await rawServer((s) => s.resume()); // accepts and reads, never answers
    defer(() => fake.close());
    const { client } = newClient({ keepaliveIntervalMs: 40, keepaliveTimeoutMs: 40 });
    defer(() => client.close());
    const address = `${host}:${fake.port}`;
    const err = await within(rejection(client.call(address, 'Health.Blocking', {}, long)), 2_000);
    expect(err).toMatchObject({ kind: 'broken', sent: true });
    expect(err.message).toBe(`rpc error making call: keepalive timeout (server ${address})`);
  });

  it('keeps a long call alive when the server answers pings', async () => {
    let release: (() => void) | undefined;
    const fx = await startServer((s) => s.register('Health.Blocking', () => new Promise<string>((resolve) => (release = () => resolve('changed')))));
    const { client } = newClient({ keepaliveIntervalMs: 20, keepaliveTimeoutMs: 20 });
    defer(() => fx.listener.close());
    defer(() => client.close());
    const call = client.call(fx.address, 'Health.Blocking', {}, long);
    await waitFor(() => release !== undefined);
    await waitFor(() => fx.server.stats().pings >= 3, 5_000, 'three keepalive rounds');
    release!();
    expect(await call).toBe('changed');
  });

  it('closes an idle connection and dials again on the next call', async () => {
    const fx = await startServer((s) => s.register('Status.Ping', () => 'pong'));
    const { client } = newClient({ idleMs: 30 });
    defer(() => fx.listener.close());
    defer(() => client.close());
    expect(await client.call(fx.address, 'Status.Ping', {}, long)).toBe('pong');
    await waitFor(() => !client.has(fx.address) && fx.listener.stats().open === 0, 2_000, 'the idle close');
    expect(await client.call(fx.address, 'Status.Ping', {}, long)).toBe('pong');
    expect(client.stats().dials).toBe(2);
  });

  it('fails every call on close, then refuses new ones, with no unhandled rejection', async () => {
    const fx = await startServer((s) => s.register('Health.Blocking', never));
    const { client } = newClient();
    defer(() => fx.listener.close());
    const calls = [1, 2, 3].map(() => client.call(fx.address, 'Health.Blocking', {}, long));
    await waitFor(() => fx.server.stats().inFlight === 3);
    const queued = client.call(fx.address, 'Health.Blocking', {}, long);
    const outcomes = Promise.all([...calls, queued].map(rejection));
    await client.close();
    for (const err of await outcomes) expect(err).toMatchObject({ kind: 'shutdown', code: 'ERR_RPC' });
    expect(await rejection(client.call(fx.address, 'Health.Blocking', {}, long))).toMatchObject({ kind: 'shutdown', sent: false });
    await waitFor(() => fx.server.stats().connections === 0 && fx.server.stats().inFlight === 0, 2_000, 'the server to see the close');
  });

  it('fails a call to an unparsable address as a dial error', async () => {
    const { client } = newClient();
    defer(() => client.close());
    const err = await rejection(client.call('127.0.0.1', 'Status.Ping', {}, long));
    expect(err).toMatchObject({ kind: 'dial', sent: false });
    expect(err.message).toBe('rpc error getting client: failed to get conn: dial tcp 127.0.0.1: address 127.0.0.1: missing port in address');
  });

  it('tells callers apart from handlers: canRetry', () => {
    const e = (kind: RpcError['kind'], sent: boolean): RpcError => new RpcError(kind, 'a:1', sent, 'x');
    expect([e('dial', false), e('overloaded', false), e('broken', false)].map((x) => canRetry(x, false))).toEqual([true, true, true]);
    expect([e('timeout', true), e('aborted', false), e('shutdown', false)].map((x) => canRetry(x, true))).toEqual([false, false, false]);
    expect(canRetry(new MusterError('ERR_NO_LEADER', 'No cluster leader'), false)).toBe(true);
    expect(canRetry(new MusterError('ERR_BAD_REQUEST', 'bad'), true)).toBe(false);
  });

  it('sends requests written by hand and answers them (the wire format)', async () => {
    const fx = await startServer((s) => s.register('Echo.Body', (b) => b));
    defer(() => fx.listener.close());
    const raw = await rawConnect(fx.port);
    const closed = closedOf(raw);
    const decoder = new FrameDecoder();
    const got: unknown[] = [];
    raw.on('data', (d: Buffer) => {
      decoder.push(d);
      for (let f = decoder.next(); f !== undefined; f = decoder.next()) got.push(decode(f));
    });
    raw.write(Buffer.concat([Buffer.from([0]), requestFrame(7, 'Echo.Body', 'hi'), frameOf(encode({ seq: 8, ping: true }))]));
    await waitFor(() => got.length === 2, 2_000, 'two replies');
    raw.destroy();
    await closed;
    expect(got).toEqual(expect.arrayContaining([{ seq: 7, body: 'hi' }, { seq: 8 }])); // in any order
  });
});
