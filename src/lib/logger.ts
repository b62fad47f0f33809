/**
 * The one output path for diagnostics. Pure modules receive a Logger; the agent backs it with
 * a LogSink that formats lines as hclog does (Consul's format), or as hclog's JSON with
 * -log-json, and fans them out to stderr and to /v1/agent/monitor subscribers.
 *
 * Why not pino (DESIGN.md's first choice): Consul's text line is not pino's, the line must be
 * written synchronously so a crash never loses the last words, and monitor subscribers need
 * each record at every level independently of the sink's own level. That is 150 lines here.
 */
import { isoTimeMs } from './iso-time.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export const logLevels: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];
const levelRank: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

export interface Logger {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines carry `name` as the module (`agent.http`). */
  named(name: string): Logger;
  /** Whether a line at `level` would go anywhere (to skip building costly fields). */
  enabled(level: LogLevel): boolean;
}

export interface LogRecord {
  timeMs: number;
  level: LogLevel;
  module: string;
  message: string;
  fields: LogFields;
}

/** Parses a level the way Consul accepts it (`INFO`, `info`, `warning`, `err`). */
export function parseLogLevel(text: string): LogLevel | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'warning') return 'warn';
  if (t === 'err') return 'error';
  return (logLevels as readonly string[]).includes(t) ? (t as LogLevel) : undefined;
}

export function levelEnabled(level: LogLevel, min: LogLevel): boolean {
  return levelRank[level] >= levelRank[min];
}

/** `2026-11-23T05:00:00.000Z [INFO]  agent: message: key=value` */
export function formatTextLine(r: LogRecord): string {
  const tag = `[${r.level.toUpperCase()}]`.padEnd(7, ' ');
  const mod = r.module ? `${r.module}: ` : '';
  let line = `${isoTimeMs(r.timeMs)} ${tag} ${mod}${r.message}`;
  const keys = Object.keys(r.fields);
  if (keys.length > 0) {
    line += ':';
    for (const k of keys) line += ` ${k}=${formatValue(r.fields[k])}`;
  }
  return line;
}

/** hclog's JSON form: `{"@level":"info","@message":"...","@module":"agent","@timestamp":...}` */
export function formatJsonLine(r: LogRecord): string {
  const out: Record<string, unknown> = {
    '@level': r.level,
    '@message': r.message,
    '@module': r.module,
    '@timestamp': isoTimeMs(r.timeMs),
  };
  for (const [k, v] of Object.entries(r.fields)) out[k] = v instanceof Error ? v.message : v;
  return JSON.stringify(out);
}

function formatValue(v: unknown): string {
  const s = v instanceof Error ? v.message : typeof v === 'string' ? v : JSON.stringify(v);
  return s !== undefined && /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s ?? String(v));
}

export type LogListener = (record: LogRecord) => void;

/** Receives every record; writes those at or above `level`; tells every listener. */
export class LogSink {
  level: LogLevel;
  json: boolean;
  private readonly listeners = new Set<LogListener>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly nowMs: () => number,
    options: { level?: LogLevel; json?: boolean } = {},
  ) {
    this.level = options.level ?? 'info';
    this.json = options.json ?? false;
  }

  subscribe(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  emit(level: LogLevel, module: string, message: string, fields: LogFields = {}): void {
    if (this.listeners.size === 0 && !levelEnabled(level, this.level)) return;
    const record: LogRecord = { timeMs: this.nowMs(), level, module, message, fields };
    if (levelEnabled(level, this.level)) {
      this.write((this.json ? formatJsonLine(record) : formatTextLine(record)) + '\n');
    }
    for (const l of this.listeners) l(record);
  }

  logger(module = ''): Logger {
    return makeLogger(
      (level, mod, msg, fields) => this.emit(level, mod, msg, fields),
      module,
      (level) => this.listeners.size > 0 || levelEnabled(level, this.level),
    );
  }
}

type EmitFn = (level: LogLevel, module: string, message: string, fields?: LogFields) => void;

function makeLogger(emit: EmitFn, module: string, enabled: (level: LogLevel) => boolean = () => true): Logger {
  return {
    enabled,
    trace: (m, f) => emit('trace', module, m, f),
    debug: (m, f) => emit('debug', module, m, f),
    info: (m, f) => emit('info', module, m, f),
    warn: (m, f) => emit('warn', module, m, f),
    error: (m, f) => emit('error', module, m, f),
    named: (name) => makeLogger(emit, module ? `${module}.${name}` : name, enabled),
  };
}

/** Discards everything. */
export const nullLogger: Logger = makeLogger(() => {}, '', () => false);

/** Keeps records in memory, for tests that assert on what was logged. */
export class CaptureLogger {
  readonly records: LogRecord[] = [];
  readonly logger: Logger = makeLogger((level, module, message, fields = {}) => {
    this.records.push({ timeMs: 0, level, module, message, fields });
  }, '');
  lines(): string[] {
    return this.records.map((r) => `[${r.level.toUpperCase()}] ${r.module ? r.module + ': ' : ''}${r.message}`);
  }
}
