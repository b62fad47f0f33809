import { describe, expect, it } from 'vitest';
import type { UserEvent } from '../http/event.js';
import { ManualClock, type Logger } from '../lib/index.js';
import type { KVApply, ReadOptions } from '../server/endpoints.js';
import type { KVEntry } from '../state/index.js';
import { RemoteExec, remoteExecRefusal, type RexecLauncher, type RexecProcess } from './remote-exec.js';
import { encodeUserEvent, UserEvents } from './user-events.js';
import { remoteExecOutputBytes } from './remote-exec-output.js';

const session = '5e1a6b2c-0000-4000-8000-000000000001';
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

interface Logged {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

function logger(lines: Logged[]): Logger {
  const l: Logger = {
    trace: (message, fields) => lines.push({ level: 'trace', message, fields }),
    debug: (message, fields) => lines.push({ level: 'debug', message, fields }),
    info: (message, fields) => lines.push({ level: 'info', message, fields }),
    warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
    error: (message, fields) => lines.push({ level: 'error', message, fields }),
    named: () => l,
    enabled: () => true,
  };
  return l;
}

/** KV as the servers keep it for these calls: lock writes succeed only while the session lives. */
class FakeServer {
  readonly kv = new Map<string, KVEntry>();
  readonly writes: Array<{ key: string; value: string | null; op: string; session: string }> = [];
  readonly reads: string[] = [];
  sessionAlive = true;
  /** Consistency modes that see the job (a stale read may not yet). */
  jobVisibleTo = new Set(['stale', 'default']);
  index = 1;

  put(key: string, value: string | null): void {
    this.kv.set(key, { key, value: value === null ? null : enc(value), flags: 0n, createIndex: this.index, modifyIndex: this.index++, lockIndex: 1, session });
  }
  kvGet(key: string, opts: ReadOptions): Promise<{ meta: never; value: KVEntry | undefined }> {
    this.reads.push(opts.consistency);
    const visible = this.jobVisibleTo.has(opts.consistency);
    return Promise.resolve({ meta: undefined as never, value: visible ? this.kv.get(key) : undefined });
  }
  kvApply(_dc: string, req: KVApply): Promise<boolean> {
    this.writes.push({ key: req.key, value: dec(req.value), op: req.op, session: req.session });
    if (!this.sessionAlive) return Promise.resolve(false);
    this.put(req.key, dec(req.value));
    return Promise.resolve(true);
  }
}

/** Processes the test drives: output and exit by hand. */
class FakeLauncher implements RexecLauncher {
  started: string[][] = [];
  spilled: Array<{ path: string; script: string; removed: boolean }> = [];
  failStart = false;
  output: (chunk: Uint8Array) => void = () => {};
  exit: (code: number) => void = () => {};
  held: boolean[] = [];

  shellArgs(script: string): string[] {
    return ['/bin/sh', '-c', script];
  }
  spillScript(script: Uint8Array): Promise<{ path: string; remove: () => void }> {
    const s = { path: `/tmp/rexec${this.spilled.length}`, script: dec(script)!, removed: false };
    this.spilled.push(s);
    return Promise.resolve({ path: s.path, remove: () => void (s.removed = true) });
  }
  start(argv: string[], onOutput: (chunk: Uint8Array) => void): Promise<RexecProcess> {
    this.started.push(argv);
    if (this.failStart) return Promise.reject(new Error('exec: "nope": executable file not found in $PATH'));
    this.output = onOutput;
    return Promise.resolve({ exited: new Promise<number>((resolve) => (this.exit = resolve)), hold: (h) => this.held.push(h) });
  }
}

function setup(spec: Record<string, unknown> | null = { Command: 'uptime', Wait: 2e9 }, disabled = false): {
  server: FakeServer;
  launcher: FakeLauncher;
  clock: ManualClock;
  rexec: RemoteExec;
  logs: Logged[];
  event: (id?: string) => UserEvent;
} {
  const server = new FakeServer();
  if (spec) server.put(`_rexec/${session}/job`, JSON.stringify(spec));
  const launcher = new FakeLauncher();
  const clock = new ManualClock();
  const logs: Logged[] = [];
  const rexec = new RemoteExec({ nodeName: 'web-1', datacenter: 'dc1', server, disabled, launcher, clock, logger: logger(logs) });
  const event = (id = '11111111-2222-3333-4444-555555555555'): UserEvent => ({
    id,
    name: '_rexec',
    payload: enc(JSON.stringify({ Prefix: '_rexec', Session: session })),
    nodeFilter: '',
    serviceFilter: '',
    tagFilter: '',
    version: 1,
    ltime: 1,
  });
  return { server, launcher, clock, rexec, logs, event };
}

/** Lets the job's awaits run (no time passes on the manual clock). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

const nodeKeys = (s: FakeServer): Array<[string, string | null]> =>
  s.writes.map((w) => [w.key.replace(`_rexec/${session}/web-1/`, ''), w.value] as [string, string | null]);

describe('remote exec on the agent (Consul handleRemoteExec)', () => {
  it('acks, streams output, heartbeats after Wait of silence, and writes the exit code, all as locks', async () => {
    const { server, launcher, clock, rexec, event } = setup();
    rexec.handle(event());
    await settle();
    expect(launcher.started).toEqual([['/bin/sh', '-c', 'uptime']]);
    launcher.output(enc('hello\n'));
    clock.advance(500);
    await settle();
    clock.advance(2000); // Wait (2s) with no output: a heartbeat
    await settle();
    launcher.output(enc('bye\n'));
    launcher.exit(3);
    await rexec.idle();
    expect(nodeKeys(server)).toEqual([
      ['ack', null],
      ['out/00000', 'hello\n'],
      ['out/00001', null],
      ['out/00002', 'bye\n'],
      ['exit', '3'],
    ]);
    expect(server.writes.every((w) => w.op === 'lock' && w.session === session)).toBe(true);
    expect(server.reads).toEqual(['stale']);
  });

  it('numbers uploads in hex and cuts big output into 4 KiB chunks', async () => {
    const { server, launcher, rexec, event } = setup();
    rexec.handle(event());
    await settle();
    for (let i = 0; i < 17; i++) launcher.output(new Uint8Array(remoteExecOutputBytes).fill(97));
    launcher.exit(0);
    await rexec.idle();
    const keys = nodeKeys(server).map(([k]) => k);
    expect(keys.slice(-3)).toEqual(['out/0000f', 'out/00010', 'exit']);
    expect(server.writes.filter((w) => w.key.includes('/out/')).every((w) => w.value!.length === remoteExecOutputBytes)).toBe(true);
  });

  it('retries a stale read that finds no job as a default read', async () => {
    const { server, launcher, rexec, event } = setup();
    server.jobVisibleTo = new Set(['default']);
    rexec.handle(event());
    await settle();
    launcher.exit(0);
    await rexec.idle();
    expect(server.reads).toEqual(['stale', 'default']);
    expect(nodeKeys(server)).toEqual([['ack', null], ['exit', '0']]);
  });

  it('gives up silently when there is no job at all', async () => {
    const { server, rexec, event, logs } = setup(null);
    rexec.handle(event());
    await rexec.idle();
    expect(server.writes).toEqual([]);
    expect(logs.map((l) => l.message)).toContain('remote exec aborted, job spec missing');
  });

  it('runs Args directly, and a Script from a temp file it removes afterwards', async () => {
    const direct = setup({ Args: ['ls', '-l'], Wait: 1e9 });
    direct.rexec.handle(direct.event());
    await settle();
    direct.launcher.exit(0);
    await direct.rexec.idle();
    expect(direct.launcher.started).toEqual([['ls', '-l']]);

    const script = setup({ Script: Buffer.from('echo hi\n').toString('base64'), Wait: 1e9 });
    script.rexec.handle(script.event());
    await settle();
    expect(script.launcher.started).toEqual([['/bin/sh', '-c', '/tmp/rexec0']]);
    expect(script.launcher.spilled[0]).toMatchObject({ script: 'echo hi\n', removed: false });
    script.launcher.exit(0);
    await script.rexec.idle();
    expect(script.launcher.spilled[0]!.removed).toBe(true);
  });

  it('writes exit code 255 when the command cannot start', async () => {
    const { server, launcher, rexec, event } = setup();
    launcher.failStart = true;
    rexec.handle(event());
    await rexec.idle();
    expect(nodeKeys(server)).toEqual([['ack', null], ['exit', '255']]);
  });

  it('stops uploading and writes 255 once a write is refused (the session is gone)', async () => {
    const { server, launcher, clock, rexec, event, logs } = setup();
    rexec.handle(event());
    await settle();
    server.sessionAlive = false;
    launcher.output(enc('late'));
    clock.advance(500);
    await settle();
    launcher.output(enc('dropped'));
    clock.advance(500);
    await rexec.idle();
    expect(nodeKeys(server)).toEqual([['ack', null], ['out/00000', 'late'], ['exit', '255']]);
    expect(logs.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      'failed to write output for remote exec job',
      'failed to write exit code for remote exec job',
    ]);
  });

  it('runs an event once even when gossip delivers it twice, and ignores a bad payload', async () => {
    const { server, launcher, rexec, event, logs } = setup();
    rexec.handle(event());
    rexec.handle(event());
    await settle();
    launcher.exit(0);
    await rexec.idle();
    expect(launcher.started).toHaveLength(1);
    rexec.handle({ ...event('99999999-2222-3333-4444-555555555555'), payload: enc('not json') });
    await rexec.idle();
    expect(logs.map((l) => l.message)).toContain('failed to decode remote exec event');
    expect(server.writes.filter((w) => w.key.endsWith('/exit'))).toHaveLength(1);
  });

  it('with disable_remote_exec, runs nothing and answers with one line naming the setting and exit code 255', async () => {
    const { server, launcher, rexec, event, logs } = setup(undefined, true);
    rexec.handle(event());
    await rexec.idle();
    expect(launcher.started).toEqual([]);
    expect(nodeKeys(server)).toEqual([
      ['ack', null],
      ['out/00000', remoteExecRefusal],
      ['exit', '255'],
    ]);
    expect(remoteExecRefusal).toContain('disable_remote_exec');
    expect(server.writes.every((w) => w.op === 'lock' && w.session === session)).toBe(true);
    expect(logs).toContainEqual({ level: 'info', message: 'refusing remote exec event, disabled.', fields: { event_name: '_rexec', event_id: '11111111-2222-3333-4444-555555555555' } });
  });

  it('with disable_remote_exec and no job, writes nothing', async () => {
    const { server, rexec, event } = setup(null, true);
    rexec.handle(event());
    await rexec.idle();
    expect(server.writes).toEqual([]);
  });
});

describe('routing of _rexec user events', () => {
  function events(remoteExec: (msg: UserEvent) => void, logs: Logged[]): UserEvents {
    return new UserEvents({
      nodeName: 'web-1',
      localServices: () => [],
      newID: () => '11111111-2222-3333-4444-555555555555',
      clock: new ManualClock(),
      logger: logger(logs),
      fire: () => Promise.resolve(),
      remoteExec,
    });
  }
  const wire = (nodeFilter: string, id: string): Uint8Array =>
    encodeUserEvent({ id, name: '_rexec', payload: enc('{}'), nodeFilter, serviceFilter: '', tagFilter: '', version: 1, ltime: 0 });

  it('hands an event that selects this agent to remote exec, never into the event list', () => {
    const got: string[] = [];
    const logs: Logged[] = [];
    const ev = events((msg) => got.push(msg.id), logs);
    ev.receive(wire('^web-', '11111111-2222-3333-4444-555555555555'), 1);
    ev.receive(wire('^db-', '22222222-2222-3333-4444-555555555555'), 2);
    expect(got).toEqual(['11111111-2222-3333-4444-555555555555']);
    expect(ev.events()).toEqual([]);
  });
});
