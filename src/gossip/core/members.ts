/**
 * The member table and its state changes (memberlist state.go: aliveNode, suspectNode,
 * deadNode, refute, mergeState). Incarnations order what each member says about itself: a
 * message about an older incarnation changes nothing, a suspicion or death of this member
 * about its current incarnation (or a later one) is refuted by gossiping a higher incarnation.
 * Suspicion turns into death when its Lifeguard timer runs out (suspicion.ts). Every change
 * that others must learn is handed to `broadcast`, keyed by the member's name (so a newer
 * message about it replaces an older one in the broadcast queue).
 */
import { sameBytes, type Clock, type Logger, type Rng } from '../../lib/index.js';
import type { Awareness } from './awareness.js';
import { suspicionBounds, type SwimTiming } from './config.js';
import type { Address, Message, PushPullMember, SnapshotState } from './messages.js';
import { Suspicion } from './suspicion.js';

export type MemberState = SnapshotState;

export interface Member {
  readonly name: string;
  address: Address;
  meta: Uint8Array;
  /** Protocol versions: pMin, pMax, pCur, dMin, dMax, dCur. */
  vsn: number[];
  incarnation: number;
  state: MemberState;
  stateChangeMs: number;
}

export type AliveMessage = Extract<Message, { type: 'alive' }>;
export type SuspectMessage = Extract<Message, { type: 'suspect' }>;
export type DeadMessage = Extract<Message, { type: 'dead' }>;

export interface MemberEvents {
  join(m: Member): void;
  leave(m: Member): void;
  update(m: Member): void;
  /** Another member claims a name we know at another address (memberlist's NotifyConflict). */
  conflict?(known: Member, other: AliveMessage): void;
}

export interface MembersDeps {
  clock: Clock;
  rng: Rng;
  timing: SwimTiming;
  selfName: string;
  awareness: Awareness;
  /** Queue a message for gossip; `name` is the member it is about; `sent` runs once it is out. */
  broadcast(name: string, message: Message, sent?: () => void): void;
  events?: MemberEvents;
  logger?: Logger;
  /** A dead member may rejoin from another address after this long (0: never; a left one always may). */
  deadNodeReclaimMs?: number;
}

/** What push/pull exchanges about each member. */
export type MemberSnapshot = PushPullMember;

export class Members {
  private readonly byName = new Map<string, Member>();
  /** Probe order: new members go to a random place, so probes spread evenly. */
  readonly order: Member[] = [];
  private readonly suspicions = new Map<string, Suspicion>();
  private ownIncarnation = 0;
  /** Set when this member leaves: its own death is then not refuted. */
  leaving = false;

  constructor(private readonly deps: MembersDeps) {}

  get(name: string): Member | undefined {
    return this.byName.get(name);
  }

  get size(): number {
    return this.byName.size;
  }

  all(): Member[] {
    return [...this.byName.values()];
  }

  snapshot(): MemberSnapshot[] {
    return this.all().map((m) => ({ name: m.name, address: m.address, meta: m.meta, vsn: m.vsn, incarnation: m.incarnation, state: m.state }));
  }

  nextIncarnation(): number {
    return ++this.ownIncarnation;
  }

  /**
   * Takes members as they are, without broadcasting or events: a view everyone already agrees
   * on (a simulation's starting point). Members already known are left alone.
   */
  adopt(list: readonly MemberSnapshot[]): void {
    const d = this.deps;
    for (const r of list) {
      if (this.byName.has(r.name)) continue;
      const m: Member = { ...r, stateChangeMs: d.clock.monotonicMs() };
      this.byName.set(r.name, m);
      const n = this.order.length;
      const offset = d.rng.int(n + 1);
      this.order.push(m);
      [this.order[offset], this.order[n]] = [this.order[n]!, this.order[offset]!];
    }
  }

  /** memberlist's aliveNode; `bootstrap` is this member announcing itself at start. */
  alive(a: AliveMessage, bootstrap = false): void {
    const d = this.deps;
    const isSelf = a.node === d.selfName;
    if (this.leaving && isSelf) return;
    if (a.vsn.length >= 3 && (a.vsn[0] === 0 || a.vsn[1] === 0 || a.vsn[0]! > a.vsn[1]!)) return;
    let state = this.byName.get(a.node);
    let reclaimed = false;
    if (!state) {
      state = { name: a.node, address: a.address, meta: a.meta, vsn: a.vsn, incarnation: 0, state: 'dead', stateChangeMs: d.clock.monotonicMs() };
      this.byName.set(a.node, state);
      // Appended, then swapped with a random place (memberlist): O(1), and still a random order.
      const n = this.order.length;
      const offset = d.rng.int(n + 1);
      this.order.push(state);
      [this.order[offset], this.order[n]] = [this.order[n]!, this.order[offset]!];
    } else if (state.address.ip !== a.address.ip || state.address.port !== a.address.port) {
      const reclaimMs = d.deadNodeReclaimMs ?? 0;
      const canReclaim = reclaimMs > 0 && d.clock.monotonicMs() - state.stateChangeMs > reclaimMs;
      if (state.state === 'left' || (state.state === 'dead' && canReclaim)) reclaimed = true;
      else {
        d.events?.conflict?.(state, a);
        return;
      }
    }
    if (a.incarnation <= state.incarnation && !isSelf && !reclaimed) return;
    if (a.incarnation < state.incarnation && isSelf) return;
    this.clearSuspicion(a.node);
    const before = { state: state.state, meta: state.meta };
    if (!bootstrap && isSelf) {
      // Someone else speaks for us: the same news is fine, anything else we correct.
      if (a.incarnation === state.incarnation && sameBytes(a.meta, state.meta) && sameNumbers(a.vsn, state.vsn)) return;
      this.refute(state, a.incarnation);
    } else {
      d.broadcast(a.node, a);
      Object.assign(state, { incarnation: a.incarnation, meta: a.meta, address: a.address, vsn: a.vsn.length > 0 ? a.vsn : state.vsn });
      if (isSelf) this.ownIncarnation = Math.max(this.ownIncarnation, a.incarnation);
      if (state.state !== 'alive') {
        state.state = 'alive';
        state.stateChangeMs = d.clock.monotonicMs();
      }
    }
    if (before.state === 'dead' || before.state === 'left') d.events?.join(state);
    else if (!sameBytes(before.meta, state.meta)) d.events?.update(state);
  }

  /** memberlist's suspectNode. */
  suspect(s: SuspectMessage): void {
    const d = this.deps;
    const state = this.byName.get(s.node);
    if (!state || s.incarnation < state.incarnation) return;
    const running = this.suspicions.get(s.node);
    if (running) {
      if (running.confirm(s.from)) d.broadcast(s.node, s);
      return;
    }
    if (state.state !== 'alive') return;
    if (s.node === d.selfName) {
      this.refute(state, s.incarnation);
      return;
    }
    d.broadcast(s.node, s);
    state.incarnation = s.incarnation;
    state.state = 'suspect';
    const changedMs = d.clock.monotonicMs();
    state.stateChangeMs = changedMs;
    const { minMs, maxMs, confirmationsWanted } = suspicionBounds(d.timing, this.size);
    const suspicion = new Suspicion(d.clock, s.from, confirmationsWanted, minMs, maxMs, (confirmations) => {
      const now = this.byName.get(s.node);
      if (!now || now.state !== 'suspect' || now.stateChangeMs !== changedMs) return;
      d.logger?.info(`memberlist: Marking ${now.name} as failed, suspect timeout reached (${confirmations} peer confirmations)`);
      this.dead({ type: 'dead', incarnation: now.incarnation, node: now.name, from: d.selfName });
    });
    this.suspicions.set(s.node, suspicion);
  }

  /**
   * This member leaves (memberlist's Leave): it announces its own death as the one who says so,
   * which everyone records as left, not failed. `sent` runs once that news has been handed out
   * as often as any broadcast is (or at once when there is nobody to tell).
   */
  leave(sent: () => void): void {
    const d = this.deps;
    const me = this.byName.get(d.selfName);
    this.leaving = true;
    if (!me || this.all().every((m) => m.name === d.selfName || m.state === 'dead' || m.state === 'left')) {
      sent();
      return;
    }
    this.dead({ type: 'dead', incarnation: me.incarnation, node: me.name, from: me.name }, sent);
  }

  /** memberlist's deadNode: `from` naming the member itself means it left. */
  dead(m: DeadMessage, sent?: () => void): void {
    const d = this.deps;
    const state = this.byName.get(m.node);
    if (!state || m.incarnation < state.incarnation) return;
    this.clearSuspicion(m.node);
    if (state.state === 'dead' || state.state === 'left') return;
    if (m.node === d.selfName && !this.leaving) {
      this.refute(state, m.incarnation);
      return;
    }
    d.broadcast(m.node, m, sent);
    state.incarnation = m.incarnation;
    state.state = m.node === m.from ? 'left' : 'dead';
    state.stateChangeMs = d.clock.monotonicMs();
    d.events?.leave(state);
  }

  /**
   * A push/pull peer's view (memberlist's mergeState). Its dead members are only suspected here:
   * we let our own probes and timers decide, rather than take a death on another's word.
   */
  merge(remote: readonly MemberSnapshot[]): void {
    const self = this.deps.selfName;
    for (const r of remote) {
      if (r.state === 'alive') this.alive({ type: 'alive', incarnation: r.incarnation, node: r.name, address: r.address, meta: r.meta, vsn: r.vsn });
      else if (r.state === 'left') this.dead({ type: 'dead', incarnation: r.incarnation, node: r.name, from: r.name });
      else this.suspect({ type: 'suspect', incarnation: r.incarnation, node: r.name, from: self });
    }
  }

  /**
   * After a full probe round (memberlist's resetNodes): members dead or left for longer than
   * `deadForMs` are forgotten, and the probe order is shuffled again.
   */
  resetOrder(deadForMs: number): void {
    const now = this.deps.clock.monotonicMs();
    const keep = this.order.filter((m) => {
      const gone = (m.state === 'dead' || m.state === 'left') && now - m.stateChangeMs > deadForMs && m.name !== this.deps.selfName;
      if (gone) this.byName.delete(m.name);
      return !gone;
    });
    for (let i = keep.length - 1; i > 0; i--) {
      const j = this.deps.rng.int(i + 1);
      [keep[i], keep[j]] = [keep[j]!, keep[i]!];
    }
    this.order.splice(0, this.order.length, ...keep);
  }

  /** Says we are alive with an incarnation above the accused one (memberlist's refute). */
  private refute(me: Member, accused: number): void {
    let inc = this.nextIncarnation();
    if (accused >= inc) inc = this.ownIncarnation = accused + 1;
    me.incarnation = inc;
    this.deps.awareness.applyDelta(1);
    this.deps.broadcast(me.name, { type: 'alive', incarnation: inc, node: me.name, address: me.address, meta: me.meta, vsn: me.vsn });
  }

  private clearSuspicion(name: string): void {
    this.suspicions.get(name)?.cancel();
    this.suspicions.delete(name);
  }

  /** Stops every timer (shutdown). */
  close(): void {
    for (const s of this.suspicions.values()) s.cancel();
    this.suspicions.clear();
  }
}


function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
