/**
 * Loading the configuration: defaults, then -dev overrides, then every -config-file and
 * -config-dir file in order (a directory's *.json and *.hcl files in lexical order), then -hcl
 * fragments, then flags. Each source is parsed, validated against Consul's schema and merged
 * (later wins; lists append). Reading files happens here; everything else is pure.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { actedOnKeys, defaultSource, devSource } from './defaults.js';
import { HclSyntaxError, parseHcl } from './hcl.js';
import { buildRuntime, type HostFacts, type RuntimeConfig } from './runtime.js';
import { ConfigError, keyPaths, mergeSources, validateSource, type Raw } from './validate.js';

export interface LoadOptions {
  dev: boolean;
  /** -config-file and -config-dir paths, in command-line order. */
  paths: string[];
  /** -config-format: 'json' | 'hcl' | '' (by extension). */
  format: string;
  /** -hcl fragments. */
  hcl: string[];
  /** The config source built from the other flags (see agent-flags.ts). */
  flags: Raw;
  host: HostFacts;
}

export interface Loaded {
  config: RuntimeConfig;
  /** One line per setting Muster accepted but does not act on yet. */
  warnings: string[];
  /** The files read, in order. */
  files: string[];
}

export function loadConfig(opts: LoadOptions): Loaded {
  if (opts.format !== '' && opts.format !== 'json' && opts.format !== 'hcl') {
    throw new ConfigError(`-config-format must be either 'hcl' or 'json'`);
  }
  const files = expandPaths(opts.paths, opts.format);
  const sources: Array<{ name: string; raw: Raw }> = [];
  const warnings: string[] = [];
  const legacyWarnings = (name: string, paths: string[]): void => {
    for (const p of paths) {
      warnings.push(`${name}: "${p}" is a legacy key (removed in Consul 1.1); it runs through the shell as Consul 1.0 ran it: prefer "args"`);
    }
  };
  for (const file of files) {
    const text = readText(file);
    if (text.trim() === '') continue;
    const legacy: string[] = [];
    sources.push({ name: file, raw: parseSource(file, text, opts.format || formatOf(file), legacy) });
    legacyWarnings(file, legacy);
  }
  opts.hcl.forEach((fragment, i) => {
    const legacy: string[] = [];
    sources.push({ name: `flag -hcl[${i}]`, raw: parseSource(`-hcl`, fragment, 'hcl', legacy) });
    legacyWarnings(`flag -hcl[${i}]`, legacy);
  });
  sources.push({ name: 'command line flags', raw: validateSource('command line flags', opts.flags) });

  warnings.push(...unactedWarnings(sources));
  let merged = mergeSources(validateSource('defaults', defaultSource), opts.dev ? validateSource('dev', devSource) : {});
  for (const s of sources) merged = mergeSources(merged, s.raw);
  return { config: buildRuntime(merged, opts.host, opts.dev), warnings, files };
}

/** Parses and validates one source; errors name the file. */
export function parseSource(name: string, text: string, format: string, legacy?: string[]): Raw {
  let raw: unknown;
  try {
    raw = format === 'hcl' ? parseHcl(text) : JSON.parse(text);
  } catch (err) {
    if (err instanceof HclSyntaxError || err instanceof SyntaxError) {
      throw new ConfigError(`failed to parse ${name}: ${(err as Error).message}`);
    }
    throw err;
  }
  return validateSource(name, raw, legacy);
}

function formatOf(file: string): string {
  return file.endsWith('.hcl') ? 'hcl' : file.endsWith('.json') ? 'json' : '';
}

/** Files named directly, and each directory's config files sorted by name (Consul's order). */
export function expandPaths(paths: string[], format: string): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      throw new ConfigError(`Error reading '${p}': ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
    }
    if (!st.isDirectory()) {
      if (format === '' && formatOf(p) === '') {
        throw new ConfigError(`Error reading '${p}': unknown config file format; use a .json or .hcl extension, or -config-format`);
      }
      out.push(p);
      continue;
    }
    const names = readdirSync(p).sort();
    for (const name of names) {
      const full = join(p, name);
      if (statSync(full).isDirectory()) continue;
      if (format !== '' || formatOf(name) !== '') out.push(full);
    }
  }
  return out;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`config: failed to read ${file}: ${(err as Error).message}`);
  }
}

/** A key is acted on when it, or an object it is inside (`node_meta` for `node_meta.rack`), is listed. */
function isActedOn(path: string): boolean {
  const parts = path.split('.');
  for (let i = 1; i <= parts.length; i++) if (actedOnKeys.has(parts.slice(0, i).join('.'))) return true;
  return false;
}

function unactedWarnings(sources: Array<{ name: string; raw: Raw }>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of sources) {
    for (const path of keyPaths(s.raw)) {
      const top = path.replace(/\[\d+\].*$/, '');
      if (isActedOn(top) || seen.has(top)) continue;
      seen.add(top);
      out.push(`${s.name}: "${top}" is a Consul setting Muster does not act on yet; it is ignored`);
    }
  }
  return out;
}
