/**
 * Go regular expressions for `matches`: parsed with Go's syntax and errors
 * (go-regexp-parse.ts) and run by a Thompson NFA, linear in the input like Go's RE2 engine, so
 * a filter cannot make the server backtrack exponentially.
 */
import { GoRegexpError, parseGoRegexp, type ReNode } from './go-regexp-parse.js';
import type { CharTest } from './go-regexp-classes.js';

type Inst =
  | { readonly op: 'char'; readonly test: CharTest }
  | { readonly op: 'split'; x: number; y: number }
  | { readonly op: 'jmp'; x: number }
  | { readonly op: 'assert'; readonly kind: 'bol' | 'eol' | 'bot' | 'eot' | 'wb' | 'nwb' }
  | { readonly op: 'match' }
  | { readonly op: 'fail' };

/** Instructions one compiled expression may take (Go 1.15 has no bound; later Go versions do). */
export const regexpInstructionsMax = 200_000;

export interface GoRegexp {
  /** Whether the pattern matches anywhere in `s` (Go's regexp.Match). */
  test(s: string): boolean;
}

export type CompiledRegexp = { ok: true; re: GoRegexp } | { ok: false; error: string };

class TooLarge extends Error {}

function compile(root: ReNode): Inst[] {
  const prog: Inst[] = [];
  const emit = (i: Inst): number => {
    if (prog.length >= regexpInstructionsMax) throw new TooLarge();
    prog.push(i);
    return prog.length - 1;
  };
  const gen = (n: ReNode): void => {
    switch (n.t) {
      case 'char':
        emit({ op: 'char', test: n.test });
        return;
      case 'assert':
        emit({ op: 'assert', kind: n.kind });
        return;
      case 'empty':
        return;
      case 'nomatch':
        emit({ op: 'fail' });
        return;
      case 'cat':
        n.subs.forEach(gen);
        return;
      case 'alt': {
        const jumps: { x: number }[] = [];
        n.subs.forEach((sub, k) => {
          if (k === n.subs.length - 1) return gen(sub);
          const split = { op: 'split' as const, x: prog.length + 1, y: 0 };
          emit(split);
          gen(sub);
          const j = { op: 'jmp' as const, x: 0 };
          emit(j);
          jumps.push(j);
          split.y = prog.length;
        });
        for (const j of jumps) j.x = prog.length;
        return;
      }
      case 'rep':
        genRepeat(n.sub, n.min, n.max);
    }
  };
  const genRepeat = (sub: ReNode, min: number, max: number): void => {
    for (let k = 0; k < min; k++) gen(sub);
    if (max === -1) {
      const split = { op: 'split' as const, x: prog.length + 1, y: 0 };
      const loop = emit(split);
      gen(sub);
      emit({ op: 'jmp', x: loop });
      split.y = prog.length;
      return;
    }
    const splits: { y: number }[] = [];
    for (let k = min; k < max; k++) {
      const split = { op: 'split' as const, x: prog.length + 1, y: 0 };
      emit(split);
      splits.push(split);
      gen(sub);
    }
    for (const s of splits) s.y = prog.length;
  };
  gen(root);
  emit({ op: 'match' });
  return prog;
}

const isWord = (cp: number) => (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || cp === 0x5f || (cp >= 0x61 && cp <= 0x7a);

function assertHolds(kind: Inst & { op: 'assert' }, cps: readonly number[], pos: number): boolean {
  const prev = pos > 0 ? cps[pos - 1]! : -1;
  const next = pos < cps.length ? cps[pos]! : -1;
  switch (kind.kind) {
    case 'bot':
      return pos === 0;
    case 'eot':
      return pos === cps.length;
    case 'bol':
      return pos === 0 || prev === 0x0a;
    case 'eol':
      return pos === cps.length || next === 0x0a;
    case 'wb':
      return isWord(prev) !== isWord(next);
    case 'nwb':
      return isWord(prev) === isWord(next);
  }
}

function run(prog: readonly Inst[], s: string): boolean {
  const cps = Array.from(s, (c) => c.codePointAt(0)!);
  const mark = new Int32Array(prog.length).fill(-1);
  let generation = 0;
  let matched = false;
  const stack: number[] = [];
  const addThread = (list: number[], pc0: number, pos: number): void => {
    stack.push(pc0);
    while (stack.length > 0) {
      const pc = stack.pop()!;
      if (mark[pc] === generation) continue;
      mark[pc] = generation;
      const inst = prog[pc]!;
      if (inst.op === 'jmp') stack.push(inst.x);
      else if (inst.op === 'split') stack.push(inst.y, inst.x);
      else if (inst.op === 'assert') {
        if (assertHolds(inst, cps, pos)) stack.push(pc + 1);
      } else if (inst.op === 'match') matched = true;
      else if (inst.op === 'char') list.push(pc);
    }
  };
  let clist: number[] = [];
  for (let pos = 0; pos <= cps.length; pos++) {
    addThread(clist, 0, pos);
    if (matched) return true;
    if (pos === cps.length) break;
    generation++;
    const nlist: number[] = [];
    const cp = cps[pos]!;
    for (const pc of clist) {
      const inst = prog[pc] as Inst & { op: 'char' };
      if (inst.test(cp)) addThread(nlist, pc + 1, pos + 1);
    }
    if (matched) return true;
    clist = nlist;
  }
  return false;
}

/** Go's regexp.Compile: the compiled expression, or Go's error text. */
export function compileGoRegexp(pattern: string): CompiledRegexp {
  try {
    const prog = compile(parseGoRegexp(pattern));
    return { ok: true, re: { test: (s) => run(prog, s) } };
  } catch (err) {
    if (err instanceof GoRegexpError) return { ok: false, error: err.message };
    if (err instanceof TooLarge) return { ok: false, error: new GoRegexpError('expression too large', pattern).message };
    throw err;
  }
}
