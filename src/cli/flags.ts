/**
 * A parser compatible with Go's `flag` package (Go 1.15, what Consul 1.8.7 is built with):
 * `-name`, `--name`, `-name=value`, `-name value`; booleans never take the next argument;
 * parsing stops at the first positional argument, at `--` (dropped) and at `-` (kept). Error
 * texts are Go's, byte for byte. Which flags were given is tracked, so config flags can
 * override config files only when given.
 */
import { formatDurationMs, goQuote, parseDurationMs } from '../lib/index.js';
import { parseGoBool, parseGoInt, parseGoUint } from './go-strconv.js';
import { wrapAtLength } from './text-format.js';

export type FlagKind = 'bool' | 'string' | 'int' | 'uint' | 'duration' | 'list' | 'map';

interface KindValue {
  bool: boolean;
  string: string;
  int: number;
  uint: bigint;
  duration: number; // milliseconds
  list: string[];
  map: Record<string, string>;
}

export interface FlagOptions {
  /** The `<name>` shown in help; a back-quoted word in the usage text wins over it (Go). */
  placeholder?: string;
  /** Help section, e.g. 'HTTP API Options'; default 'Command Options'. */
  section?: string;
  /** map flags: the characters that may split `key<sep>value`; default '=:' (first one found). */
  separators?: string;
  /** map flags: reject an entry with no separator instead of taking it as `key` → ''. */
  requireSeparator?: boolean;
}

/** A defined flag: read `value` after parse; `isSet` tells whether the arguments gave it. */
export interface Flag<T> {
  readonly name: string;
  readonly kind: FlagKind;
  readonly usage: string;
  readonly defaultValue: T;
  readonly section: string;
  readonly placeholder: string | undefined;
  readonly value: T;
  readonly isSet: boolean;
}

export type ParseResult =
  | { readonly kind: 'ok'; readonly args: string[] }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

export const commandSection = 'Command Options';
export const httpSection = 'HTTP API Options';

class FlagImpl<T> implements Flag<T> {
  value: T;
  isSet = false;
  constructor(
    readonly name: string,
    readonly kind: FlagKind,
    readonly usage: string,
    readonly defaultValue: T,
    readonly options: FlagOptions,
  ) {
    this.value = copy(defaultValue);
  }
  get section(): string {
    return this.options.section ?? commandSection;
  }
  get placeholder(): string | undefined {
    return this.options.placeholder;
  }
}

function copy<T>(v: T): T {
  if (Array.isArray(v)) return [...v] as T;
  if (typeof v === 'object' && v !== null) return { ...v };
  return v;
}

export class FlagSet {
  private readonly flags = new Map<string, FlagImpl<unknown>>();
  private readonly setOrder: string[] = [];
  private rest: string[] = [];

  bool(name: string, def: boolean, usage: string, opts: FlagOptions = {}): Flag<boolean> {
    return this.define('bool', name, def, usage, opts);
  }
  string(name: string, def: string, usage: string, opts: FlagOptions = {}): Flag<string> {
    return this.define('string', name, def, usage, opts);
  }
  int(name: string, def: number, usage: string, opts: FlagOptions = {}): Flag<number> {
    return this.define('int', name, def, usage, opts);
  }
  /** uint64, exact: a bigint. */
  uint(name: string, def: bigint, usage: string, opts: FlagOptions = {}): Flag<bigint> {
    return this.define('uint', name, def, usage, opts);
  }
  /** A Go duration (`10s`, `1h30m`), held in milliseconds. */
  duration(name: string, defMs: number, usage: string, opts: FlagOptions = {}): Flag<number> {
    return this.define('duration', name, defMs, usage, opts);
  }
  /** Repeatable: each occurrence appends (`-tag a -tag b`). */
  list(name: string, usage: string, opts: FlagOptions = {}): Flag<string[]> {
    return this.define('list', name, [], usage, opts);
  }
  /** Repeatable `key=value` / `key:value` pairs (`-node-meta rack:r1`). */
  map(name: string, usage: string, opts: FlagOptions = {}): Flag<Record<string, string>> {
    return this.define('map', name, {}, usage, opts);
  }

  private define<K extends FlagKind>(kind: K, name: string, def: KindValue[K], usage: string, opts: FlagOptions): Flag<KindValue[K]> {
    if (this.flags.has(name)) throw new Error(`flag redefined: ${name}`);
    const f = new FlagImpl<KindValue[K]>(name, kind, usage, def, opts);
    this.flags.set(name, f as FlagImpl<unknown>);
    return f;
  }

  lookup(name: string): Flag<unknown> | undefined {
    return this.flags.get(name);
  }

  /** Every flag, sorted by name (Go's VisitAll order). */
  all(): Flag<unknown>[] {
    return [...this.flags.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Names of the flags the arguments gave, in first-given order. */
  setNames(): string[] {
    return [...this.setOrder];
  }

  isSet(name: string): boolean {
    return this.flags.get(name)?.isSet ?? false;
  }

  /** Positional arguments left after the last parse. */
  args(): string[] {
    return [...this.rest];
  }

  /** Parses `args`; a user error never throws, it comes back as Go's message. */
  parse(args: readonly string[]): ParseResult {
    let i = 0;
    for (; i < args.length; i++) {
      const s = args[i]!;
      if (s.length < 2 || s[0] !== '-') break;
      let minuses = 1;
      if (s[1] === '-') {
        minuses = 2;
        if (s.length === 2) {
          i++;
          break;
        }
      }
      let name = s.slice(minuses);
      if (name.length === 0 || name[0] === '-' || name[0] === '=') return err(`bad flag syntax: ${s}`);
      let value: string | undefined;
      const eq = name.indexOf('=');
      if (eq >= 1) {
        value = name.slice(eq + 1);
        name = name.slice(0, eq);
      }
      const flag = this.flags.get(name);
      if (!flag) {
        if (name === 'help' || name === 'h') return { kind: 'help' };
        return err(`flag provided but not defined: -${name}`);
      }
      if (flag.kind === 'bool') {
        const b = parseGoBool(value ?? 'true');
        if (b === undefined) return err(`invalid boolean value ${goQuote(value ?? '')} for -${name}: parse error`);
        flag.value = b;
      } else {
        if (value === undefined) {
          if (i + 1 >= args.length) return err(`flag needs an argument: -${name}`);
          value = args[++i]!;
        }
        const problem = setValue(flag, value);
        if (problem) return err(`invalid value ${goQuote(value)} for flag -${name}: ${problem}`);
      }
      if (!flag.isSet) this.setOrder.push(name);
      flag.isSet = true;
    }
    this.rest = args.slice(i);
    return { kind: 'ok', args: this.args() };
  }

  /** Go's PrintDefaults: `  -name type` then a tab-indented usage line, `(default x)` if set. */
  printDefaults(): string {
    let out = '';
    for (const f of this.all()) {
      const [name, usage] = unquoteUsage(f);
      let line = `  -${f.name}${name ? ' ' + name : ''}`;
      line += line.length <= 4 ? '\t' : '\n    \t';
      line += usage.replaceAll('\n', '\n    \t');
      const def = defaultText(f);
      if (def !== undefined) line += f.kind === 'string' ? ` (default ${goQuote(def)})` : ` (default ${def})`;
      out += line + '\n';
    }
    return out;
  }

  /** What Go's flag package prints on a parse error: the error, then `Usage:` and the flags. */
  errorText(message: string): string {
    return `${message}\nUsage:\n${this.printDefaults()}`;
  }
}

function err(message: string): ParseResult {
  return { kind: 'error', message };
}

/** Sets a non-bool flag from text; returns Go's error reason or undefined. */
function setValue(flag: FlagImpl<unknown>, text: string): string | undefined {
  switch (flag.kind) {
    case 'string':
      flag.value = text;
      return undefined;
    case 'int': {
      const r = parseGoInt(text);
      if (!r.ok) return r.error;
      flag.value = Number(r.value);
      return undefined;
    }
    case 'uint': {
      const r = parseGoUint(text);
      if (!r.ok) return r.error;
      flag.value = r.value;
      return undefined;
    }
    case 'duration': {
      const ms = parseDurationMs(text);
      if (ms === undefined) return 'parse error';
      flag.value = ms;
      return undefined;
    }
    case 'list':
      (flag.value as string[]).push(text);
      return undefined;
    case 'map':
      return setMapEntry(flag, text);
    default:
      return 'parse error';
  }
}

function setMapEntry(flag: FlagImpl<unknown>, text: string): string | undefined {
  const seps = flag.options.separators ?? '=:';
  let at = -1;
  for (let i = 0; i < text.length; i++) {
    if (seps.includes(text[i]!)) {
      at = i;
      break;
    }
  }
  const m = flag.value as Record<string, string>;
  if (at < 0) {
    if (flag.options.requireSeparator) return `Missing "${seps[0]}" value in argument: ${text}`;
    m[text] = '';
  } else {
    m[text.slice(0, at)] = text.slice(at + 1);
  }
  return undefined;
}

/** Go's flag.UnquoteUsage: the placeholder name and the usage with its back quotes removed. */
export function unquoteUsage(f: Flag<unknown>): [string, string] {
  const u = f.usage;
  const a = u.indexOf('`');
  if (a >= 0) {
    const b = u.indexOf('`', a + 1);
    if (b >= 0) {
      const name = u.slice(a + 1, b);
      return [name, u.slice(0, a) + name + u.slice(b + 1)];
    }
  }
  return [f.placeholder ?? typeName(f.kind), u];
}

function typeName(kind: FlagKind): string {
  switch (kind) {
    case 'bool':
      return '';
    case 'string':
    case 'int':
    case 'uint':
    case 'duration':
      return kind;
    default:
      return 'value';
  }
}

/** The default as Go prints it, or undefined when it is the zero value (then Go omits it). */
function defaultText(f: Flag<unknown>): string | undefined {
  const d = f.defaultValue;
  switch (f.kind) {
    case 'bool':
      return d === true ? 'true' : undefined;
    case 'string':
      return d === '' ? undefined : String(d);
    case 'int':
    case 'uint':
      return String(d) === '0' ? undefined : String(d);
    case 'duration':
      return d === 0 ? undefined : formatDurationMs(d as number);
    default:
      return undefined;
  }
}

/**
 * Consul's command help (command/flags/usage.go): the help text, then the flags by section,
 * each as `  -name=<placeholder>` and its usage wrapped at 72 columns, indented 5.
 */
export function commandUsage(help: string, fs?: FlagSet, sectionOrder: readonly string[] = [httpSection, commandSection]): string {
  let out = help.trim() + '\n\n';
  if (fs) {
    const bySection = new Map<string, Flag<unknown>[]>();
    for (const f of fs.all()) {
      const list = bySection.get(f.section) ?? [];
      list.push(f);
      bySection.set(f.section, list);
    }
    const order = [...sectionOrder.filter((s) => bySection.has(s)), ...[...bySection.keys()].filter((s) => !sectionOrder.includes(s))];
    for (const section of order) {
      out += `${section}\n\n`;
      for (const f of bySection.get(section)!) {
        const [example] = unquoteUsage(f);
        out += example ? `  -${f.name}=<${example}>\n` : `  -${f.name}\n`;
        out += wrapAtLength(f.usage, 5) + '\n\n';
      }
    }
  }
  return out.replace(/\n+$/, '');
}
