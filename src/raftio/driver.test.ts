/**
 * One driver at a time: a single-server cluster, restarts from what is on disk (including the
 * states a crash can leave between two writes), and failures that must stop it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureLogger, MusterError, SeededRng } from '../lib/index.js';
import { encodeConfiguration, type Configuration, type Entry, type SnapshotMeta } from '../raft/index.js';
import { RaftDriver } from './driver.js';
import { HardStateStore, raftPaths, SegmentLog, SnapshotStore } from './storage/index.js';
import { handles } from '../rpc/test-support.js';
import { countingFs } from './storage/test-support.js';
import { fastTiming, MapFsm, realClock, rejection, removeTempDirs, setCommand, tempDir, TestCluster, waitFor } from './test-support.js';
import { RaftTransport } from './transport.js';

let cluster: TestCluster | undefined;
const drivers: RaftDriver[] = [];

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  for (const d of drivers.splice(0)) await d.close();
  await removeTempDirs();
});

const solo: Configuration = { servers: [{ id: 'solo', address: '127.0.0.1:1', suffrage: 'voter' }] };

/** A driver with no listener (a single server sends nothing). */
async function openSolo(dir: string, fsm = new MapFsm(), extra: Partial<ConstructorParameters<typeof RaftDriver>[0]> = {}): Promise<{ d: RaftDriver; log: CaptureLogger }> {
  const log = new CaptureLogger();
  const d = new RaftDriver({
    id: 'solo', dataDir: dir, transport: new RaftTransport({ logger: log.logger }), fsm, logger: log.logger, clock: realClock, rng: new SeededRng(1),
    bootstrap: solo, ...fastTiming, raft: { ...fastTiming.raft, startLease: false }, ...extra,
  });
  drivers.push(d);
  await d.open();
  return { d, log };
}

const leads = (d: RaftDriver): Promise<void> => waitFor(() => d.isLeader, 5_000, 'leadership');

describe('RaftDriver on one server', () => {
  it('bootstraps after open when it has no state (bootstrap_expect), elects itself at once, and never bootstraps twice', async () => {
    const dir = await tempDir();
    const { d } = await openSolo(dir, new MapFsm(), { bootstrap: undefined, raft: { ...fastTiming.raft, electionTicks: 1_000 } });
    expect(d.status().configuration.servers).toEqual([]);
    expect(await d.bootstrap(solo)).toBe(true);
    // The election timeout is 1,000 ticks: only the lone voter's immediate campaign makes it lead this soon.
    await leads(d);
    await d.propose(setCommand('k', 'v'));
    expect(await d.bootstrap(solo)).toBe(false);
    await d.close();
    const again = await openSolo(dir, new MapFsm(), { bootstrap: undefined });
    expect(await again.d.bootstrap(solo)).toBe(false);
    expect(again.d.status().configuration.servers.map((s) => s.id)).toEqual(['solo']);
  });

  it('bootstraps, leads, applies proposals and answers reads', async () => {
    const { d } = await openSolo(await tempDir());
    await leads(d);
    const r = (await d.propose(setCommand('a', '1'))) as { index: number; prev: undefined };
    expect(r.index).toBe(3); // 1: the bootstrap configuration, 2: the leader's no-op
    await d.read('quorum');
    await d.read('lease');
    const st = d.status();
    expect(st).toMatchObject({ role: 'leader', leader: 'solo', appliedIndex: 3, lastContactMs: 0, leaderAddress: '127.0.0.1:1' });
    expect(st.configuration).toEqual(solo);
  });

  it('restarts from its snapshot and the entries after it, and compacts the log below it', async () => {
    const dir = await tempDir();
    const { d } = await openSolo(dir, new MapFsm(), { raft: { ...fastTiming.raft, startLease: false, trailingEntries: 5 } });
    await leads(d);
    for (let i = 0; i < 30; i++) await d.propose(setCommand(`k${i}`, `v${i}`));
    const info = await d.snapshot();
    expect(info?.meta.index).toBe(32);
    expect(d.status().firstIndex).toBe(28); // index - trailingEntries + 1
    expect(await d.snapshot()).toBeUndefined(); // nothing new
    for (let i = 30; i < 40; i++) await d.propose(setCommand(`k${i}`, `v${i}`));
    await d.close();
    const fsm = new MapFsm();
    const { d: again, log } = await openSolo(dir, fsm);
    expect(fsm.restores).toBe(1);
    await waitFor(() => fsm.map.size === 40, 5_000, 'the entries after the snapshot applied again');
    expect(again.status().snapshotIndex).toBe(32);
    expect(log.lines().some((l) => l.includes('restored from snapshot'))).toBe(true);
    expect(log.lines().some((l) => l.includes('not bootstrapping: this server already has state'))).toBe(true);
  });

  it('takes snapshots by itself once the log grew by the threshold', async () => {
    const { d, log } = await openSolo(await tempDir(), new MapFsm(), { snapshotThreshold: 10, snapshotIntervalMs: 20 });
    await leads(d);
    // One proposal at a time (each an fsync): the 20 ms check runs many times meanwhile.
    for (let i = 0; i < 15; i++) await d.propose(setCommand(`k${i}`, 'v'));
    await waitFor(() => d.status().snapshotIndex > 0, 10_000, 'a snapshot');
    // Taken at the applied index once the log held at least 10 entries, not before.
    const started = log.records.filter((r) => r.message === 'starting snapshot up to').map((r) => r.fields.index as number);
    expect(started[0]).toBeGreaterThanOrEqual(9);
    const lines = log.lines();
    for (const text of ['starting snapshot up to', 'snapshot complete up to']) expect(lines.some((l) => l.includes(text)), text).toBe(true);
  });

  it('refuses requests after close, and close is idempotent', async () => {
    const { d } = await openSolo(await tempDir());
    await leads(d);
    // Committed before the close finished, or failed by it: never left hanging.
    const pending = d.propose(setCommand('a', 'b')).then(() => 'applied', (err: unknown) => (err as Error).message);
    await Promise.all([d.close(), d.close()]);
    expect(['applied', 'raft is already shutdown']).toContain(await pending);
    expect((await rejection(d.propose(setCommand('c', 'd')))).message).toBe('raft is already shutdown');
    expect((await rejection(d.read('quorum'))).message).toBe('raft is already shutdown');
  });

  it('stops, failing every caller, when the state machine throws', async () => {
    const fsm = new MapFsm();
    let fatal: Error | undefined;
    const { d, log } = await openSolo(await tempDir(), fsm, { onFatal: (err) => (fatal = err) });
    await leads(d);
    fsm.apply = (e: Entry) => {
      throw new Error(`cannot apply ${e.index}`);
    };
    const err = await rejection(d.propose(setCommand('a', 'b')));
    expect(MusterError.is(err) && err.code).toBe('ERR_INTERNAL');
    expect(err.message).toBe('raft stopped: cannot apply 3');
    expect(fatal?.message).toBe('cannot apply 3');
    expect(log.lines().some((l) => l.includes('raft stopped after a fatal error'))).toBe(true);
    expect((await rejection(d.propose(setCommand('c', 'd')))).message).toBe('raft stopped: cannot apply 3');
  });

  it('stops when the log cannot be synced (no acknowledgement of what is not on disk)', async () => {
    const fs = countingFs();
    let fatal: Error | undefined;
    const { d } = await openSolo(await tempDir(), new MapFsm(), { fs, onFatal: (err) => (fatal = err) });
    await leads(d);
    fs.failDatasync = (path) => path.endsWith('.seg');
    const err = await rejection(d.propose(setCommand('a', 'b')));
    expect(err.message).toMatch(/^raft stopped: .*EIO/);
    expect(fatal).toBeDefined();
    expect(d.isLeader).toBe(false);
  });
});

describe('RaftDriver restarting from what a crash left', () => {
  const cmd = (index: number, term: number, k: string): Entry => ({ index, term, type: 'command', data: setCommand(k, `v${index}`) });

  /** Writes a snapshot of `map` at `meta` and the given log entries and hard state into dir. */
  async function prepare(dir: string, meta: SnapshotMeta, map: [string, string][], entries: Entry[], hs = { term: 0, vote: '', commit: 0 }): Promise<void> {
    const paths = raftPaths(dir);
    const logger = new CaptureLogger().logger;
    const snaps = await SnapshotStore.open({ dir: paths.snapshots, clock: realClock, logger });
    const sink = await snaps.create(meta);
    const fsm = new MapFsm();
    fsm.map = new Map(map);
    for await (const chunk of fsm.snapshot()) await sink.write(chunk);
    await sink.commit();
    const log = await SegmentLog.open({ dir: paths.wal, logger, segmentBytes: 1024 * 1024 });
    log.append(entries);
    await log.sync();
    await log.close();
    const store = await HardStateStore.open({ dir: paths.raft });
    await store.save(hs);
    await store.close();
  }

  const meta = (index: number, term: number): SnapshotMeta => ({ index, term, configuration: solo, configurationIndex: 1 });

  it('starts the log after a newer snapshot whose entry the log contradicts (a crash before the log reset)', async () => {
    const dir = await tempDir();
    // The log holds uncommitted entries of term 1 up to 8; the installed snapshot says index 5 is term 2.
    const entries = [{ index: 1, term: 1, type: 'configuration' as const, data: encodeConfiguration(solo) }, ...[2, 3, 4, 5, 6, 7, 8].map((i) => cmd(i, 1, `old${i}`))];
    await prepare(dir, meta(5, 2), [['snap', 'yes']], entries, { term: 1, vote: 'solo', commit: 1 });
    const fsm = new MapFsm();
    const { d, log } = await openSolo(dir, fsm);
    expect(fsm.restores).toBe(1);
    const st = d.status();
    expect(st.firstIndex).toBe(6);
    expect(st.lastIndex).toBe(5);
    expect(st.term).toBe(2); // the snapshot's term: the hard state's 1 was stale
    expect(st.vote).toBe('');
    expect(log.lines().some((l) => l.includes('the log does not continue the snapshot'))).toBe(true);
    await leads(d);
    await d.propose(setCommand('after', 'x'));
    expect([...fsm.map.keys()].sort()).toEqual(['after', 'snap']);
  });

  it('keeps the log when it continues the snapshot, trailing entries included', async () => {
    const dir = await tempDir();
    const entries = [{ index: 1, term: 1, type: 'configuration' as const, data: encodeConfiguration(solo) }, ...[2, 3, 4, 5, 6, 7].map((i) => cmd(i, 1, `k${i}`))];
    await prepare(dir, meta(4, 1), [['k2', 'v2'], ['k3', 'v3'], ['k4', 'v4']], entries, { term: 1, vote: 'solo', commit: 7 });
    const fsm = new MapFsm();
    const { d } = await openSolo(dir, fsm);
    await waitFor(() => fsm.map.size === 6, 5_000, 'the committed entries after the snapshot');
    // The trailing entries before the snapshot are kept; the only voter may have been elected since (a noop after 7).
    expect(d.status()).toMatchObject({ firstIndex: 1, snapshotIndex: 4 });
    expect(d.status().appliedIndex).toBeGreaterThanOrEqual(7);
  });

  it('refuses to start when entries between the snapshot and the log are missing', async () => {
    const dir = await tempDir();
    const log = await SegmentLog.open({ dir: raftPaths(dir).wal, logger: new CaptureLogger().logger, segmentBytes: 1024 * 1024 });
    await log.reset(10);
    log.append([cmd(10, 1, 'a'), cmd(11, 1, 'b')]);
    await log.sync();
    await log.close();
    await prepare(dir, meta(5, 1), [], []);
    const d = new RaftDriver({
      id: 'solo', dataDir: dir, transport: new RaftTransport({ logger: new CaptureLogger().logger }), fsm: new MapFsm(), logger: new CaptureLogger().logger,
      clock: realClock, rng: new SeededRng(1), ...fastTiming,
    });
    const err = await rejection(d.open());
    expect(err.message).toMatch(/raft log starts at 10, after snapshot 1-5-\d+ \(index 5\): entries are missing/);
  });
});

describe('RaftDriver in a cluster', () => {
  it('adds a server as a non-voter and promotes it once it has the log', async () => {
    cluster = await TestCluster.start(3);
    const leader = await cluster.leader();
    for (let i = 0; i < 5; i++) await leader.driver.propose(setCommand(`k${i}`, 'v'));
    const st = leader.driver.status();
    // Remove a follower, then add it back as a non-voter and promote it.
    const follower = cluster.live.find((n) => n !== leader)!;
    await leader.driver.changeConfiguration({ op: 'remove', id: follower.id });
    expect(leader.driver.status().configuration.servers.map((s) => s.id)).not.toContain(follower.id);
    await leader.driver.changeConfiguration({ op: 'add-nonvoter', id: follower.id, address: `127.0.0.1:${follower.port}` });
    const index = await leader.driver.changeConfiguration({ op: 'promote', id: follower.id });
    expect(index).toBeGreaterThan(st.lastIndex);
    await cluster.applied(index);
    expect(follower.driver.status().configuration.servers.find((s) => s.id === follower.id)?.suffrage).toBe('voter');
    const bad = await rejection(leader.driver.changeConfiguration({ op: 'promote', id: 'nobody' }));
    expect(MusterError.is(bad) && bad.code).toBe('ERR_BAD_REQUEST');
  });

  it('leaves no socket, listener or timer behind once every server is closed', async () => {
    const before = handles();
    cluster = await TestCluster.start(3, { snapshotThreshold: 5, snapshotIntervalMs: 20 });
    const leader = await cluster.leader();
    for (let i = 0; i < 20; i++) await leader.driver.propose(setCommand(`k${i}`, 'v'));
    await cluster.close();
    await waitFor(() => {
      const now = handles();
      return now.sockets <= before.sockets && now.listeners <= before.listeners && now.timers <= before.timers;
    }, 5_000, 'handles to be released');
  });
});
