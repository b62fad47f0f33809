import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HCL_NESTING_MAX, HclSyntaxError, parseHcl } from './hcl.js';
import { validateSource } from './validate.js';

/** The error parseHcl throws for `text` (fails the test if it does not throw one). */
function syntaxError(text: string): HclSyntaxError {
  try {
    parseHcl(text);
  } catch (err) {
    if (err instanceof HclSyntaxError) return err;
    throw err;
  }
  throw new Error(`expected an HclSyntaxError for ${JSON.stringify(text)}`);
}

describe('parseHcl reads each HCL1 construct', () => {
  const cases: Array<[string, string, unknown]> = [
    ['an empty document', '', {}],
    ['an empty JSON document', ' {}\n', {}],
    ['only comments and blanks', '# one\n// two\n/* three\n four */\n\t\r\n', {}],
    ['comments around assignments', 'a = 1 # tail\n/* x */ b = 2 // tail\n', { a: 1, b: 2 }],
    ['Go string escapes', String.raw`s = "a\nb\tc\"d\\e\u00e9\U0001F600\a\r\v\f\b"`, { s: 'a\nb\tc"d\\eé😀\x07\r\v\f\b' }],
    ['byte escapes, decoded as UTF-8', String.raw`s = "\x41\101\xc3\xa9"`, { s: 'AAé' }],
    ['an escaped surrogate half becomes U+FFFD', String.raw`s = "\ud800"`, { s: '\uFFFD' }],
    ['interpolations kept verbatim, even across lines', 's = "x${a\\n "q" {}\n}y"', { s: 'x${a\\n "q" {}\n}y' }],
    ['non-ASCII text as is', 's = "héllo 世界"', { s: 'héllo 世界' }],
    ['integers, negative and zero', 'a = 42\nb = -7\nc = 0\nd = -0', { a: 42, b: -7, c: 0, d: 0 }],
    ['floats and exponents', 'a = 1.5\nb = -0.25\nc = 1e3\nd = 2.5E-2\ne = .5\nf = 1e+2', { a: 1.5, b: -0.25, c: 1000, d: 0.025, e: 0.5, f: 100 }],
    ['hex and octal integers (Go base-0 parsing)', 'a = 0x1f\nb = 0XFF\nc = -0x10\nd = 010\ne = 0', { a: 31, b: 255, c: -16, d: 8, e: 0 }],
    ['the largest int64', 'a = 9223372036854775807', { a: 9223372036854775807 }],
    ['booleans', 'a = true\nb = false', { a: true, b: false }],
    ['a list with a trailing comma and an object', 'l = [1, "a", {k = "v"},]', { l: [1, 'a', { k: 'v' }] }],
    ['an empty list', 'l = []', { l: [] }],
    ['nested lists', 'l = [[1, 2], ["a"], []]', { l: [[1, 2], ['a'], []] }],
    ['stray commas in a list (HCL1 skips them)', 'l = [,"a",,"b"]', { l: ['a', 'b'] }],
    ['a list spread over lines with comments', 'l = [\n  "a", # first\n  "b", // second\n]', { l: ['a', 'b'] }],
    ['a heredoc in a list', 'l = [<<EOF\nx\nEOF\n, "y"]', { l: ['x\n', 'y'] }],
    ['an object assigned with =', 'o = { a = 1, b = "x" }', { o: { a: 1, b: 'x' } }],
    ['a block', 'ports { http = 8500 }', { ports: { http: 8500 } }],
    ['an empty block', 'ports {}', { ports: {} }],
    ['a block and an = object are the same', 'a { x = 1 }\nb = { x = 1 }', { a: { x: 1 }, b: { x: 1 } }],
    ['items separated by commas or nothing', 'a = 1, b = 2 c = 3\nd { e = 1, f = 2, }', { a: 1, b: 2, c: 3, d: { e: 1, f: 2 } }],
    ['identifier keys with digits, -, . and _', 'a-b.c_1 = 1\n_x = 2', { 'a-b.c_1': 1, _x: 2 }],
    ['quoted keys', '"a key" = 1\n"x.y" { "z" = 2 }', { 'a key': 1, 'x.y': { z: 2 } }],
    ['Unicode identifier keys', 'héllo = 1', { héllo: 1 }],
    ['a labelled block', 'service "web" { port = 80 }', { service: { web: { port: 80 } } }],
    ['two labels nest', 'a "b" "c" { }', { a: { b: { c: {} } } }],
    ['identifier labels', 'a b c { x = 1 }', { a: { b: { c: { x: 1 } } } }],
    ['labelled blocks of one key make a list, one object per block', 'a "x" { v = 1 }\na "y" { v = 2 }', { a: [{ x: { v: 1 } }, { y: { v: 2 } }] }],
    ['repeated blocks accumulate in order', 'service { name = "a" }\nservice { name = "b" }', { service: [{ name: 'a' }, { name: 'b' }] }],
    ['repeated = objects accumulate too', 'o = { a = 1 }\no = { b = 2 }\no { c = 3 }', { o: [{ a: 1 }, { b: 2 }, { c: 3 }] }],
    ['repeated lists concatenate', 'r = ["a"]\nr = ["b", "c"]', { r: ['a', 'b', 'c'] }],
    ['a block after a list joins the list', 'r = [1]\nr { x = 1 }', { r: [1, { x: 1 }] }],
    ['a list of objects after a block joins the blocks', 's { n = 1 }\ns = [{ n = 2 }]', { s: [{ n: 1 }, { n: 2 }] }],
    ['a repeated scalar: the last wins', 'a = 1\na = 2\nb = "x"\nb = "y"\nc = true\nc = false', { a: 2, b: 'y', c: false }],
    ['a repeated scalar keeps the first type: number after string', 'dc = "a"\ndc = 5\nh = "x"\nh = 0x1f', { dc: '5', h: '0x1f' }],
    ['a repeated scalar keeps the first type: string after integer', 'p = 1\np = "0x10"\nq = 1\nq = "-20"', { p: 16, q: -20 }],
    ['a repeated scalar keeps the first type: integer after float', 'f = 1.5\nf = 2', { f: 2 }],
    ['repeated keys inside blocks', 'p { a = 1\na = 2 }', { p: { a: 2 } }],
    ['CRLF line endings', 'a = 1\r\nb {\r\n  c = "x"\r\n}\r\n', { a: 1, b: { c: 'x' } }],
    ['a JSON document (starts with {)', '{"a": 1, "b": {"c": [true, "x", 1.5]}, "d": []}', { a: 1, b: { c: [true, 'x', 1.5] }, d: [] }],
    ['JSON null is "" as HCL1 decodes it', ' {"datacenter": null}', { datacenter: '' }],
    ['JSON with a trailing comma', '{"a": [1,], }', { a: [1] }],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    expect(parseHcl(text)).toEqual(expected);
  });
});

describe('parseHcl reads heredocs as HCL v1.0.0 does', () => {
  const cases: Array<[string, string, string]> = [
    ['a plain heredoc keeps its lines and the last newline', 'h = <<EOF\nhello\n  world\nEOF\n', 'hello\n  world\n'],
    ['an empty heredoc', 'h = <<EOF\nEOF\n', ''],
    ['an indented closing line of <<EOF ends the value with its indentation', 'h = <<EOF\nhello\n  EOF\n', 'hello\n  '],
    ['<<- removes the closing line indentation from every line', 'h = <<-EOF\n    a\n      b\n    EOF\n', 'a\n  b\n'],
    ['<<- with a line less indented than the close keeps lines as they are', 'h = <<-EOF\na\n    b\n  EOF\n', 'a\n    b\n'],
    ['<<- with a tab-indented close', 'h = <<-EOF\n  a\n\tEOF\n', '  a\n'],
    ['an anchor with digits and underscores', 'h = <<END_1\nx = "not parsed"\nEND_1\n', 'x = "not parsed"\n'],
    ['a line that only contains the anchor as a prefix does not close', 'h = <<EOF\nEOFX\nEOF\n', 'EOFX\n'],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    expect(parseHcl(text)).toEqual({ h: expected });
  });

  it('continues after the heredoc on the next line', () => {
    expect(parseHcl('a = <<EOF\nx\nEOF\nb = 2\n')).toEqual({ a: 'x\n', b: 2 });
  });
});

describe('parseHcl reads a realistic Consul agent config', () => {
  const config = `
# Consul agent configuration
datacenter = "dc1"
data_dir   = "/opt/consul"
log_level  = "INFO"
server     = true
bootstrap_expect = 3

ports {
  http = 8500
  dns  = 8600
}

addresses {
  http = "127.0.0.1"
}

performance { raft_multiplier = 1 }

node_meta {
  rack = "r1"
  "instance-type" = "m5.large"
}

service {
  name = "web"
  port = 80
  tags = ["v1", "primary"]
  check {
    id       = "web-http"
    http     = "http://localhost:80/health"
    interval = "10s"
  }
}

service {
  name = "db"
  port = 5432
  check {
    tcp      = "localhost:5432"
    interval = "5s"
    timeout  = "1s"
  }
}

services = [
  { name = "cache", port = 6379 },
  {
    name = "queue"
    port = 5672
    checks = [{ tcp = "localhost:5672", interval = "10s" }]
  },
]

watches = [
  { type = "key", key = "app/config", handler_type = "script", args = ["/bin/reload.sh"] },
]

retry_join = ["10.0.0.1", "10.0.0.2"]
`;
  const expected = {
    datacenter: 'dc1',
    data_dir: '/opt/consul',
    log_level: 'INFO',
    server: true,
    bootstrap_expect: 3,
    ports: { http: 8500, dns: 8600 },
    addresses: { http: '127.0.0.1' },
    performance: { raft_multiplier: 1 },
    node_meta: { rack: 'r1', 'instance-type': 'm5.large' },
    service: [
      { name: 'web', port: 80, tags: ['v1', 'primary'], check: { id: 'web-http', http: 'http://localhost:80/health', interval: '10s' } },
      { name: 'db', port: 5432, check: { tcp: 'localhost:5432', interval: '5s', timeout: '1s' } },
    ],
    services: [
      { name: 'cache', port: 6379 },
      { name: 'queue', port: 5672, checks: [{ tcp: 'localhost:5672', interval: '10s' }] },
    ],
    watches: [{ type: 'key', key: 'app/config', handler_type: 'script', args: ['/bin/reload.sh'] }],
    retry_join: ['10.0.0.1', '10.0.0.2'],
  };

  it('gives the same object a JSON config would', () => {
    expect(parseHcl(config)).toEqual(expected);
  });

  it('passes the schema validation of the config layer with one service block', () => {
    const single = config.replace(/service \{\n  name = "db"[^]*?\n\}\n/, '');
    expect(single).not.toContain('"db"');
    const out = validateSource('agent.hcl', parseHcl(single));
    expect(out['ports']).toEqual({ http: 8500, dns: 8600 });
    expect(out['retry_join']).toEqual(['10.0.0.1', '10.0.0.2']);
    expect((out['service'] as Record<string, unknown>)['name']).toBe('web');
  });

  it('is rejected by the schema with two service blocks, as Consul 1.8.7 rejects it', () => {
    // consul validate: "'service' expected a map, got 'slice'"
    expect(() => validateSource('agent.hcl', parseHcl(config))).toThrow(/'service' expected type 'config.ServiceDefinition'/);
  });
});

describe('parseHcl keeps __proto__ an ordinary key', () => {
  it('makes a __proto__ key an own property without touching prototypes', () => {
    const out = parseHcl('node_meta { __proto__ = "x" }\n"__proto__" { polluted = true }');
    const meta = out['node_meta'] as Record<string, unknown>;
    expect(Object.getOwnPropertyNames(meta)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(meta, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('does the same in a JSON document', () => {
    const out = parseHcl('{"__proto__": {"polluted": true}}');
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('parseHcl reports syntax errors with line, column and what was expected', () => {
  const cases: Array<[string, string, number, number, string]> = [
    ['a key with nothing after it', 'data_dir', 1, 9, `expected '=' or '{' after key "data_dir", found end of file`],
    ['a key and a label assigned with =', 'ports\n  http = 1', 2, 8, `expected '{' after "ports" "http": a block with labels cannot be assigned with '='`],
    ['labels followed by a value', 'service "web" 1', 1, 15, `expected '=' or '{' after labels "service" "web", found number 1`],
    ['a key followed by a number', 'ports 8500', 1, 7, `expected '=' or '{' after key "ports", found number 8500`],
    ['a key without a value inside a block', 'ports { http }', 1, 14, `expected '=' or '{' after key "http", found '}'`],
    ['a colon instead of =', 'datacenter: "dc1"', 1, 11, `illegal character ':' (HCL assigns with '='; ':' is only valid in a JSON document, one that starts with '{')`],
    ['= without a key', 'a = 1\n= 2', 2, 1, `expected a key before '='`],
    ['a brace without a key', 'a = 1\n{ }', 2, 1, `expected a key before '{'`],
    ['a block without a key inside a block', 'a { { } }', 1, 5, `expected a key before '{'`],
    ['a number as a key', '1 = 2', 1, 1, 'expected a key (identifier or quoted string), found number 1'],
    ['a bool as a key', 'true = 2', 1, 1, 'expected a key (identifier or quoted string), found true'],
    ['a stray closing brace', 'a = 1\n}', 2, 1, `expected a key (identifier or quoted string), found '}'`],
    ['two commas between items', 'a = 1,, b = 2', 1, 7, `expected a key (identifier or quoted string), found ','`],
    ['a labelled block assigned with =', 'service "a" "b" = 1', 1, 17, `expected '{' after "service" "a" "b": a block with labels cannot be assigned with '='`],
    ['an unquoted string value', 'datacenter = dc1', 1, 14, 'expected a value (string, number, bool, heredoc, list or object), found identifier dc1 (strings must be quoted)'],
    ['a value missing at the end of the file', 'data_dir = ', 1, 12, `expected a value after '=' for key "data_dir", found end of file`],
    ['a value missing before }', 'p { a = }', 1, 9, `expected a value (string, number, bool, heredoc, list or object), found '}'`],
    ['a minus sign without digits', 'a = -x', 1, 5, `expected a value (string, number, bool, heredoc, list or object), found '-'`],
    ['an unclosed object', 'ports {\n  http = 1\n', 3, 1, `expected '}' to close the object opened at 1:7, found end of file`],
    ['an unclosed list', 'l = [1, 2', 1, 10, `expected ']' to close the list opened at 1:5, found end of file`],
    ['two list values without a comma', 'l = ["a" "b"]', 1, 10, `expected ',' or ']' in the list opened at 1:5, found string "b"`],
    ['an identifier in a list', 'l = [a]', 1, 6, 'expected a value (string, number, bool, heredoc, list or object), found identifier a (strings must be quoted)'],
    ['an unterminated string', 'data_dir = "/tmp/x\nb = 1', 1, 19, `string not terminated: expected '"' before the end of the line`],
    ['a string open at the end of the file', 'a = "x', 1, 7, `string not terminated: expected '"' before the end of the file`],
    ['an unknown escape', String.raw`a = "\q"`, 1, 6, String.raw`invalid escape sequence in string: '\' followed by 'q'`],
    ['a short \\u escape', String.raw`a = "\u12"`, 1, 6, `invalid escape sequence in string: expected 4 hex digits, found "12" then '"'`],
    ['a short octal escape', String.raw`a = "\12x"`, 1, 6, `invalid escape sequence in string: expected 3 octal digits, found "12" then 'x'`],
    ['an octal escape above 255', String.raw`a = "\400"`, 1, 6, String.raw`invalid escape sequence '\400': octal value above \377`],
    ['a \\U escape beyond Unicode', String.raw`a = "\U00110000"`, 1, 6, String.raw`invalid escape sequence '\U00110000': not a Unicode code point`],
    ['an unterminated block comment', 'a = 1\n/* open\n', 3, 1, `comment opened at 2:1 is not terminated: expected '*/'`],
    ['a lone slash', 'a = 1\n/ x', 2, 1, `expected '//' or '/*' to start a comment, found '/' alone`],
    ['an illegal character', 'a = 1 @', 1, 7, `illegal character '@'`],
    ['a form feed', 'a = 1\f', 1, 6, 'illegal character U+000C'],
    ['a NUL character', 'a = "x"\0', 1, 8, 'unexpected null character (0x00)'],
    ['a byte-order mark', '\uFEFFa = 1', 1, 1, 'illegal character U+FEFF (a byte-order mark)'],
    ['0x without digits', 'a = 0x', 1, 7, 'illegal hexadecimal number: expected hex digits after 0x'],
    ['an exponent without digits', 'a = 1e\n', 1, 7, `malformed number '1e': expected digits in the exponent`],
    ['an octal number with 8 or 9', 'a = 08', 1, 5, 'invalid octal number 08 (a leading 0 means octal)'],
    ['an integer beyond int64', 'a = 9223372036854775808', 1, 5, 'integer 9223372036854775808 is out of range (64-bit)'],
    ['a float beyond float64', 'a = 1e400', 1, 5, 'number 1e400 is out of range (64-bit float)'],
    ['a heredoc that never closes', 'h = <<EOF\nhello\nEOF', 3, 4, 'heredoc not terminated: expected a line with EOF followed by a newline'],
    ['a <<- heredoc closed without indentation (HCL v1.0.0)', 'h = <<-EOF\nhello\nEOF\n', 4, 1, 'heredoc not terminated: expected a line with EOF (indented, for <<-) followed by a newline'],
    ['text after a heredoc anchor', 'h = <<EOF x\nEOF\n', 1, 10, `invalid character ' ' in heredoc anchor: expected a newline after <<EOF`],
    ['an empty heredoc anchor', 'h = <<\nx\n', 1, 7, 'zero-length heredoc anchor: expected a name such as EOF after <<'],
    ['a heredoc anchor at the end of the file', 'h = <<EOF', 1, 10, 'heredoc not terminated: expected a newline after the anchor'],
    ['a single <', 'h = <EOF', 1, 6, `expected '<<' to start a heredoc, found 'E'`],
    ['a key with and without labels', 'a { x = 1 }\na "b" { y = 2 }', 1, 1, `key "a" is used both without labels and with labels (at 2:3)`],
    ['a repeated key changing from object to scalar', 'ports { http = 1 }\nports = 5', 2, 9, `key "ports" is repeated with an integer after an object; a repeated key must keep its type`],
    ['a repeated key changing from scalar to list', 'a = "x"\na = ["y"]', 2, 5, `key "a" is repeated with a list after a string; a repeated key must keep its type`],
    ['a repeated key changing from bool to string', 'a = true\na = "x"', 2, 5, `key "a" is repeated with a string after a bool; a repeated key must keep its type`],
    ['a repeated integer key given a non-integer string', 'p = 1\np = "x"', 2, 5, `key "p" is repeated with "x", which is not an integer, after an integer`],
    ['a list of scalars after a block', 's { n = 1 }\ns = [1]', 2, 5, `key "s" is repeated with a list after an object; a repeated key must keep its type`],
    ['JSON with an unquoted key', '{a: 1}', 1, 2, `expected a quoted key or '}' in the JSON object opened at 1:1, found identifier a`],
    ['JSON with = instead of :', '{"a" = 1}', 1, 6, `expected ':' after key "a" in JSON, found '='`],
    ['JSON with a comment', '{"a": 1 # c\n}', 1, 9, `illegal character '#' in a JSON document (it starts with '{')`],
    ['JSON with a missing comma', '{"a": 1 "b": 2}', 1, 9, `expected ',' or '}' after the value of "a" in JSON, found string "b"`],
    ['JSON with text after the document', '{"a": 1} x', 1, 10, `expected end of file after the JSON document's closing '}', found identifier x`],
    ['JSON cut short', '{"a": ', 1, 7, 'expected a value (string, number, bool, heredoc, list or object), found end of file'],
  ];
  it.each(cases)('%s', (_name, text, line, column, detail) => {
    const err = syntaxError(text);
    expect({ line: err.line, column: err.column, detail: err.detail }).toEqual({ line, column, detail });
    expect(err.message).toBe(`At ${line}:${column}: ${detail}`);
    expect(err.name).toBe('HclSyntaxError');
  });

  it('counts columns in code points, as Go counts runes', () => {
    const err = syntaxError('s = "😀" @');
    expect([err.line, err.column]).toEqual([1, 9]);
  });
});

describe('parseHcl bounds nesting', () => {
  const nest = (n: number): string => `a = ${'['.repeat(n)}${']'.repeat(n)}`;

  it(`accepts ${HCL_NESTING_MAX} levels and rejects one more`, () => {
    expect(() => parseHcl(nest(HCL_NESTING_MAX))).not.toThrow();
    const err = syntaxError(nest(HCL_NESTING_MAX + 1));
    expect(err.message).toBe(`At 1:${5 + HCL_NESTING_MAX}: nesting deeper than 64 levels (objects, lists and block labels)`);
  });

  it('counts blocks and labels as levels', () => {
    const blocks = (n: number): string => `${'a { '.repeat(n)}${'} '.repeat(n)}`;
    expect(() => parseHcl(blocks(HCL_NESTING_MAX))).not.toThrow();
    expect(syntaxError(blocks(HCL_NESTING_MAX + 1)).detail).toMatch(/^nesting deeper than 64 levels/);
    expect(syntaxError(`a ${'"l" '.repeat(HCL_NESTING_MAX)}{}`).detail).toMatch(/^nesting deeper than 64 levels/);
  });

  it('rejects hostile input without overflowing the stack', () => {
    expect(syntaxError(nest(200_000)).detail).toMatch(/^nesting deeper/);
    expect(syntaxError('a '.repeat(100_000) + '{}').detail).toMatch(/^nesting deeper/);
    expect(syntaxError(`{"a": ${'{"a": '.repeat(100_000)}`).detail).toMatch(/^nesting deeper/);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

type Json = string | number | boolean | Json[] | { [k: string]: Json };

/** Prints a JSON-like object in HCL `key = value` syntax (blocks for some objects). */
function printHcl(obj: { [k: string]: Json }, indent = ''): string {
  return Object.entries(obj)
    .map(([k, v], i) => {
      const key = k === 'true' || k === 'false' || i % 3 === 2 ? JSON.stringify(k) : k;
      if (typeof v === 'object' && !Array.isArray(v) && i % 2 === 1) return `${indent}${key} {\n${printHcl(v, `${indent}  `)}${indent}}\n`;
      return `${indent}${key} = ${printValue(v, indent)}\n`;
    })
    .join('');
}

function printValue(v: Json, indent: string): string {
  if (Array.isArray(v)) return `[${v.map((e) => printValue(e, indent)).join(', ')}]`;
  if (typeof v === 'object') return `{\n${printHcl(v, `${indent}  `)}${indent}}`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

const key = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);
// `${` starts an interpolation, kept verbatim (escapes included), so such strings do not round-trip.
const text = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('${'));
const scalar = fc.oneof(text, fc.integer(), fc.boolean());
const { tree } = fc.letrec<{ tree: { [k: string]: Json }; value: Json }>((tie) => ({
  tree: fc.dictionary(key, tie('value'), { maxKeys: 5, noNullPrototype: true }),
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(scalar, { maxLength: 4 }), tie('tree')),
}));

describe('parseHcl properties', () => {
  it('reads back any JSON-like object printed as HCL', () => {
    fc.assert(
      fc.property(tree, (obj) => {
        expect(parseHcl(printHcl(obj))).toEqual(obj);
      }),
      { numRuns: 500 },
    );
  });

  it('on random text either returns an object or throws HclSyntaxError', () => {
    const pieces = fc.constantFrom('a', 'b', ' ', '\n', '=', '{', '}', '[', ']', ',', '"', '\\', '#', '/', '*', '<<', 'EOF', '-', '0x', '1', '.', 'e', '$', ':', 'true', '\t');
    const hclish = fc.array(pieces, { maxLength: 30 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), hclish), (input) => {
        try {
          const out = parseHcl(input);
          expect(typeof out).toBe('object');
        } catch (err) {
          expect(err).toBeInstanceOf(HclSyntaxError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
