/**
 * Preparing a Consul KV history for `consulKvModel`.
 *
 * A PUT answers only `true`: the client never learns the ModifyIndex its write got. But the
 * harness writes a value unique to each write, so a completed read that returned value v at
 * ModifyIndex m says the write of v got m. `learnWriteIndexes` gives every put and cas the
 * index a read saw for its value. A write no read saw keeps an unknown index, and it can
 * never be the target of a successful CAS: a client learns an index only by reading it.
 * Two reads that saw the same value at different indexes cannot both linearize; the model
 * rejects the later one (the write keeps the first index seen).
 */
import { assert } from '../../lib/assert.js';
import { isUnknown, type Operation } from './history.js';
import { consulKvModel, type KvInput, type KvOutput } from './models.js';
import { checkHistory, type CheckOptions, type CheckResult } from './wgl.js';

export type KvOperation = Operation<KvInput, KvOutput>;

/**
 * Returns the history with `writeIndex` set on every put and cas whose value some completed
 * get returned. Throws when two writes to one key carry the same value (the harness must make
 * values unique per write).
 */
export function learnWriteIndexes(history: readonly KvOperation[]): KvOperation[] {
  const writers = new Map<string, number>(); // key + value -> position of the write
  history.forEach((op, i) => {
    if (op.input.kind !== 'put' && op.input.kind !== 'cas') return;
    const id = writeId(op.input.key, op.input.value);
    const other = writers.get(id);
    assert(other === undefined, `kv history: operations ${other} and ${i} both write ${JSON.stringify(op.input.value)} to key ${JSON.stringify(op.input.key)}; values must be unique per write`);
    writers.set(id, i);
  });
  const learned = new Map<string, number>();
  for (const op of history) {
    if (op.input.kind !== 'get' || isUnknown(op.output) || op.output === null || typeof op.output === 'boolean') continue;
    const id = writeId(op.input.key, op.output.value);
    if (!learned.has(id)) learned.set(id, op.output.modifyIndex);
  }
  return history.map((op) => {
    if (op.input.kind !== 'put' && op.input.kind !== 'cas') return op;
    const writeIndex = learned.get(writeId(op.input.key, op.input.value));
    return writeIndex === undefined ? op : { ...op, input: { ...op.input, writeIndex } };
  });
}

/** Learns write indexes, then checks the history key by key against `consulKvModel`. */
export function checkKvHistory(history: readonly KvOperation[], options: CheckOptions = {}): CheckResult<KvInput, KvOutput> {
  return checkHistory(consulKvModel, learnWriteIndexes(history), options);
}

function writeId(key: string, value: string): string {
  return `${key.length}:${key}${value}`;
}
