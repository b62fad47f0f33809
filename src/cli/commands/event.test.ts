import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserEvents, uuidToUint64 } from '../../agent/user-events.js';
import { Client, Event, idToIndex } from '../../api/index.js';
import type { HttpApi } from '../../http/index.js';
import { harness, testHttpApi } from '../../http/test-harness.js';
import { ManualClock, nullLogger } from '../../lib/index.js';
import { main } from '../main.js';
import { CaptureUi } from '../test-support.js';
import { EventCommand } from './event.js';

let api: HttpApi;
let events: UserEvents;
let addr: string;
let env: Record<string, string>;

/** A real HTTP API on a free port whose gossip delivers every fired event straight back. */
beforeEach(async () => {
  const h = harness();
  let n = 0;
  events = new UserEvents({
    nodeName: 'vm',
    localServices: () => [{ id: 'web', service: 'web', tags: ['v1'] }],
    newID: () => `${(0x1234abcd + ++n).toString(16)}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    clock: new ManualClock(),
    logger: nullLogger,
    fire: async (encoded) => events.receive(encoded, n),
    remoteExec: () => {},
  });
  api = testHttpApi(h.server, h.clock, { nodeName: 'vm', events });
  const { port } = await api.listen('127.0.0.1', 0);
  addr = `127.0.0.1:${port}`;
  env = { MUSTER_HTTP_ADDR: addr };
});
afterEach(() => api.close());

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const ui = new CaptureUi(env);
  const code = await main(['event', ...args], { ui });
  return { code, out: ui.stdout, err: ui.stderr };
}

const helpText = new EventCommand().help();

describe('muster event', () => {
  it('fires and prints the ID; the agent records the event with its payload and filters', async () => {
    const plain = await run(['-name=deploy']);
    expect(plain).toEqual({ code: 0, out: `Event ID: ${events.events()[0]!.id}\n`, err: '' });
    const full = await run(['-name=deploy', '-service=web', '-tag=v1', '-node=vm', 'payload']);
    expect(full.code).toBe(0);
    const e = events.lastEvent()!;
    expect(full.out).toBe(`Event ID: ${e.id}\n`);
    expect([Buffer.from(e.payload!).toString(), e.nodeFilter, e.serviceFilter, e.tagFilter]).toEqual(['payload', 'vm', 'web', 'v1']);
  });

  it("refuses bad input with Consul's texts before calling the agent", async () => {
    const cases: Array<[string[], string]> = [
      [[], `Event name must be specified\n\n${helpText}\n`],
      [['-name=x', 'a', 'b'], `Too many command line arguments.\n\n${helpText}\n`],
      [['-node=(', '-name=x'], 'Failed to compile node filter regexp: error parsing regexp: missing closing ): `(`\n'],
      [['-service=[a', '-name=x'], 'Failed to compile service filter regexp: error parsing regexp: missing closing ]: `[a`\n'],
      [['-tag=*', '-name=x'], 'Failed to compile tag filter regexp: error parsing regexp: missing argument to repetition operator: `*`\n'],
      [['-tag=v1', '-name=x'], 'Cannot provide tag filter without service filter.\n'],
    ];
    for (const [args, err] of cases) expect(await run(args)).toEqual({ code: 1, out: '', err });
    expect(events.events()).toEqual([]);
  });

  it("reports the agent's refusal and an unreachable agent as Consul does", async () => {
    const big = await run(['-name=big', 'a'.repeat(450)]);
    expect(big).toEqual({
      code: 1,
      out: '',
      err: 'Error firing event: Unexpected response code: 500 (1 error occurred:\n\t* error broadcasting event to segment "": user event exceeds configured limit of 512 bytes before encoding\n\n)\n',
    });
    env = { MUSTER_HTTP_ADDR: '127.0.0.1:1' };
    expect(await run(['-name=x'])).toEqual({
      code: 1,
      out: '',
      err: 'Error querying Consul agent: Get "http://127.0.0.1:1/v1/agent/self": dial tcp 127.0.0.1:1: connect: connection refused\n',
    });
  });
});

describe('api Event client', () => {
  it("fires, lists and blocks as Go's client: X-Consul-Index is IDToIndex of the last event", async () => {
    const client = new Client({ address: addr });
    try {
      const ev = new Event(client);
      const id = await ev.fire({ name: 'foo', payload: 'bar', serviceFilter: 'web', tagFilter: 'v1' });
      const { events: listed, meta } = await ev.list();
      expect(listed.at(-1)).toMatchObject({ id, name: 'foo', serviceFilter: 'web', tagFilter: 'v1', version: 1 });
      expect(listed.at(-1)!.payload?.toString()).toBe('bar');
      expect(meta.lastIndex).toBe(ev.idToIndex(id));
      expect(idToIndex(id)).toBe(uuidToUint64(id));
      // A blocking list with the current index returns once another event arrives.
      const blocked = ev.list('', { index: meta.lastIndex, waitMs: 60_000 });
      const next = await ev.fire({ name: 'foo' });
      const after = await blocked;
      expect([after.events.at(-1)!.id, after.meta.lastIndex]).toEqual([next, idToIndex(next)]);
      expect((await ev.list('nosuch')).meta.lastIndex).toBe(1n);
    } finally {
      client.close();
    }
  });

  it('keeps an index above 2^53 exact', () => {
    expect(idToIndex('28786ba7-7045-0d97-8e4a-fdd2c8de0dd1')).toBe(11975799791484076102n);
    expect(() => idToIndex('nonsense')).toThrow('Failed to convert');
  });
});
