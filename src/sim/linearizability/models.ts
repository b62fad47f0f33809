/**
 * Two sequential specifications:
 * - `casRegisterModel`: Jepsen's cas-register (read / write / cas(old, new) on one value), as
 *   porcupine's etcd test models it; used against the etcd Jepsen histories.
 * - `consulKvModel`: one Consul KV key (partitioned by key): get, put, cas(index, value), delete,
 *   with ModifyIndex. Writes carry the ModifyIndex learned from reads (see kv-history.ts).
 */
import { isUnknown, type Unknown } from './history.js';
import { combineHash, hashNumber, hashString, type Model } from './model.js';

// ---------------------------------------------------------------------------------------------
// Jepsen cas-register

export type RegisterInput = { readonly kind: 'read' } | { readonly kind: 'write'; readonly value: number } | { readonly kind: 'cas'; readonly from: number; readonly to: number };
/** read: the value (null: never written); write: true; cas: whether it swapped. */
export type RegisterOutput = number | null | boolean;
export type RegisterState = number | null;

const NULL_HASH = 0x6e756c6c; // "null"

export const casRegisterModel: Model<RegisterState, RegisterInput, RegisterOutput> = {
  name: 'cas-register',
  init: () => null,
  step(state, input, output) {
    switch (input.kind) {
      case 'read':
        return isUnknown(output) || output === state ? state : undefined;
      case 'write':
        return input.value;
      case 'cas': {
        const swaps = state === input.from;
        if (isUnknown(output) || output === swaps) return swaps ? input.to : state;
        return undefined;
      }
    }
  },
  equal: (a, b) => a === b,
  hash: (s) => (s === null ? NULL_HASH : hashNumber(s)),
  readOnly: (input) => input.kind === 'read',
  // an indeterminate write or cas is legal anywhere: its output is not checked
  droppable: () => true,
  describeOperation(input, output) {
    const out = isUnknown(output) ? 'unknown' : String(output);
    switch (input.kind) {
      case 'read':
        return `read() -> ${out}`;
      case 'write':
        return `write(${input.value}) -> ${isUnknown(output) ? 'unknown' : 'ok'}`;
      case 'cas':
        return `cas(${input.from}, ${input.to}) -> ${isUnknown(output) ? 'unknown' : output === true ? 'ok' : 'fail'}`;
    }
  },
  describeState: (s) => (s === null ? 'nil (never written)' : String(s)),
};

// ---------------------------------------------------------------------------------------------
// Consul KV, one key

/**
 * `writeIndex` is the ModifyIndex the write got, when some completed read saw its value
 * (`learnWriteIndexes` fills it in); undefined when no read ever saw it.
 */
export type KvInput =
  | { readonly kind: 'get'; readonly key: string }
  | { readonly kind: 'put'; readonly key: string; readonly value: string; readonly writeIndex?: number }
  | { readonly kind: 'cas'; readonly key: string; readonly index: number; readonly value: string; readonly writeIndex?: number }
  | { readonly kind: 'delete'; readonly key: string };

export interface KvEntry {
  readonly value: string;
  readonly modifyIndex: number;
}

/** get: the entry or null (404); put and delete: true; cas: whether it wrote. */
export type KvOutput = KvEntry | null | boolean;

export interface KvState {
  /** null: the key is absent. */
  readonly value: string | null;
  /** The ModifyIndex of the current value; undefined when absent or never read. */
  readonly modifyIndex: number | undefined;
  /**
   * The highest ModifyIndex written to this key so far in this order. ModifyIndex is the Raft
   * index of the write, so a later write must have a higher one.
   */
  readonly highestIndex: number;
  readonly hash: number;
}

export function kvState(value: string | null, modifyIndex: number | undefined, highestIndex: number): KvState {
  const h = combineHash(combineHash(value === null ? NULL_HASH : hashString(value), modifyIndex === undefined ? 0 : hashNumber(modifyIndex)), hashNumber(highestIndex));
  return { value, modifyIndex, highestIndex, hash: h };
}

const KV_ABSENT = kvState(null, undefined, 0);

/** The state after a write of `value` with ModifyIndex `writeIndex` (if known), or undefined if it goes backwards. */
function written(state: KvState, value: string, writeIndex: number | undefined): KvState | undefined {
  if (writeIndex === undefined) return kvState(value, undefined, state.highestIndex);
  if (writeIndex <= state.highestIndex) return undefined;
  return kvState(value, writeIndex, writeIndex);
}

/**
 * Consul's check-and-set (state/kvs.go kvsSetCASTxn): index 0 writes only if the key is absent;
 * otherwise only if the key exists with that ModifyIndex. A value whose index no read saw
 * never matches: a client learns an index only by reading it.
 */
function casMatches(state: KvState, index: number): boolean {
  if (index === 0) return state.value === null;
  return state.value !== null && state.modifyIndex === index;
}

function stepGet(state: KvState, output: KvOutput | Unknown): KvState | undefined {
  if (isUnknown(output)) return state;
  if (output === null) return state.value === null ? state : undefined;
  if (typeof output === 'boolean') return undefined;
  return state.value === output.value && state.modifyIndex === output.modifyIndex ? state : undefined;
}

function stepCas(state: KvState, input: Extract<KvInput, { kind: 'cas' }>, output: KvOutput | Unknown): KvState | undefined {
  const matches = casMatches(state, input.index);
  if (!isUnknown(output) && output !== matches) return undefined;
  return matches ? written(state, input.value, input.writeIndex) : state;
}

export const consulKvModel: Model<KvState, KvInput, KvOutput> = {
  name: 'consul-kv',
  init: () => KV_ABSENT,
  step(state, input, output) {
    switch (input.kind) {
      case 'get':
        return stepGet(state, output);
      case 'put':
        return isUnknown(output) || output === true ? written(state, input.value, input.writeIndex) : undefined;
      case 'cas':
        return stepCas(state, input, output);
      case 'delete':
        if (!isUnknown(output) && output !== true) return undefined;
        return state.value === null ? state : kvState(null, undefined, state.highestIndex);
    }
  },
  equal: (a, b) => a.value === b.value && a.modifyIndex === b.modifyIndex && a.highestIndex === b.highestIndex,
  hash: (s) => s.hash,
  partition: (input) => input.key,
  readOnly: (input) => input.kind === 'get',
  // a write a read saw at a known index happened, and must come before that read; other
  // indeterminate writes are legal last: without a known index there is no ordering to check
  droppable: (input) => input.kind === 'delete' || input.kind === 'get' || input.writeIndex === undefined,
  describeOperation: describeKvOperation,
  describeState(s) {
    if (s.value === null) return s.highestIndex === 0 ? 'absent' : `absent (highest ModifyIndex so far ${s.highestIndex})`;
    const index = s.modifyIndex === undefined ? 'ModifyIndex unknown (no read saw it)' : `ModifyIndex ${s.modifyIndex}`;
    return `${JSON.stringify(s.value)} @ ${index}`;
  },
};

function describeKvOperation(input: KvInput, output: KvOutput | Unknown): string {
  const key = JSON.stringify(input.key);
  let out: string;
  if (isUnknown(output)) out = 'unknown';
  else if (output === null) out = 'not found';
  else if (typeof output === 'boolean') out = String(output);
  else out = `${JSON.stringify(output.value)} @ ModifyIndex ${output.modifyIndex}`;
  switch (input.kind) {
    case 'get':
      return `get(${key}) -> ${out}`;
    case 'put':
      return `put(${key}, ${JSON.stringify(input.value)}) -> ${out}${writeIndexNote(input.writeIndex)}`;
    case 'cas':
      return `cas(${key}, index ${input.index}, ${JSON.stringify(input.value)}) -> ${out}${writeIndexNote(input.writeIndex)}`;
    case 'delete':
      return `delete(${key}) -> ${out}`;
  }
}

function writeIndexNote(writeIndex: number | undefined): string {
  return writeIndex === undefined ? '' : ` [read back at ModifyIndex ${writeIndex}]`;
}
