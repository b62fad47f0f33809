/**
 * Parses a Jepsen cas-register log (porcupine's test_data/jepsen/etcd_NNN.log) the way
 * porcupine's `parseJepsenLog` does: `:invoke` starts an operation of a process; `:ok` (and
 * `:fail` for cas) ends it; `:fail :read :timed-out` ends a read with an unknown output;
 * `:info` lines (timeouts of writes and cas) are ignored, so those operations stay open and
 * are indeterminate. Time is the line number. Pure: the caller reads the file.
 */
import { operationsFromEvents, UNKNOWN, type HistoryEvent, type Operation } from './history.js';
import type { RegisterInput, RegisterOutput } from './models.js';

const PREFIX = String.raw`^INFO\s+jepsen\.util\s+-\s+(\d+)\s+`;
const INVOKE_READ = new RegExp(PREFIX + String.raw`:invoke\s+:read\s+nil$`);
const INVOKE_WRITE = new RegExp(PREFIX + String.raw`:invoke\s+:write\s+(\d+)$`);
const INVOKE_CAS = new RegExp(PREFIX + String.raw`:invoke\s+:cas\s+\[(\d+)\s+(\d+)\]$`);
const RETURN_READ = new RegExp(PREFIX + String.raw`:ok\s+:read\s+(nil|\d+)$`);
const RETURN_WRITE = new RegExp(PREFIX + String.raw`:ok\s+:write\s+(\d+)$`);
const RETURN_CAS = new RegExp(PREFIX + String.raw`:(ok|fail)\s+:cas\s+\[(\d+)\s+(\d+)\]$`);
const TIMEOUT_READ = new RegExp(PREFIX + String.raw`:fail\s+:read\s+:timed-out$`);

type Event = HistoryEvent<RegisterInput, RegisterOutput>;

export function parseJepsenRegisterLog(text: string): Operation<RegisterInput, RegisterOutput>[] {
  const events: Event[] = [];
  const open = new Map<number, number>(); // process -> operation id
  let nextId = 0;
  const call = (proc: number, input: RegisterInput): void => {
    const id = nextId++;
    open.set(proc, id);
    events.push({ kind: 'call', id, clientId: proc, input });
  };
  const ret = (proc: number, output: RegisterOutput | typeof UNKNOWN, lineNo: number): void => {
    const id = open.get(proc);
    if (id === undefined) throw new Error(`jepsen log line ${lineNo}: process ${proc} returns with no open operation`);
    open.delete(proc);
    events.push({ kind: 'return', id, output });
  };
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    const lineNo = i + 1;
    let m: RegExpExecArray | null;
    if ((m = INVOKE_READ.exec(line)) !== null) call(num(m[1]), { kind: 'read' });
    else if ((m = INVOKE_WRITE.exec(line)) !== null) call(num(m[1]), { kind: 'write', value: num(m[2]) });
    else if ((m = INVOKE_CAS.exec(line)) !== null) call(num(m[1]), { kind: 'cas', from: num(m[2]), to: num(m[3]) });
    else if ((m = RETURN_READ.exec(line)) !== null) ret(num(m[1]), m[2] === 'nil' ? null : num(m[2]), lineNo);
    else if ((m = RETURN_WRITE.exec(line)) !== null) ret(num(m[1]), true, lineNo);
    else if ((m = RETURN_CAS.exec(line)) !== null) ret(num(m[1]), m[2] === 'ok', lineNo);
    else if ((m = TIMEOUT_READ.exec(line)) !== null) ret(num(m[1]), UNKNOWN, lineNo);
  });
  return operationsFromEvents(events);
}

function num(s: string | undefined): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new Error(`jepsen log: not an integer: ${s}`);
  return n;
}
