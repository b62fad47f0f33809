/**
 * The trace: the last events of a run in a ring buffer, stored as cheap records and formatted
 * only when a failure is reported or a replay prints it. Pure.
 */
import type { Message } from '../../raft/index.js';

export interface TraceRecord {
  t: number;
  node: string;
  what: string;
  msg?: Message;
}

export class Trace {
  // The ring as parallel arrays (no object per event: two events per message add up).
  private readonly times: number[];
  private readonly nodes: string[];
  private readonly whats: string[];
  private readonly msgs: (Message | undefined)[];
  private next = 0;
  private total = 0;
  /** When set, every record is also handed here (the runner's --seed replay streams it). */
  sink: ((line: string) => void) | undefined;

  constructor(readonly capacity: number) {
    this.times = new Array<number>(capacity).fill(0);
    this.nodes = new Array<string>(capacity).fill('');
    this.whats = new Array<string>(capacity).fill('');
    this.msgs = new Array<Message | undefined>(capacity).fill(undefined);
  }

  add(t: number, node: string, what: string, msg?: Message): void {
    const i = this.next;
    this.times[i] = t;
    this.nodes[i] = node;
    this.whats[i] = what;
    this.msgs[i] = msg;
    this.next = (i + 1) % this.capacity;
    this.total++;
    if (this.sink !== undefined) this.sink(formatRecord({ t, node, what, msg }));
  }

  /** The last `n` records (oldest first), formatted. */
  lines(n = this.capacity): string[] {
    const out: string[] = [];
    const count = Math.min(n, this.capacity, this.total);
    for (let k = count; k > 0; k--) {
      const i = (this.next - k + this.capacity) % this.capacity;
      out.push(formatRecord({ t: this.times[i] as number, node: this.nodes[i] as string, what: this.whats[i] as string, msg: this.msgs[i] }));
    }
    return out;
  }
}

export function formatRecord(r: TraceRecord): string {
  const m = r.msg === undefined ? '' : ` ${formatMessage(r.msg)}`;
  return `${r.t.toFixed(2).padStart(9)} ${r.node.padEnd(3)} ${r.what}${m}`;
}

export function formatMessage(m: Message): string {
  const head = `${m.type} ${m.from}>${m.to} t${m.term}`;
  switch (m.type) {
    case 'append': {
      const e = m.entries;
      const ents = e.length === 0 ? '' : ` [${e[0]?.index}..${e[e.length - 1]?.index}]t${e[e.length - 1]?.term}`;
      return `${head} prev=${m.prevIndex}/${m.prevTerm}${ents} c=${m.commit}`;
    }
    case 'append-response':
      return `${head} ${m.reject ? `REJECT ${m.index} hint=${m.hintIndex}/${m.hintTerm}` : `ok ${m.index}`}`;
    case 'heartbeat':
      return `${head} c=${m.commit} seq=${m.seq}`;
    case 'heartbeat-response':
      return `${head} seq=${m.seq}`;
    case 'vote':
    case 'pre-vote':
      return `${head} last=${m.lastIndex}/${m.lastTerm}${m.transfer ? ' transfer' : ''}`;
    case 'vote-response':
    case 'pre-vote-response':
      return `${head} ${m.reject ? 'REJECT' : 'grant'}`;
    case 'install-snapshot':
      return `${head} snap=${m.snapshot.index}/${m.snapshot.term}`;
    case 'timeout-now':
      return head;
  }
}
