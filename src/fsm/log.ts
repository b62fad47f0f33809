/**
 * The log every write goes through. Raft implements this interface for servers of a cluster;
 * `-dev` uses InMemoryLog, which commits each entry at once. Either way the entry is encoded
 * as it would be replicated and decoded before it is applied, so what the FSM sees is exactly
 * what survives the wire and the disk.
 */
import { decode, encode } from '../lib/index.js';
import type { Command, CommandResults } from './commands.js';
import type { Fsm } from './fsm.js';

export interface CommandLog {
  /** Appends `command`, waits until it is committed and applied, returns the FSM's result. */
  apply<C extends Command>(command: C): Promise<CommandResults[C['type']]>;
  /** Index of the last applied entry. */
  readonly lastIndex: number;
}

export class InMemoryLog implements CommandLog {
  private index: number;

  constructor(
    private readonly fsm: Fsm,
    startIndex = 0,
  ) {
    this.index = startIndex;
  }

  get lastIndex(): number {
    return this.index;
  }

  async apply<C extends Command>(command: C): Promise<CommandResults[C['type']]> {
    return this.applySync(command);
  }

  /** The same, synchronously: entries commit at once in a single in-memory server. */
  applySync<C extends Command>(command: C): CommandResults[C['type']] {
    const entry = encode(command);
    const index = ++this.index;
    return this.fsm.apply(index, decode<C>(entry));
  }
}
