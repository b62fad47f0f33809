/**
 * A server's requests: run here when it leads or the read may be stale, else forwarded to the
 * leader; with no leader, held for rpc_hold_timeout and then "No cluster leader". Two in-process
 * servers (each its own store) stand for a follower and the leader; the RPC hop is the same
 * `serveLocally` a server runs for a call that arrived.
 */
import { describe, expect, it } from 'vitest';
import { harness, type Harness } from '../http/test-harness.js';
import { MusterError, SeededRng, nullLogger } from '../lib/index.js';
import { LeaderForwarder, noLeaderText } from './forward.js';
import { SoloRaft, type RaftView } from './raft-view.js';
import { serveLocally, type RpcMethod, type WireRequest } from './rpc-methods.js';

interface Setup {
  follower: Harness;
  leader: Harness;
  view: { leading: boolean; leaderAddress: string; barrier?: () => Promise<void> };
  forwarded: string[];
}

function setup(): Setup {
  const leader = harness();
  const forwarded: string[] = [];
  const view: Setup['view'] = { leading: false, leaderAddress: '10.0.0.1:8300' };
  const raft: RaftView = Object.assign(new SoloRaft({ id: 'f', node: 'f', address: '10.0.0.2:8300' }, { lastIndex: 1 }), {
    isLeader: () => view.leading,
    leaderAddress: () => (view.leading ? '10.0.0.2:8300' : view.leaderAddress),
    readBarrier: () => view.barrier?.() ?? Promise.resolve(),
  });
  const follower: Harness = harness({
    raft,
    front: (server) =>
      new LeaderForwarder({
        local: server,
        raft,
        rpc: {
          call: async <T,>(address: string, method: string, body: unknown) => {
            forwarded.push(`${address} ${method}`);
            return (await serveLocally(leader.server, method as RpcMethod, body as WireRequest, undefined)) as T;
          },
        },
        clock: server.deps.clock,
        rng: new SeededRng(3),
        logger: nullLogger,
        holdTimeoutMs: 7_000,
      }),
  });
  return { follower, leader, view, forwarded };
}

/** Runs a request while advancing the follower's manual clock, as time passes for a held call. */
async function held(s: Setup, path: string, method: 'GET' | 'PUT' = 'GET'): Promise<{ statusCode: number; body: string }> {
  const pending = s.follower.request({ method, url: path, payload: method === 'PUT' ? 'x' : undefined });
  let done = false;
  void pending.finally(() => (done = true));
  for (let i = 0; i < 200 && !done; i++) {
    await new Promise((r) => setImmediate(r));
    s.follower.clock.advance(100);
  }
  return pending;
}

describe('a server forwarding to the leader (Consul Server.forward)', () => {
  it('answers default and consistent reads and every write from the leader, ?stale from itself', async () => {
    const s = setup();
    await s.leader.request({ method: 'PUT', url: '/v1/kv/k', payload: 'leader' });
    await s.follower.server.kvApply('dc1', { op: 'set', key: 'k', value: new TextEncoder().encode('mine'), flags: 0n, session: '', index: 0 });
    expect((await s.follower.request('/v1/kv/k?raw')).body).toBe('leader');
    expect((await s.follower.request('/v1/kv/k?raw&consistent')).body).toBe('leader');
    expect((await s.follower.request('/v1/kv/k?raw&stale')).body).toBe('mine');
    expect((await s.follower.request({ method: 'PUT', url: '/v1/kv/w', payload: 'new' })).body).toBe('true');
    expect((await s.leader.request('/v1/kv/w?raw')).body).toBe('new');
    expect((await s.follower.request('/v1/kv/w?raw&stale')).statusCode).toBe(404);
    expect(s.forwarded).toEqual(['10.0.0.1:8300 KVS.Get', '10.0.0.1:8300 KVS.Get', '10.0.0.1:8300 KVS.Apply']);
  });

  it('answers status here, a stale read-only txn here, and sends a writing txn to the leader', async () => {
    const s = setup();
    expect(JSON.parse((await s.follower.request('/v1/status/leader')).body)).toBe('10.0.0.1:8300');
    const read = [{ KV: { Verb: 'get-tree', Key: '' } }];
    expect((await s.follower.request({ method: 'PUT', url: '/v1/txn?stale', payload: JSON.stringify(read) })).statusCode).toBe(200);
    expect(s.forwarded).toEqual([]);
    const write = [{ KV: { Verb: 'set', Key: 't', Value: 'eA==' } }];
    expect((await s.follower.request({ method: 'PUT', url: '/v1/txn?stale', payload: JSON.stringify(write) })).statusCode).toBe(200);
    expect(s.forwarded).toEqual(['10.0.0.1:8300 Txn.Apply']);
    expect((await s.leader.request('/v1/kv/t?raw')).body).toBe('x');
  });

  it('runs everything here while it leads', async () => {
    const s = setup();
    s.view.leading = true;
    expect((await s.follower.request({ method: 'PUT', url: '/v1/kv/k', payload: 'here' })).body).toBe('true');
    expect((await s.follower.request('/v1/kv/k?raw')).body).toBe('here');
    expect(s.forwarded).toEqual([]);
  });

  it('holds a request while no leader is known, then says "No cluster leader" (nothing written)', async () => {
    const s = setup();
    s.view.leaderAddress = '';
    const r = await held(s, '/v1/kv/k', 'PUT');
    expect([r.statusCode, r.body]).toEqual([500, noLeaderText]);
    expect(s.forwarded).toEqual([]);
    expect((await s.follower.request('/v1/kv/k?stale')).statusCode).toBe(404);
  });

  it('goes on once a leader is elected within the hold', async () => {
    const s = setup();
    s.view.leaderAddress = '';
    const pending = s.follower.request({ method: 'PUT', url: '/v1/kv/k', payload: 'late' });
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      s.follower.clock.advance(500);
    }
    s.view.leaderAddress = '10.0.0.9:8300';
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setImmediate(r));
      s.follower.clock.advance(500);
    }
    expect((await pending).body).toBe('true');
    expect(s.forwarded).toEqual(['10.0.0.9:8300 KVS.Apply']);
  });

  it('forwards a read that this server can no longer answer as leader (lost lease), once the new leader is known', async () => {
    const s = setup();
    s.view.leading = true;
    s.view.barrier = async () => {
      s.view.leading = false; // stepped down: the next try forwards
      throw new MusterError('ERR_NO_LEADER', 'node is not the leader');
    };
    await s.leader.request({ method: 'PUT', url: '/v1/kv/k', payload: 'leader' });
    const r = await held(s, '/v1/kv/k?raw');
    expect(r.body).toBe('leader');
    expect(s.forwarded).toEqual(['10.0.0.1:8300 KVS.Get']);
  });
});
