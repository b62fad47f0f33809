import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/process.js';
import { ManualClock, nullLogger } from '../../lib/index.js';
import { lookupPort, splitHostPort } from './go-net.js';
import { StatusHandler } from './status-handler.js';
import { createTcpRunner } from './tcp.js';
import type { CheckStatus } from './types.js';

const ip = '127.0.0.60';
let listener: Server;
let openPort = 0;
let closedPort = 0;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, ip, () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  listener = createServer((socket) => socket.destroy());
  openPort = await listen(listener);
  const closed = createServer();
  closedPort = await listen(closed);
  await new Promise((r) => closed.close(r));
});
afterAll(() => void listener.close());

function check(tcp: string, timeoutMs = 0) {
  const clock = new ManualClock();
  const updates: Array<[CheckStatus, string]> = [];
  const update = (_id: string, s: CheckStatus, o: string): void => void updates.push([s, o]);
  const deps = { clock, rng: { next: () => 0, int: () => 0 }, logger: nullLogger, update };
  const runner = createTcpRunner({ checkID: 't', tcp, intervalMs: 10_000, timeoutMs, statusHandler: new StatusHandler(update, nullLogger, 0, 0) }, deps);
  runner.start();
  clock.advance(0);
  return {
    clock,
    first: async () => {
      const r = await waitFor('a check result', () => updates[0]);
      runner.stop();
      return r;
    },
  };
}

describe('TCP checks', () => {
  it('passes when the port accepts', async () => {
    expect(await check(`${ip}:${openPort}`).first()).toEqual(['passing', `TCP connect ${ip}:${openPort}: Success`]);
  });

  it('is critical on a closed port, with Go\'s dial error', async () => {
    expect(await check(`${ip}:${closedPort}`).first()).toEqual(['critical', `dial tcp ${ip}:${closedPort}: connect: connection refused`]);
  });

  it.each([
    ['127.0.0.60', 'dial tcp: address 127.0.0.60: missing port in address'],
    ['::1:80', 'dial tcp: address ::1:80: too many colons in address'],
    ['127.0.0.1:99999', 'dial tcp: address 99999: invalid port'],
    ['127.0.0.1:nosuchservicename', 'dial tcp: address tcp/nosuchservicename: unknown port'],
  ])('%s is critical: %s', async (addr, text) => {
    expect(await check(addr).first()).toEqual(['critical', text]);
  });

  it('times out on the injected clock', async () => {
    // the connect completes on a later turn of the event loop; the clock runs out first
    const t = check(`${ip}:${openPort}`, 300);
    t.clock.advance(300);
    expect(await t.first()).toEqual(['critical', `dial tcp ${ip}:${openPort}: i/o timeout`]);
  });
});

describe('Go address parsing', () => {
  it('splits like net.SplitHostPort', () => {
    expect(splitHostPort('[::1]:80')).toEqual({ host: '::1', port: '80' });
    expect(splitHostPort(':80')).toEqual({ host: '', port: '80' });
    expect(splitHostPort('[::1]')).toEqual({ error: 'address [::1]: missing port in address' });
    expect(splitHostPort('[::1:80')).toEqual({ error: "address [::1:80: missing ']' in address" });
  });
  it('resolves numeric ports', () => {
    expect(lookupPort('8500')).toEqual({ port: 8500 });
  });
});
