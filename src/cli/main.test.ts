import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RUN_RESULT_HELP, say, type Command, type CommandFactory } from './command.js';
import { InfoCommand, KvCommand, KvDeleteCommand, KvExportCommand, KvGetCommand, KvImportCommand, KvPutCommand, LeaveCommand, VersionCommand } from './commands/index.js';
import { main } from './main.js';
import { CaptureUi, FakeAgent } from './test-support.js';

const pkgVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const protocolLine = 'Protocol 2 spoken by default, understands 2 to 3 (agent will automatically use protocol >2 when speaking to compatible agents)';

/** The commands this suite knows (the real registry also has agent, validate, ...). */
const commands = new Map<string, CommandFactory>([
  ['info', () => new InfoCommand()],
  ['kv', () => new KvCommand()],
  ['kv delete', () => new KvDeleteCommand()],
  ['kv export', () => new KvExportCommand()],
  ['kv get', () => new KvGetCommand()],
  ['kv import', () => new KvImportCommand()],
  ['kv put', () => new KvPutCommand()],
  ['leave', () => new LeaveCommand()],
  ['version', () => new VersionCommand()],
]);

async function run(args: string[], registry: ReadonlyMap<string, CommandFactory> = commands, env: Record<string, string> = {}) {
  const ui = new CaptureUi(env);
  const code = await main(args, { ui, commands: registry });
  return { code, out: ui.stdout, err: ui.stderr };
}

const usage = [
  'Usage: muster [--version] [--help] <command> [<args>]',
  '',
  'Available commands are:',
  '    info       Provides debugging information for operators.',
  '    kv         Interact with the key-value store',
  '    leave      Gracefully leaves the Muster cluster and shuts down',
  '    version    Prints the Muster version',
  '',
  '',
].join('\n');

describe('main: dispatch as mitchellh/cli does for Consul', () => {
  it.each([
    [[], 127, '', usage],
    [['nope'], 127, '', usage],
    [[''], 127, '', usage],
    [['-h'], 0, usage, ''],
    [['--help'], 0, usage, ''],
    [['-help', 'kv', '--'], 0, commandsHelp('kv'), ''],
    [['kv'], 1, '', commandsHelp('kv')],
    [['kv', 'nope'], 1, '', commandsHelp('kv')],
  ] as const)('%j', async (args, code, out, err) => {
    expect(await run([...args])).toEqual({ code, out, err });
  });

  it.each([['-v'], ['-version'], ['--version'], ['-v', 'kv', 'get'], ['version']])('%j prints the version', async (...args) => {
    expect(await run(args)).toEqual({ code: 0, out: `Muster v${pkgVersion}\n${protocolLine}\n\n`, err: '' });
  });

  it('version -format=json, and a bad format', async () => {
    const r = await run(['version', '-format=json']);
    expect(JSON.parse(r.out)).toEqual({ Version: pkgVersion, Revision: '', Prerelease: '', RPC: { Default: 2, Min: 2, Max: 3 } });
    expect(r.out.split('\n')[1]).toBe(`   "Version": "${pkgVersion}",`);
    expect(await run(['version', '-format=xml'])).toEqual({ code: 1, out: '', err: 'Unknown format: xml\n' });
  });

  it('help anywhere before -- wins, on stdout with exit 0', async () => {
    const r = await run(['kv', 'get', 'foo', '-h']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^Usage: muster kv get \[options\] \[KEY_OR_PREFIX\]\n/);
    expect(r.out).toMatch(/\n\nHTTP API Options\n\n {2}-ca-file=<value>\n/);
    expect(r.out).toMatch(/\n\nCommand Options\n\n {2}-base64\n {5}Base64 encode the value\. The default value is false\.\n/);
    expect(r.out.endsWith('the -keys flag.\n')).toBe(true);
  });

  it('a flag before the command', async () => {
    const r = await run(['-foo', 'kv', 'get']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^Invalid flags before the subcommand\. If these flags are for\nthe subcommand, please put them after the subcommand\.\n\nUsage: muster kv get /);
  });

  it('after -- nothing is a help flag', async () => {
    const seen: string[][] = [];
    const cmd: Command = { name: 'x', synopsis: 's', help: () => 'Usage: x', run: async (args, ui) => (seen.push(args), say(ui, 'ran'), 0) };
    expect(await run(['x', '--', '-h'], new Map([['x', () => cmd]]))).toEqual({ code: 0, out: 'ran\n', err: '' });
    expect(seen).toEqual([['--', '-h']]);
  });

  it('a registry can add commands; missing parents are filled in', async () => {
    const leaf: Command = { name: 'a b', synopsis: 'leaf', help: () => 'Usage: a b', run: async () => RUN_RESULT_HELP };
    const registry = new Map([...commands, ['a b', () => leaf]]);
    expect((await run([], registry)).err).toContain('    a          \n    info       ');
    expect(await run(['a'], registry)).toEqual({ code: 1, out: '', err: 'This command is accessed by using one of the subcommands below.\n\nSubcommands:\n    b    leaf\n' });
    expect(await run(['a', 'b'], registry)).toEqual({ code: 1, out: '', err: 'Usage: a b\n' });
  });
});

function commandsHelp(name: string): string {
  return (
    commands.get(name)!().help() +
    '\n\nSubcommands:\n' +
    '    delete    Removes data from the KV store\n' +
    '    export    Exports a tree from the KV store as JSON\n' +
    '    get       Retrieves or lists data from the KV store\n' +
    '    import    Imports a tree stored as JSON to the KV store\n' +
    '    put       Sets or updates data in the KV store\n'
  );
}

describe('info and leave', () => {
  let agent: FakeAgent;
  let env: Record<string, string>;
  beforeEach(async () => {
    agent = new FakeAgent();
    env = { CONSUL_HTTP_ADDR: await agent.start() };
  });
  afterEach(() => agent.stop());

  it('info prints the Stats sections and keys sorted', async () => {
    agent.stats = { raft: { state: 'Leader', applied_index: '12' }, agent: { services: '0', checks: '0' } };
    expect(await run(['info'], undefined, env)).toEqual({
      code: 0,
      out: 'agent:\n\tchecks = 0\n\tservices = 0\nraft:\n\tapplied_index = 12\n\tstate = Leader\n',
      err: '',
    });
    expect(agent.requests.map((r) => r.url)).toEqual(['/v1/agent/self']);
  });

  it('info: agent unreachable', async () => {
    agent.override = () => ({ status: 500, body: 'boom' });
    expect(await run(['info'], undefined, env)).toEqual({ code: 1, out: '', err: 'Error querying agent: Unexpected response code: 500 (boom)\n' });
  });

  it('leave', async () => {
    expect(await run(['leave'], undefined, env)).toEqual({ code: 0, out: 'Graceful leave complete\n', err: '' });
    expect(agent.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['PUT /v1/agent/leave']);
    const extra = await run(['leave', 'a', 'b'], undefined, env);
    expect(extra.code).toBe(1);
    expect(extra.err).toBe('Error found unexpected args: [a b]\n');
    expect(extra.out).toMatch(/^Usage: muster leave \[options\]\n/);
  });
});
