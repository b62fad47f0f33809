/**
 * Test support: runs a schedule of faults and client actions on a TestNetwork, then heals
 * everything and checks that the cluster converges (a leader, a last proposal applied by all,
 * equal applied sequences, nothing ever applied lost, matching logs). The property test feeds
 * it random schedules; a failing one replays here exactly. Pure.
 */
import { assert } from '../lib/index.js';
import { TestNetwork, textOf } from './test-network.js';
import type { NetworkOptions } from './test-network.js';
import type { Entry } from './types.js';

/** `node`: 0-4 a server (modulo the size), 5-9 the current leader if there is one. */
export type Action =
  | { kind: 'tick'; node: number; n: number }
  | { kind: 'tickAll'; n: number }
  | { kind: 'step'; n: number }
  | { kind: 'deliver'; n: number }
  | { kind: 'drop' }
  | { kind: 'dup' }
  | { kind: 'propose'; node: number }
  | { kind: 'partition'; mask: number }
  | { kind: 'oneWay'; a: number; b: number }
  | { kind: 'heal' }
  | { kind: 'crash'; node: number }
  | { kind: 'restart'; node: number }
  | { kind: 'snapshot'; node: number }
  | { kind: 'transfer'; node: number }
  | { kind: 'read'; node: number; lease: boolean };

export const scheduleNodeOptions: NetworkOptions['node'] = { trailingEntries: 2, maxEntriesPerAppend: 3, maxInflightAppends: 2 };

/** asyncDisk: disk writes complete as separate random events (see NetworkOptions). */
export function runSchedule(size: number, seed: number, actions: readonly Action[], asyncDisk = false): TestNetwork {
  const ids = ['n1', 'n2', 'n3', 'n4', 'n5'].slice(0, size);
  const net = new TestNetwork(ids, { seed, node: scheduleNodeOptions, asyncDisk });
  const pick = (i: number): string => (i >= 5 ? net.leader() : undefined) ?? (ids[i % size] as string);
  let proposals = 0;
  let reads = 0;
  for (const a of actions) {
    const id = 'node' in a ? pick(a.node) : '';
    const raft = id === '' ? undefined : net.node(id).raft;
    switch (a.kind) {
      case 'tick': net.tick(id, a.n); break;
      case 'tickAll': net.tickAll(a.n); break;
      case 'step':
        net.tickAll();
        for (let i = 0; i < a.n && net.deliverRandom(); i++) { /* deliver */ }
        break;
      case 'deliver': for (let i = 0; i < a.n && net.deliverRandom(); i++) { /* deliver */ } break;
      case 'drop': net.dropRandom(); break;
      case 'dup': net.duplicateRandom(); break;
      case 'propose': raft?.propose(new TextEncoder().encode(`p${proposals++}`)); break;
      case 'partition': {
        const left = ids.filter((_, i) => (a.mask >> i) & 1);
        net.partition(left, ids.filter((x) => !left.includes(x)));
        break;
      }
      case 'oneWay': if (pick(a.a) !== pick(a.b)) net.cutOneWay(pick(a.a), pick(a.b)); break;
      case 'heal': net.heal(); break;
      case 'crash': net.crash(id); break;
      case 'restart': net.restart(id); break;
      case 'snapshot': if (raft !== undefined) net.snapshot(id); break;
      case 'transfer': raft?.transferLeadership(); break;
      case 'read': if (raft !== undefined) net.read(id, `r${reads++}`, a.lease ? 'lease' : 'quorum'); break;
    }
    if (id !== '') net.processReady(net.node(id));
  }
  converge(net);
  return net;
}

const key = (e: Entry): string => `${e.index}/${e.term}/${e.type}/${textOf(e)}`;

/** Heals, restarts everyone, and checks convergence and the safety properties at the end. */
export function converge(net: TestNetwork, rounds = 400): void {
  const ids = [...net.nodes.keys()];
  net.heal();
  for (const id of ids) net.restart(id);
  let done = false;
  for (let round = 0; round < rounds && !done; round++) {
    net.tickAll();
    net.stabilize();
    const leader = net.leader();
    if (leader === undefined) continue;
    const commit = net.raft(leader).status().commit;
    if (!ids.every((id) => net.raft(id).status().applied === commit)) continue;
    if (net.appliedTexts(leader).includes('final')) done = true;
    else if (round % 20 === 0) net.propose(leader, 'final');
  }
  assert(done, `no convergence after healing: ${describe(net)}`);
  const reference = net.node(ids[0] as string).applied.map(key);
  for (const id of ids) {
    const mine = net.node(id).applied.map(key);
    assert(mine.join() === reference.join(), `${id} applied ${mine.join()} but ${ids[0]} applied ${reference.join()}`);
  }
  for (const [index, e] of net.committed) assert(reference[index - 1] === key(e), `committed entry ${index} lost`);
  for (const a of ids) {
    const ea = new Map(net.node(a).disk.entries.map((e) => [e.index, e]));
    for (const b of ids) {
      for (const e of net.node(b).disk.entries) {
        const other = ea.get(e.index);
        assert(other === undefined || key(other) === key(e), `log matching: ${a} and ${b} differ at ${e.index}`);
      }
    }
  }
}

/** One line per server: role, term, commit, applied, last index, progress. */
export function describe(net: TestNetwork): string {
  const lines: string[] = [];
  for (const n of net.nodes.values()) {
    const st = n.raft?.status();
    if (st === undefined) {
      lines.push(`${n.id}: down`);
      continue;
    }
    const prog = st.progress === undefined ? '' : ' ' + [...st.progress].map(([id, p]) => `${id}:${p.state}/${p.match}/${p.next}`).join(' ');
    lines.push(`${n.id}: ${st.role} t${st.term} v=${st.vote} lead=${st.leader} commit=${st.commit} applied=${st.applied} ` +
      `first=${st.firstIndex} last=${st.lastIndex} cfg=${st.configurationIndex}${prog}`);
  }
  return lines.join('\n');
}
