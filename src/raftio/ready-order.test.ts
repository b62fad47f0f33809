/**
 * The Ready contract's order, observed from outside: every message a driver hands to its
 * transport leaves only once the log entries it may depend on are fdatasynced and the term and
 * vote it carries are durable (RELIABILITY-NOTES §4 items 8–9). An fs facade records what is
 * durable; a spy on the transport checks each message against it as it is sent. Syncs are
 * slowed down so that a message sent too early would be caught.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyHardState, type HardState, type Message } from '../raft/index.js';
import { decodeHardState, hardStateFileName } from './storage/hard-state.js';
import { nodeStorageFs, type FileHandle, type StorageFs } from './storage/fs-facade.js';
import { removeTempDirs, setCommand, TestCluster } from './test-support.js';
import type { RaftTransport } from './transport.js';

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  await removeTempDirs();
});

interface Durability {
  fs: StorageFs;
  /** Log files with bytes written and not yet fdatasynced. */
  dirty: Set<FileHandle>;
  /** The hard state whose file rename is durable (its directory fsynced after it). */
  hardState(): HardState;
}

const nonZero = (buf: Uint8Array): boolean => buf.some((b) => b !== 0);
const slow = (): Promise<void> => new Promise((r) => setTimeout(r, 3 + Math.floor(Math.random() * 10)));

/** Real files, with durability tracked (zero-fill preallocation is not data). */
function durabilityFs(): Durability {
  const dirty = new Set<FileHandle>();
  let renamed: HardState | undefined;
  let durable: HardState = emptyHardState;
  const fs: StorageFs = {
    ...nodeStorageFs,
    open: async (path, flags) => {
      const fh = await nodeStorageFs.open(path, flags);
      if (basename(dirname(path)) !== 'wal') return fh;
      const proxy: FileHandle = new Proxy(fh, {
        get(target, prop) {
          if (prop === 'write') {
            return (buf: Uint8Array, offset = 0, length = buf.length - offset, position?: number) => {
              if (nonZero(buf.subarray(offset, offset + length))) dirty.add(proxy);
              return target.write(buf, offset, length, position);
            };
          }
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      return proxy;
    },
    datasync: async (file, path) => {
      await slow();
      await nodeStorageFs.datasync(file, path);
      dirty.delete(file);
    },
    fsync: async (file, path) => {
      await slow();
      await nodeStorageFs.fsync(file, path);
      dirty.delete(file);
    },
    rename: async (from, to) => {
      const state = basename(to) === hardStateFileName ? decodeHardState(readFileSync(from), from) : undefined;
      await nodeStorageFs.rename(from, to);
      if (state) renamed = state;
    },
    syncDir: async (path) => {
      const candidate = renamed;
      await slow();
      await nodeStorageFs.syncDir(path);
      if (candidate !== undefined && basename(path) === 'raft') durable = candidate;
    },
  };
  return { fs, dirty, hardState: () => durable };
}

interface Checked {
  messages: number;
  votesGranted: number;
  appendsAcked: number;
  failures: string[];
}

/** Wraps `send`: checks each message against what is durable on its sender's disk. */
function spy(d: Durability, checked: Checked): (t: RaftTransport) => void {
  return (t) => {
    const send = t.send.bind(t);
    t.send = (address: string, m: Message) => {
      checked.messages++;
      const hs = d.hardState();
      const fail = (why: string): void => void checked.failures.push(`${m.from} -> ${m.to} ${m.type} term ${m.term}: ${why}`);
      if (d.dirty.size > 0) fail(`${d.dirty.size} log file(s) not synced`);
      // A pre-vote (and a grant of one) carries a future term that nobody stores.
      const future = m.type === 'pre-vote' || (m.type === 'pre-vote-response' && !m.reject);
      if (!future && hs.term < m.term) fail(`stored term is ${hs.term}`);
      if (m.type === 'vote' && (hs.term !== m.term || hs.vote !== m.from)) fail(`stored vote is ${hs.vote || 'none'} in ${hs.term}`);
      if (m.type === 'vote-response' && !m.reject) {
        checked.votesGranted++;
        if (hs.term !== m.term || hs.vote !== m.to) fail(`stored vote is ${hs.vote || 'none'} in ${hs.term}`);
      }
      if (m.type === 'append-response' && !m.reject && m.index > 0) checked.appendsAcked++;
      send(address, m);
    };
  };
}

describe('the Ready order', () => {
  it('sends no message before the entries and the term and vote it depends on are durable', async () => {
    const checked: Checked = { messages: 0, votesGranted: 0, appendsAcked: 0, failures: [] };
    const disks = [durabilityFs(), durabilityFs(), durabilityFs()];
    cluster = await TestCluster.start(3, {}, (i) => ({ overrides: { fs: disks[i]!.fs }, wrap: spy(disks[i]!, checked) }));
    let leader = await cluster.leader();
    await Promise.all(Array.from({ length: 40 }, (_, i) => leader.driver.propose(setCommand(`k${i}`, `v${i}`))));
    // A second election, with votes granted by servers that already have a term and a log.
    await cluster.restart(cluster.nodes.indexOf(leader));
    leader = await cluster.leader();
    await Promise.all(Array.from({ length: 20 }, (_, i) => leader.driver.propose(setCommand(`j${i}`, `w${i}`))));
    expect(checked.failures).toEqual([]);
    expect(checked.votesGranted).toBeGreaterThanOrEqual(2);
    expect(checked.appendsAcked).toBeGreaterThanOrEqual(5);
    // Coverage, not performance: batching decides how many appends carry the 60 proposals; two
    // elections alone send more than 10 messages.
    expect(checked.messages).toBeGreaterThan(10);
  });
});
