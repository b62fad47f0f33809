/**
 * Raft between real server processes on 127.0.0.x (issue 6, "Real processes"): a 3-server
 * cluster formed by bootstrap_expect through -retry-join, writes forwarded by followers and
 * read everywhere; SIGKILL of the leader (a new leader within 3 s at raft_multiplier 1), of a
 * follower, of every server at once, and of two of five; the bootstrap server restarted as a
 * normal server (seeds S1). Writers count every acknowledged write, and every one must be on
 * every server afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkKvHistory } from '../../src/sim/linearizability/index.js';
import { Cluster, destroyClusters, statusLeader, statusPeers, type ServerSlot } from '../helpers/cluster.js';
import { HistoryClients } from '../helpers/kv-history-clients.js';
import { kvGet, kvPut, leaderIndex, missingEverywhere, missingOn, Writers } from '../helpers/kv-writers.js';
import { cut, healAll, partitionSupport } from '../helpers/partition.js';
import { waitFor } from '../helpers/process.js';

afterEach(async () => {
  healAll();
  await destroyClusters();
});

/** issue 6: a new leader within 3 s of the leader's SIGKILL at raft_multiplier 1. */
const failoverMsMax = 3_000;
/*
 * The same at the default raft_multiplier 5 ("within 10 s") is measured by bench/raft-cluster.sh,
 * not asserted here: election timeouts are drawn from [5 s, 10 s), so a correct cluster can
 * take a little over 10 s now and then, and a test must not fail on a draw.
 */

/** Fails with every server's log when `fn` fails. */
async function withLogs<T>(cluster: Cluster, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    (err as Error).message += `\n${cluster.logs()}`;
    throw err;
  }
}

/** Kills the leader and measures until a survivor names another server as leader. */
async function killLeader(cluster: Cluster): Promise<{ old: ServerSlot; next: ServerSlot; failoverMs: number }> {
  const old = await cluster.leader();
  const survivors = cluster.running().filter((s) => s !== old);
  const killedAt = performance.now();
  await cluster.kill(cluster.indexOf(old));
  const next = await waitFor(
    'a survivor naming a new leader',
    async () => {
      for (const s of survivors) {
        const l = cluster.byRpcAddr(await statusLeader(s).catch(() => ''));
        if (l !== undefined && l !== old) return l;
      }
      return undefined;
    },
    20_000,
  );
  return { old, next, failoverMs: performance.now() - killedAt };
}

/**
 * The voters in the Raft configuration `s` reports (addresses, sorted). Until the build serves
 * /v1/operator/raft/configuration (404 in the build these tests were written against), the
 * count comes from the last "configuration changed" line of `s`'s log (IDs, not addresses).
 */
async function voters(s: ServerSlot): Promise<string[]> {
  const r = await kvGet(s, '/v1/operator/raft/configuration');
  if (r.status === 200) {
    const conf = JSON.parse(r.body) as { Servers: Array<{ Address: string; Voter: boolean }> };
    return conf.Servers.filter((x) => x.Voter).map((x) => x.Address).sort();
  }
  if (r.status !== 404) throw new Error(`${s.name} raft configuration: ${r.status} ${r.body}`);
  const changes = [...s.logs().matchAll(/configuration changed: index=\d+ servers=(\S+)/g)];
  const last = changes.at(-1)?.[1] ?? '';
  return last.split(',').filter((x) => x.endsWith(':voter')).sort();
}

async function expectNothingLost(cluster: Cluster, prefix: string, writers: Writers): Promise<void> {
  expect(writers.acked.size).toBeGreaterThan(0);
  // The writes acknowledged so far: writers may still run, and a write acknowledged after the
  // leader's index is read below need not be at that index yet.
  const acked = new Map(writers.acked);
  const missing = await missingEverywhere(cluster, prefix, acked);
  const want = Object.fromEntries(cluster.running().map((s) => [s.name, []]));
  expect(missing, `acknowledged writes missing (${writers.summary()})`).toEqual(want);
}

describe('a Raft cluster of real servers', () => {
  it('forms with bootstrap_expect 3: one leader, 3 peers everywhere, a follower write read on every server', async () => {
    const cluster = await Cluster.start({ size: 3 });
    await withLogs(cluster, async () => {
      const leader = await cluster.leader();
      const want = cluster.servers.map((s) => s.rpcAddr).sort();
      for (const s of cluster.servers) await waitFor(`3 peers on ${s.name}`, async () => (JSON.stringify(await statusPeers(s)) === JSON.stringify(want) ? true : undefined));
      expect(leader.agent!.proc.stderr()).toMatch(/waiting for servers to bootstrap the cluster/);

      const follower = cluster.servers.find((s) => s !== leader)!;
      const put = await kvPut(follower, '/v1/kv/form/color', 'blue');
      expect(put).toMatchObject({ status: 200, body: 'true' });
      const index = await leaderIndex(leader, 'form');
      for (const s of cluster.servers) {
        expect(await missingOn(s, 'form', new Map([['form/color', 'blue']]), index), s.name).toEqual([]);
        const read = await kvGet(s, '/v1/kv/form/color?raw');
        expect(read, s.name).toMatchObject({ status: 200, body: 'blue', knownLeader: 'true' });
        expect((await kvGet(s, '/v1/kv/form/color?stale&raw')).knownLeader, s.name).toBe('true');
      }
    });
  }, 60_000);

  it('saves a snapshot through one follower and restores it through another: every server has the saved state', async () => {
    const cluster = await Cluster.start({ size: 3 });
    await withLogs(cluster, async () => {
      const leader = await cluster.leader();
      const [f1, f2] = cluster.servers.filter((s) => s !== leader);
      expect(await kvPut(f1!, '/v1/kv/snap/k', 'saved')).toMatchObject({ status: 200, body: 'true' });
      const saved = await fetch(f1!.url('/v1/snapshot'));
      expect(saved.status).toBe(200);
      const archive = new Uint8Array(await saved.arrayBuffer());
      expect(await kvPut(f2!, '/v1/kv/snap/k', 'changed')).toMatchObject({ status: 200, body: 'true' });
      expect(await kvPut(f2!, '/v1/kv/snap/later', 'gone after the restore')).toMatchObject({ status: 200, body: 'true' });
      const restored = await fetch(f2!.url('/v1/snapshot'), { method: 'PUT', body: archive });
      expect(restored.status, await restored.text()).toBe(200);
      // Indexes go back to the snapshot's after a restore (as with Consul), so wait for the state itself.
      for (const s of cluster.servers) {
        await waitFor(`the restored state on ${s.name}`, async () => {
          const k = await kvGet(s, '/v1/kv/snap/k?stale&raw');
          const later = await kvGet(s, '/v1/kv/snap/later?stale');
          return k.body === 'saved' && later.status === 404 ? true : undefined;
        });
      }
    });
  }, 60_000);

  it('elects a new leader within 3 s of the leader\'s SIGKILL and loses no acknowledged write', async () => {
    const cluster = await Cluster.start({ size: 3 });
    await withLogs(cluster, async () => {
      await cluster.leader();
      const writers = new Writers(cluster, 'failover', { clients: 4, writesMax: 400, durationMs: 30_000 });
      writers.start();
      await writers.more(40);
      const { old, failoverMs } = await killLeader(cluster);
      await writers.more(40);
      await cluster.startServer(cluster.indexOf(old));
      await writers.more(20);
      await writers.stop();
      console.log(`failover after SIGKILL of the leader: ${Math.round(failoverMs)} ms; ${writers.summary()}`);
      expect(failoverMs).toBeLessThan(failoverMsMax);
      await expectNothingLost(cluster, 'failover', writers);
    });
  }, 60_000);

  it('loses no acknowledged write when a follower is SIGKILLed mid-write, and writes go on', async () => {
    const cluster = await Cluster.start({ size: 3 });
    await withLogs(cluster, async () => {
      const leader = await cluster.leader();
      const writers = new Writers(cluster, 'follower', { clients: 4, writesMax: 300, durationMs: 30_000 });
      writers.start();
      await writers.more(40);
      const victim = cluster.servers.findIndex((s) => s !== leader);
      await cluster.kill(victim);
      await writers.more(60);
      expect((await cluster.leader()).name).toBe(leader.name);
      await expectNothingLost(cluster, 'follower', writers);
      await cluster.startServer(victim);
      await writers.more(20);
      await writers.stop();
      await expectNothingLost(cluster, 'follower', writers);
    });
  }, 60_000);

  it('catches up a follower that missed compacted entries from a snapshot (raft_snapshot_threshold, raft_trailing_logs)', async () => {
    const cluster = await Cluster.start({ size: 3, config: { raft_snapshot_threshold: 40, raft_snapshot_interval: '100ms', raft_trailing_logs: 8 } });
    await withLogs(cluster, async () => {
      const leader = await cluster.leader();
      const writers = new Writers(cluster, 'behind', { clients: 4, writesMax: 400, durationMs: 40_000 });
      writers.start();
      await writers.more(20);
      const victim = cluster.servers.findIndex((s) => s !== leader);
      await cluster.kill(victim);
      const missedFrom = await leaderIndex(leader, 'behind');
      await writers.more(150);
      // The leader's log now starts past what the victim has: only a snapshot can catch it up.
      await waitFor('the leader snapshotting past the stopped follower', async () => {
        const self = JSON.parse((await kvGet(leader, '/v1/agent/self')).body) as { Stats: { raft: { last_snapshot_index: string } } };
        return Number(self.Stats.raft.last_snapshot_index) > missedFrom + 8 ? true : undefined;
      });
      const back = await cluster.startServer(victim);
      await writers.more(20);
      await writers.stop();
      await expectNothingLost(cluster, 'behind', writers);
      expect(back.agent!.proc.stderr()).toMatch(/Installed remote snapshot/);
    });
  }, 90_000);

  it('comes back after every server is SIGKILLed at once, with every acknowledged write', async () => {
    const cluster = await Cluster.start({ size: 3 });
    await withLogs(cluster, async () => {
      await cluster.leader();
      const writers = new Writers(cluster, 'all', { clients: 4, writesMax: 300, durationMs: 30_000 });
      writers.start();
      await writers.more(60);
      await Promise.all(cluster.servers.map((_, i) => cluster.kill(i)));
      const before = writers.acked.size;
      await Promise.all(cluster.servers.map((_, i) => cluster.startServer(i)));
      await cluster.leader();
      await writers.more(20);
      await writers.stop();
      expect(writers.acked.size).toBeGreaterThan(before);
      await expectNothingLost(cluster, 'all', writers);
    });
  }, 60_000);

  it('keeps its data and a leader when the bootstrap server restarts as a normal server (seeds S1)', async () => {
    const cluster = await Cluster.start({ size: 3, bootstrap: 'first' });
    await withLogs(cluster, async () => {
      const want = cluster.servers.map((s) => s.rpcAddr).sort();
      // Joined servers are added as non-voters and promoted after autopilot's 10 s of stability.
      await waitFor('3 voters', async () => ((await voters(cluster.servers[0]!)).length === 3 ? true : undefined), 20_000);
      const writers = new Writers(cluster, 's1', { clients: 2, writesMax: 100, durationMs: 20_000 });
      writers.start();
      await writers.more(30);
      await writers.stop();
      // Ctrl-C, as the article stops it; then the same data dir without -bootstrap.
      await cluster.kill(0, 'SIGINT');
      await cluster.startServer(0, { bootstrap: false });
      expect(cluster.servers[0]!.agent!.proc.stderr()).not.toMatch(/bootstrapping a new cluster/);
      // A leader, and all three in the configuration: if the new leader's autopilot removed the
      // stopped server as failed (Consul 1.8.7 does too: 1 of 3), it is added back on its return.
      await cluster.leader();
      for (const s of cluster.servers) await waitFor(`3 peers on ${s.name}`, async () => (JSON.stringify(await statusPeers(s)) === JSON.stringify(want) ? true : undefined));
      expect(await kvPut(cluster.servers[0]!, '/v1/kv/s1/after', 'restart')).toMatchObject({ status: 200, body: 'true' });
      writers.acked.set('s1/after', 'restart');
      await expectNothingLost(cluster, 's1', writers);
    });
  }, 60_000);

  it('five servers: SIGKILL of the leader and a follower leaves a leader, writes go on, nothing acknowledged is lost', async () => {
    const cluster = await Cluster.start({ size: 5 });
    await withLogs(cluster, async () => {
      const leader = await cluster.leader(30_000);
      const writers = new Writers(cluster, 'five', { clients: 4, writesMax: 300, durationMs: 30_000 });
      writers.start();
      await writers.more(40);
      const follower = cluster.servers.find((s) => s !== leader)!;
      const killedAt = performance.now();
      await Promise.all([cluster.kill(cluster.indexOf(leader)), cluster.kill(cluster.indexOf(follower))]);
      const next = await cluster.leader();
      console.log(`five servers, leader and a follower SIGKILLed: ${next.name} leads after ${Math.round(performance.now() - killedAt)} ms`);
      await writers.more(40);
      await writers.stop();
      await expectNothingLost(cluster, 'five', writers);
    });
  }, 60_000);

  it('cut off the leader: a history of writes, CAS and consistent reads on all three servers is linearizable', async () => {
    // RAFT_IT_PARTITION=sigstop forces the fallback (to test it where iptables works).
    const support = process.env['RAFT_IT_PARTITION'] === 'sigstop' ? { ok: false as const, why: 'RAFT_IT_PARTITION=sigstop' } : partitionSupport();
    // Without iptables here, a paused leader (SIGSTOP) is the classic stale leader.
    if (!support.ok) console.log(`partition by SIGSTOP of the leader, as iptables cannot: ${support.why}`);
    const cluster = await Cluster.start({ size: 3 });
    await withLogs(cluster, async () => {
      const old = await cluster.leader();
      const others = cluster.servers.filter((s) => s !== old);
      const seed = Math.floor(Math.random() * 2 ** 31);
      const clients = new HistoryClients({ seed, keys: ['lin/a', 'lin/b', 'lin/c'], requestTimeoutMs: 2_000, pauseMs: 10 });
      const answered = (n: number) => {
        const target = clients.answered() + n;
        return waitFor(`${n} more answered operations (${clients.summary()})`, () => (clients.answered() >= target ? true : undefined), 15_000);
      };
      clients.start([...cluster.servers, ...cluster.servers]);
      await answered(60);
      if (support.ok) {
        cut(old.host, others.map((o) => o.host));
      } else cluster.signal(cluster.indexOf(old), 'SIGSTOP');
      const cutAt = performance.now();
      const next = await waitFor('a new leader on the majority side', async () => {
        const l = await cluster.leader(2_000, others).catch(() => undefined);
        return l !== undefined && l !== old ? l : undefined;
      });
      const electedMs = performance.now() - cutAt;
      await answered(60);
      if (support.ok) healAll();
      else cluster.signal(cluster.indexOf(old), 'SIGCONT');
      expect((await cluster.leader()).name).toBe(next.name);
      // Cut off, it stepped down by check-quorum; paused, it learns of the new term only once it
      // runs again, so wait for the line rather than expect it at once.
      await waitFor('the old leader to log that it lost leadership', () => (old.agent!.proc.stderr().includes('cluster leadership lost') ? true : undefined), 10_000);
      await answered(40);
      const history = await clients.stop();
      const result = checkKvHistory(history);
      console.log(`partition (${support.ok ? 'iptables' : 'SIGSTOP'}) seed ${seed}: ${next.name} elected ${Math.round(electedMs)} ms after the cut; ${history.length} operations (${clients.summary()}); check: ${result.ok} in ${result.steps} steps`);
      expect(result.ok, result.ok === false ? result.description : `seed ${seed}`).toBe(true);
    });
  }, 60_000);
});
