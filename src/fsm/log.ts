/**
 * The log every write goes through. Raft implements this interface for servers of a cluster;
 * `-dev` uses InMemoryLog, which commits each entry at once. Either way what the FSM sees is
 * exactly what survives the wire and the disk: Raft decodes the replicated entry; InMemoryLog
 * encodes and decodes the command, except a KV command (the hot write), which it copies into
 * the very shape decoding gives (`asDecoded`, held equal to the round trip by a property test).
 */
import { decode, encode } from '../lib/index.js';
import type { Command, CommandResults, KVSCommand } from './commands.js';
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
    const copy = command.type === 'kvs' ? (asDecoded(command) as C) : decode<C>(encode(command));
    return this.fsm.apply(++this.index, copy);
  }
}

/**
 * What `decode(encode(c))` gives for a KV command, without the codec (a fifth of a `-dev` PUT's
 * time went to it): strings, numbers and the bigint flags are immutable and come back equal; the
 * value comes back as a plain Uint8Array of its own (never the caller's buffer, which may be a
 * view into a larger one).
 */
export function asDecoded(c: KVSCommand): KVSCommand {
  return {
    type: c.type,
    op: c.op,
    key: c.key,
    value: c.value === null ? null : new Uint8Array(c.value),
    flags: c.flags,
    index: c.index,
    session: c.session,
  };
}
