import { describe, expect, it } from 'vitest';
import { CaptureLogger, ManualClock } from '../lib/index.js';
import type { Configuration } from '../raft/index.js';
import type { SerfMember } from '../serf/index.js';
import { ExpectBootstrap } from './bootstrap-expect.js';

const server = (n: number, extra: Record<string, string> = {}): SerfMember => ({
  name: `s${n}`,
  address: { ip: `10.0.0.${n}`, port: 8301 },
  tags: { role: 'consul', dc: 'dc1', id: `id-${n}`, port: '8300', expect: '3', ...extra },
  status: 'alive',
  vsn: [],
});

function setup(peersOf: (address: string) => string[] = () => []) {
  const members: SerfMember[] = [];
  const boots: Configuration[] = [];
  const calls: string[] = [];
  const log = new CaptureLogger();
  const b = new ExpectBootstrap({
    expect: 3,
    datacenter: 'dc1',
    logger: log.logger,
    clock: new ManualClock(0),
    rpc: {
      call: async <T,>(address: string, method: string) => {
        calls.push(`${address} ${method}`);
        return peersOf(address) as T;
      },
    },
    members: () => members,
    hasState: () => boots.length > 0,
    bootstrap: async (c) => {
      boots.push(c);
      return true;
    },
  });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return { b, members, boots, calls, log, settle };
}

describe('bootstrap_expect', () => {
  it('waits (and says so) until the expected servers are known, then bootstraps all of them as voters', async () => {
    const t = setup();
    t.members.push(server(1));
    t.b.check();
    await t.settle();
    expect(t.boots).toEqual([]);
    expect(t.log.lines().join('\n')).toMatch(/waiting for servers to bootstrap the cluster/);
    t.members.push(server(2), server(3), { ...server(4), tags: { role: 'node', dc: 'dc1' } });
    t.b.check();
    await t.settle();
    expect(t.calls.sort()).toEqual(['10.0.0.1:8300 Status.Peers', '10.0.0.2:8300 Status.Peers', '10.0.0.3:8300 Status.Peers']);
    expect(t.boots).toEqual([{ servers: [1, 2, 3].map((n) => ({ id: `id-${n}`, address: `10.0.0.${n}:8300`, suffrage: 'voter' })) }]);
  });

  it('does not lose a join that arrives while a check is running (joins come in bursts)', async () => {
    const t = setup();
    t.members.push(server(1), server(2));
    t.b.check();
    t.members.push(server(3));
    t.b.check();
    await t.settle();
    expect(t.boots).toHaveLength(1);
  });

  it('stands down when a server already has Raft peers, or one expects another number', async () => {
    const existing = setup((address) => (address === '10.0.0.2:8300' ? ['10.0.0.9:8300'] : []));
    existing.members.push(server(1), server(2), server(3));
    existing.b.check();
    await existing.settle();
    expect(existing.boots).toEqual([]);
    expect(existing.log.lines().join('\n')).toMatch(/Existing Raft peers reported by server, disabling bootstrap mode/);

    const conflict = setup();
    conflict.members.push(server(1), server(2, { expect: '5' }), server(3));
    conflict.b.check();
    await conflict.settle();
    expect(conflict.boots).toEqual([]);
    expect(conflict.log.lines().join('\n')).toMatch(/conflicting expect value/);
  });
});
