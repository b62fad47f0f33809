/**
 * The membership checkers (thesis §4.1; hashicorp/raft configuration.go), each cheap per event:
 *
 * - config-in-force: after every Ready, the configuration a server's core uses is the latest
 *   configuration entry of its log (appended, not necessarily durable or committed), else its
 *   snapshot's: a configuration is used as soon as it is appended, and a truncation that drops
 *   it brings the one before back. The sim keeps its own record of every log's configuration
 *   entries from the Readies and the disk (ConfigTrack).
 * - config-change: every configuration entry of any log differs from the one before it in that
 *   log by one server (added, removed, suffrage or address changed), and every committed
 *   configuration from the committed one before it (CommittedConfigs).
 * - a leader that a committed configuration removed has stepped down (config-in-force too);
 * - quorum-overlap: when a server becomes leader of term T, no server still leading an older
 *   term T' may be able to commit: every majority of its configuration's voters must hold one
 *   whose durable term is beyond T'. Otherwise two disjoint majorities exist at once.
 * Pure.
 */
import type { Configuration, Entry, RaftNode, SnapshotMeta } from '../../raft/index.js';
import { decodeConfiguration, isVoter, quorumSize, voterIds } from '../../raft/index.js';
import { SimFailure } from './failure.js';

/** One line per configuration: `id:suffrage@address,...` in configuration order. */
export function configKey(c: Configuration): string {
  return c.servers.map((s) => `${s.id}:${s.suffrage === 'voter' ? 'v' : 'n'}@${s.address}`).join(',');
}

/** The servers that are not the same in both (missing from one, or another suffrage or address). */
export function configDiff(a: Configuration, b: Configuration): string[] {
  const out = new Set<string>();
  const same = (x: Configuration, y: Configuration): void => {
    for (const s of x.servers) {
      const t = y.servers.find((o) => o.id === s.id);
      if (t === undefined || t.suffrage !== s.suffrage || t.address !== s.address) out.add(s.id);
    }
  };
  same(a, b);
  same(b, a);
  return [...out].sort();
}

/** `id:v` for voters, `id:n` for non-voters: short, for messages. */
export function describeConfig(c: Configuration): string {
  return `{${c.servers.map((s) => `${s.id}${s.suffrage === 'voter' ? '' : '(n)'}`).join(',')}}`;
}

interface Tracked {
  index: number;
  key: string;
  configuration: Configuration;
}

/** One server's configuration entries, as its Readies and its disk show them (config-in-force). */
export class ConfigTrack {
  private stack: Tracked[] = [];
  private changes = 0;
  private checkedChanges = -1;
  private checkedCore: Configuration | undefined;

  constructor(private readonly node: string) {}

  /** The configuration the log's entries say is in force (empty when there is none). */
  get current(): Configuration {
    return this.stack[this.stack.length - 1]?.configuration ?? { servers: [] };
  }

  /** A start: what is durable (a snapshot, then entries that may begin before it). */
  reset(snapshot: SnapshotMeta | undefined, entries: readonly Entry[]): void {
    this.stack = [];
    this.changes++;
    if (snapshot !== undefined) this.stack.push(tracked(snapshot.configurationIndex, snapshot.configuration));
    const from = snapshot?.configurationIndex ?? 0;
    for (const e of entries) if (e.type === 'configuration' && e.index > from) this.stack.push(tracked(e.index, decodeConfiguration(e.data)));
  }

  /** A Ready's snapshot and entries: the log's configurations as the core must now see them. */
  ready(snapshot: SnapshotMeta | undefined, entries: readonly Entry[]): void {
    if (snapshot !== undefined) this.reset(snapshot, []);
    const first = entries[0];
    if (first === undefined) return;
    while ((this.stack[this.stack.length - 1]?.index ?? 0) >= first.index) {
      this.stack.pop();
      this.changes++;
    }
    for (const e of entries) {
      if (e.type !== 'configuration') continue;
      const next = tracked(e.index, decodeConfiguration(e.data));
      const prev = this.stack[this.stack.length - 1];
      const diff = prev === undefined ? [] : configDiff(prev.configuration, next.configuration);
      if (diff.length > 1) {
        throw new SimFailure('config-change', `${this.node} appended configuration ${e.index}/${e.term} ${describeConfig(next.configuration)}, ` +
          `${diff.length} servers (${diff.join(',')}) away from ${describeConfig((prev as Tracked).configuration)} at ${(prev as Tracked).index}`);
      }
      this.stack.push(next);
      this.changes++;
    }
  }

  /** The core uses the latest configuration of its log (checked only when either side changed). */
  check(raft: RaftNode): void {
    const core = raft.configuration;
    if (core === this.checkedCore && this.changes === this.checkedChanges) return;
    this.checkedCore = core;
    this.checkedChanges = this.changes;
    const want = this.current;
    if (configKey(core) !== configKey(want)) {
      const at = this.stack[this.stack.length - 1]?.index ?? 0;
      throw new SimFailure('config-in-force', `${this.node} uses configuration ${describeConfig(core)} but the latest in its log is ${describeConfig(want)} (entry ${at})`);
    }
  }
}

function tracked(index: number, configuration: Configuration): Tracked {
  return { index, key: configKey(configuration), configuration };
}

/** Every committed configuration, by index: each one server away from its committed neighbours. */
export class CommittedConfigs {
  private readonly byIndex = new Map<number, Configuration>();
  private sorted: number[] = [];

  get count(): number {
    return this.byIndex.size;
  }

  /** The configuration committed at the highest index. */
  latest(): Configuration | undefined {
    const i = this.sorted[this.sorted.length - 1];
    return i === undefined ? undefined : this.byIndex.get(i);
  }

  /** A configuration entry was applied (so committed) at `index`. */
  committed(node: string, index: number, data: Uint8Array): void {
    if (this.byIndex.has(index)) return; // state-machine-safety checks that it is the same entry
    const c = decodeConfiguration(data);
    const pos = this.sorted.findIndex((i) => i > index);
    const at = pos === -1 ? this.sorted.length : pos;
    for (const other of [this.sorted[at - 1], this.sorted[at]]) {
      if (other === undefined) continue;
      const oc = this.byIndex.get(other) as Configuration;
      const diff = configDiff(oc, c);
      if (diff.length > 1) {
        throw new SimFailure('config-change', `${node} applied configuration ${index} ${describeConfig(c)}, but the committed configuration ` +
          `${other} ${describeConfig(oc)} differs by ${diff.length} servers (${diff.join(',')})`);
      }
    }
    this.byIndex.set(index, c);
    this.sorted.splice(at, 0, index);
  }

  /** A snapshot installed or restored: it names the configuration committed at its configurationIndex. */
  snapshot(node: string, meta: SnapshotMeta): void {
    const c = this.byIndex.get(meta.configurationIndex);
    if (c === undefined || configKey(c) === configKey(meta.configuration)) return;
    throw new SimFailure('config-change', `${node} restored snapshot ${meta.index}/${meta.term} naming ${describeConfig(meta.configuration)} ` +
      `at ${meta.configurationIndex}, but ${describeConfig(c)} was committed there`);
  }
}

/** A leader that a committed configuration removed (or demoted) has stepped down (thesis §4.2.2). */
export function checkRemovedLeader(id: string, raft: RaftNode): void {
  const st = raft.status();
  if (st.role === 'leader' && !isVoter(st.configuration, id) && st.configurationIndex <= st.commit) {
    throw new SimFailure('config-in-force', `${id} still leads term ${st.term} after the configuration without it committed at ${st.configurationIndex}`);
  }
}

/** What the overlap check reads of a server. */
export interface ServerView {
  readonly id: string;
  readonly raft: RaftNode | undefined;
}

/**
 * `leader` just became leader of `term`. Every other server still leading an older term must
 * be unable to commit: fewer than a quorum of its configuration's voters may have a durable
 * term at or below its own (the others reject its appends, even after a crash).
 */
export function checkQuorumOverlap(leader: string, term: number, servers: readonly ServerView[], durableTerm: (id: string) => number): void {
  for (const s of servers) {
    const raft = s.raft;
    if (s.id === leader || raft === undefined || raft.term >= term || raft.status().role !== 'leader') continue;
    const voters = voterIds(raft.configuration);
    const behind = voters.filter((v) => durableTerm(v) <= raft.term);
    if (behind.length >= quorumSize(voters.length)) {
      throw new SimFailure('quorum-overlap', `${leader} leads term ${term} while ${s.id}, leader of term ${raft.term} with ` +
        `${describeConfig(raft.configuration)}, can still commit: ${behind.join(',')} (a majority) are at term ${raft.term} or below`);
    }
  }
}
