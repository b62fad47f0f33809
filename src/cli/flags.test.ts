import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandUsage, FlagSet, httpSection } from './flags.js';
import { parseGoInt, parseGoUint } from './go-strconv.js';

function demo(): FlagSet {
  const fs = new FlagSet();
  fs.bool('server', false, 'server mode');
  fs.string('name', 'def', 'a name');
  fs.int('port', 8500, 'a port');
  fs.uint('flags', 0n, 'flags');
  fs.duration('wait', 5000, 'a wait');
  fs.list('tag', 'tags');
  fs.map('node-meta', 'meta');
  return fs;
}

describe('FlagSet.parse: forms', () => {
  const cases: [string, string[], Record<string, unknown>, string[]][] = [
    ['bool alone', ['-server'], { server: true }, []],
    ['bool double dash', ['--server'], { server: true }, []],
    ['bool =false', ['-server=false'], { server: false }, []],
    ['bool =true', ['-server=true'], { server: true }, []],
    ['bool =1 / =F', ['-server=1'], { server: true }, []],
    ['bool never takes the next arg', ['-server', 'false'], { server: true }, ['false']],
    ['string =', ['-name=x'], { name: 'x' }, []],
    ['string space', ['-name', 'x'], { name: 'x' }, []],
    ['string empty', ['-name='], { name: '' }, []],
    ['string with =', ['-name=a=b'], { name: 'a=b' }, []],
    ['string takes a dash value', ['-name', '-x'], { name: '-x' }, []],
    ['int', ['-port', '20500'], { port: 20500 }, []],
    ['int negative', ['-port=-1'], { port: -1 }, []],
    ['int hex', ['-port=0x10'], { port: 16 }, []],
    ['int octal', ['-port=010'], { port: 8 }, []],
    ['int binary', ['-port=0b11'], { port: 3 }, []],
    ['int underscores', ['-port=1_000'], { port: 1000 }, []],
    ['uint max', ['-flags=18446744073709551615'], { flags: 18446744073709551615n }, []],
    ['duration', ['-wait=1m30s'], { wait: 90_000 }, []],
    ['duration ms', ['-wait', '250ms'], { wait: 250 }, []],
    ['list repeats', ['-tag', 'a', '-tag=b'], { tag: ['a', 'b'] }, []],
    ['map k=v and k:v', ['-node-meta', 'rack=r1', '-node-meta=zone:z:1'], { 'node-meta': { rack: 'r1', zone: 'z:1' } }, []],
    ['map without separator', ['-node-meta=solo'], { 'node-meta': { solo: '' } }, []],
    ['stops at first positional', ['-server', 'pos', '-name=x'], { server: true, name: 'def' }, ['pos', '-name=x']],
    ['stops at --, drops it', ['-server', '--', '-name=x'], { name: 'def' }, ['-name=x']],
    ['- alone is positional', ['-', '-server'], { server: false }, ['-', '-server']],
    ['last wins', ['-name=a', '-name=b'], { name: 'b' }, []],
    ['defaults', [], { server: false, name: 'def', port: 8500, wait: 5000, tag: [], flags: 0n }, []],
  ];
  it.each(cases)('%s', (_name, args, want, rest) => {
    const fs = demo();
    const r = fs.parse(args);
    expect(r).toEqual({ kind: 'ok', args: rest });
    for (const [k, v] of Object.entries(want)) expect(fs.lookup(k)!.value).toEqual(v);
  });
});

describe('FlagSet.parse: Go error texts', () => {
  const cases: [string[], string][] = [
    [['-foo'], 'flag provided but not defined: -foo'],
    [['--foo=1'], 'flag provided but not defined: -foo'],
    [['-server=x'], 'invalid boolean value "x" for -server: parse error'],
    [['-server='], 'invalid boolean value "" for -server: parse error'],
    [['-port=abc'], 'invalid value "abc" for flag -port: parse error'],
    [['-port', '1.5'], 'invalid value "1.5" for flag -port: parse error'],
    [['-port=_1'], 'invalid value "_1" for flag -port: parse error'],
    [['-port=1__0'], 'invalid value "1__0" for flag -port: parse error'],
    [['-port=9223372036854775808'], 'invalid value "9223372036854775808" for flag -port: value out of range'],
    [['-flags=-1'], 'invalid value "-1" for flag -flags: parse error'],
    [['-flags=18446744073709551616'], 'invalid value "18446744073709551616" for flag -flags: value out of range'],
    [['-wait=5'], 'invalid value "5" for flag -wait: parse error'],
    [['-wait=\t'], 'invalid value "\\t" for flag -wait: parse error'],
    [['-port'], 'flag needs an argument: -port'],
    [['---x'], 'bad flag syntax: ---x'],
    [['-=x'], 'bad flag syntax: -=x'],
  ];
  it.each(cases)('%j', (args, message) => {
    expect(demo().parse(args)).toEqual({ kind: 'error', message });
  });

  it('a required map separator is enforced', () => {
    const fs = new FlagSet();
    fs.map('meta', 'm', { separators: '=', requireSeparator: true });
    expect(fs.parse(['-meta=a:b'])).toEqual({ kind: 'error', message: 'invalid value "a:b" for flag -meta: Missing "=" value in argument: a:b' });
  });
});

describe('help and set tracking', () => {
  it.each([['-h'], ['-help'], ['--help'], ['--h']])('%s asks for help', (arg) => {
    expect(demo().parse(['-server', arg])).toEqual({ kind: 'help' });
  });

  it('a defined -h is an ordinary flag', () => {
    const fs = new FlagSet();
    const h = fs.bool('h', false, 'x');
    expect(fs.parse(['-h'])).toEqual({ kind: 'ok', args: [] });
    expect(h.value).toBe(true);
  });

  it('tracks which flags were given, even at their default value', () => {
    const fs = demo();
    fs.parse(['-port=8500', '-tag=a', '-port=1', '-server=false']);
    expect(fs.setNames()).toEqual(['port', 'tag', 'server']);
    expect(fs.isSet('port')).toBe(true);
    expect(fs.isSet('name')).toBe(false);
    expect(fs.lookup('name')!.isSet).toBe(false);
  });
});

describe('Go strconv', () => {
  it.each([
    ['0', 0n],
    ['0x_1F', 31n],
    ['0o17', 15n],
    ['-0b101', -5n],
    ['+7', 7n],
  ])('ParseInt %s', (s, v) => expect(parseGoInt(s)).toEqual({ ok: true, value: v }));
  it.each(['', '0x', '08', '1_', '+', '- 1', '１'])('ParseInt rejects %j', (s) => expect(parseGoInt(s).ok).toBe(false));
  it('ParseUint rejects a sign', () => expect(parseGoUint('+1')).toEqual({ ok: false, error: 'parse error' }));
});

/** Consul 1.8.7's own `kv get` flags (usage texts verbatim), to check layout against its output. */
function consulKvGetFlags(): FlagSet {
  const fs = new FlagSet();
  const http = { section: httpSection, placeholder: 'value' };
  fs.bool('base64', false, 'Base64 encode the value. The default value is false.');
  fs.bool('detailed', false, 'Provide additional metadata about the key in addition to the value such as the ModifyIndex and any flags that may have been set on the key. The default value is false.');
  fs.bool('keys', false, 'List keys which start with the given prefix, but not their values. This is especially useful if you only need the key names themselves. This option is commonly combined with the -separator option. The default value is false.');
  fs.bool('recurse', false, 'Recursively look at all keys prefixed with the given path. The default value is false.');
  fs.string('separator', '/', 'String to use as a separator between keys. The default value is "/", but this option is only taken into account when paired with the -keys flag.');
  fs.string('namespace', '', "Specifies the namespace to query. If not provided, the namespace will be inferred from the request's ACL token, or will default to the `default` namespace. Namespaces are a Consul Enterprise feature.", { placeholder: 'value' });
  fs.string('http-addr', '', 'The `address` and port of the Consul HTTP agent. The value can be an IP address or DNS address, but it must also include the port. This can also be specified via the CONSUL_HTTP_ADDR environment variable. The default value is http://127.0.0.1:8500. The scheme can also be set to HTTPS by setting the environment variable CONSUL_HTTP_SSL=true.', http);
  fs.string('token', '', 'ACL token to use in the request. This can also be specified via the CONSUL_HTTP_TOKEN environment variable. If unspecified, the query will default to the token of the Consul agent at the HTTP address.', http);
  fs.string('token-file', '', 'File containing the ACL token to use in the request instead of one specified via the -token argument or CONSUL_HTTP_TOKEN environment variable. This can also be specified via the CONSUL_HTTP_TOKEN_FILE environment variable.', http);
  fs.string('ca-file', '', 'Path to a CA file to use for TLS when communicating with Consul. This can also be specified via the CONSUL_CACERT environment variable.', http);
  fs.string('ca-path', '', 'Path to a directory of CA certificates to use for TLS when communicating with Consul. This can also be specified via the CONSUL_CAPATH environment variable.', http);
  fs.string('client-cert', '', "Path to a client cert file to use for TLS when 'verify_incoming' is enabled. This can also be specified via the CONSUL_CLIENT_CERT environment variable.", http);
  fs.string('client-key', '', "Path to a client key file to use for TLS when 'verify_incoming' is enabled. This can also be specified via the CONSUL_CLIENT_KEY environment variable.", http);
  fs.string('tls-server-name', '', 'The server name to use as the SNI host when connecting via TLS. This can also be specified via the CONSUL_TLS_SERVER_NAME environment variable.', http);
  fs.string('datacenter', '', 'Name of the datacenter to query. If unspecified, this will default to the datacenter of the queried agent.', http);
  fs.bool('stale', false, 'Permit any Consul server (non-leader) to respond to this request. This allows for lower latency and higher throughput, but can result in stale data. This option has no effect on non-read operations. The default value is false.', { section: httpSection });
  return fs;
}

const testdata = (name: string): string => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

describe('usage output, against Consul 1.8.7', () => {
  it('commandUsage lays out `consul kv get -h` byte for byte', () => {
    const golden = testdata('consul-1.8.7-kv-get-help.txt');
    const help = golden.slice(0, golden.indexOf('\n\nHTTP API Options'));
    expect(commandUsage(help, consulKvGetFlags()) + '\n').toBe(golden);
  });

  it('errorText is Go flag’s error plus PrintDefaults, byte for byte', () => {
    const golden = testdata('consul-1.8.7-kv-put-flag-error.txt');
    const fs = new FlagSet();
    fs.bool('acquire', false, 'Obtain a lock on the key. If the key does not exist, this operation will create the key and obtain the lock. The session must already exist and be specified via the -session flag. The default value is false.');
    fs.bool('base64', false, 'Treat the data as base 64 encoded. The default value is false.');
    fs.bool('cas', false, 'Perform a Check-And-Set operation. Specifying this value also requires the -modify-index flag to be set. The default value is false.');
    fs.uint('flags', 0n, 'Unsigned integer value to assign to this key-value pair. This value is not read by Consul, so clients can use this value however makes sense for their use case. The default value is 0 (no flags).');
    fs.uint('modify-index', 0n, 'Unsigned integer representing the ModifyIndex of the key. This is used in combination with the -cas flag.');
    fs.bool('release', false, 'Forfeit the lock on the key at the given path. This requires the -session flag to be set. The key must be held by the session in order to be unlocked. The default value is false.');
    fs.string('session', '', 'User-defined identifer for this session as a string. This is commonly used with the -acquire and -release operations to build robust locking, but it can be set on any key. The default value is empty (no session).');
    const all = consulKvGetFlags();
    for (const name of ['namespace', 'http-addr', 'token', 'token-file', 'ca-file', 'ca-path', 'client-cert', 'client-key', 'tls-server-name', 'datacenter', 'stale']) {
      const f = all.lookup(name)!;
      if (f.kind === 'bool') fs.bool(name, false, f.usage);
      else fs.string(name, '', f.usage, { placeholder: 'value' });
    }
    const r = fs.parse(['-flags=x', 'a', 'b']);
    expect(r.kind).toBe('error');
    expect(r.kind === 'error' && fs.errorText(r.message)).toBe(golden);
  });

  it('printDefaults shows non-zero defaults as Go does', () => {
    const fs = new FlagSet();
    fs.bool('x', true, 'one letter');
    fs.duration('wait', 90_000, 'wait');
    fs.string('s', 'q"', 'quoted');
    fs.int('n', 0, 'zero');
    expect(fs.printDefaults()).toBe(
      '  -n int\n    \tzero\n  -s string\n    \tquoted (default "q\\"")\n  -wait duration\n    \twait (default 1m30s)\n  -x\tone letter (default true)\n',
    );
  });
});
