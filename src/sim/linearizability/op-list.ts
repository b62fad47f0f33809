/**
 * The doubly linked lists the WGL search walks. Operations with a known return go into the
 * main list as a call and a return, by time (calls before returns on equal times, so touching
 * operations count as concurrent). Indeterminate ones (return at +Infinity) never block
 * anything, so only their calls go into a second list, by call time.
 */
import type { IndexedOperation } from './wgl.js';

export interface OpNode {
  /** Position in the partition's operations; -1 for a head. */
  readonly op: number;
  /** A call's time; a return's time. */
  readonly time: number;
  /** For a call in the main list, its return; otherwise null. */
  readonly ret: OpNode | null;
  readonly isReturn: boolean;
  prev: OpNode | null;
  next: OpNode | null;
}

export interface OpLists {
  readonly main: OpNode;
  readonly deferred: OpNode;
}

function node(op: number, time: number, ret: OpNode | null, isReturn: boolean): OpNode {
  return { op, time, ret, isReturn, prev: null, next: null };
}

export function buildLists<I, O>(ops: readonly IndexedOperation<I, O>[]): OpLists {
  const events: OpNode[] = [];
  const deferred: OpNode[] = [];
  ops.forEach(({ op }, i) => {
    if (op.ret === Infinity) {
      deferred.push(node(i, op.call, null, false));
      return;
    }
    const ret = node(i, op.ret, null, true);
    events.push(node(i, op.call, ret, false), ret);
  });
  events.sort((a, b) => a.time - b.time || Number(a.isReturn) - Number(b.isReturn) || a.op - b.op);
  deferred.sort((a, b) => a.time - b.time || a.op - b.op);
  return { main: chain(events), deferred: chain(deferred) };
}

function chain(nodes: OpNode[]): OpNode {
  const head = node(-1, -Infinity, null, false);
  let last = head;
  for (const n of nodes) {
    n.prev = last;
    last.next = n;
    last = n;
  }
  return head;
}

/** Takes a call (and its return, if any) out of its list. */
export function lift(call: OpNode): void {
  unlink(call);
  if (call.ret !== null) unlink(call.ret);
}

/** Puts back what `lift` took out; calls must be put back in the reverse order of lifting. */
export function unlift(call: OpNode): void {
  if (call.ret !== null) relink(call.ret);
  relink(call);
}

function unlink(n: OpNode): void {
  (n.prev as OpNode).next = n.next;
  if (n.next !== null) n.next.prev = n.prev;
}

function relink(n: OpNode): void {
  (n.prev as OpNode).next = n;
  if (n.next !== null) n.next.prev = n;
}
