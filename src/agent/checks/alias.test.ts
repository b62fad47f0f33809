import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/process.js';
import { ManualClock, nullLogger } from '../../lib/index.js';
import { aliasStatus, createAliasRunner, type AliasCheckInfo, type AliasSource } from './alias.js';
import type { CheckStatus } from './types.js';

const chk = (over: Partial<AliasCheckInfo>): AliasCheckInfo => ({
  node: 'n1', checkID: 'c', name: 'c', status: 'passing', output: '', serviceID: '', serviceName: '', ...over,
});

/** A local state with checks and services, and Consul's AddAliasCheck notifications. */
class FakeLocal implements AliasSource {
  checks: AliasCheckInfo[] = [];
  services = new Set<string>();
  watchers = new Map<string, Set<() => void>>();
  remote: Array<{ index: number; checks: AliasCheckInfo[] } | Error> = [];
  remoteCalls: number[] = [];
  pending: Array<() => void> = [];
  localChecks() {
    return this.checks;
  }
  localServiceExists(id: string) {
    return this.services.has(id);
  }
  watchLocalService(id: string, onChange: () => void) {
    const set = this.watchers.get(id) ?? new Set();
    set.add(onChange);
    this.watchers.set(id, set);
    return () => void set.delete(onChange);
  }
  setCheck(c: AliasCheckInfo) {
    this.checks = [...this.checks.filter((x) => x.checkID !== c.checkID), c];
    for (const w of this.watchers.get(c.serviceID) ?? []) w();
  }
  /** Blocking query: answers from `remote` in order, or waits until one is pushed. */
  nodeChecks(_node: string, minIndex: number, signal: AbortSignal) {
    this.remoteCalls.push(minIndex);
    return new Promise<{ index: number; checks: AliasCheckInfo[] }>((resolve, reject) => {
      const answer = (): void => {
        const next = this.remote.shift()!;
        if (next instanceof Error) reject(next);
        else resolve(next);
      };
      if (this.remote.length > 0) answer();
      else this.pending.push(answer);
      signal.addEventListener('abort', () => reject(new Error('aborted')));
    });
  }
  push(r: { index: number; checks: AliasCheckInfo[] } | Error) {
    this.remote.push(r);
    this.pending.shift()?.();
  }
  nodeHasService(_node: string, id: string) {
    return Promise.resolve(id === 'web');
  }
}

function setup(aliasNode: string, aliasService: string) {
  const clock = new ManualClock();
  const source = new FakeLocal();
  const updates: Array<[CheckStatus, string]> = [];
  const deps = { clock, rng: { next: () => 0, int: () => 0 }, logger: nullLogger, update: (_: string, s: CheckStatus, o: string) => void updates.push([s, o]) };
  const runner = createAliasRunner({ checkID: 'alias', aliasNode, aliasService, source }, deps);
  return { clock, source, updates, runner };
}

describe('aliasStatus (processChecks)', () => {
  const o = { aliasNode: '', aliasService: 'web' };
  it.each<[string, AliasCheckInfo[], CheckStatus, string, boolean]>([
    ['no checks', [], 'passing', 'No checks found.', false],
    ['all passing', [chk({ serviceID: 'web' })], 'passing', 'All checks passing.', true],
    ['a warning', [chk({ serviceID: 'web' }), chk({ serviceID: 'web', name: 'w', status: 'warning', output: 'meh' })], 'warning', 'Aliased check "w" failing: meh', true],
    ['critical wins', [chk({ serviceID: 'web', name: 'w', status: 'warning' }), chk({ serviceID: 'web', name: 'x', status: 'critical', output: 'down' })], 'critical', 'Aliased check "x" failing: down', true],
    ['node checks count', [chk({ name: 'serf', status: 'critical', output: 'gone' })], 'critical', 'Aliased check "serf" failing: gone', false],
    ['other services do not', [chk({ serviceID: 'db', status: 'critical' })], 'passing', 'No checks found.', false],
  ])('%s', (_what, checks, status, output, serviceFound) => {
    expect(aliasStatus(o, checks)).toEqual({ status, output, serviceFound });
  });

  it('with only alias_node, mirrors the node checks of that node', () => {
    const r = aliasStatus({ aliasNode: 'n1', aliasService: '' }, [chk({ node: 'n2', status: 'critical' }), chk({ serviceID: 'web', status: 'critical' }), chk({})]);
    expect(r).toEqual({ status: 'passing', output: 'All checks passing.', serviceFound: true });
  });
});

describe('alias of a local service', () => {
  it('says so when the service is missing (no node name in the text, as Consul)', () => {
    const t = setup('', 'ghost');
    t.runner.start();
    expect(t.updates).toEqual([['critical', 'Service ghost could not be found on node ']]);
    t.runner.stop();
  });

  it('is passing for a service without checks, and follows its checks', async () => {
    const t = setup('', 'web');
    t.source.services.add('web');
    t.runner.start();
    expect(t.updates).toEqual([['passing', 'No checks found.']]);
    t.source.setCheck(chk({ checkID: 'w1', name: 'web ttl', serviceID: 'web', status: 'critical', output: 'TTL expired' }));
    t.source.setCheck(chk({ checkID: 'w1', name: 'web ttl', serviceID: 'web', status: 'critical', output: 'TTL expired' }));
    await waitFor('the change', () => t.updates[1]);
    expect(t.updates).toEqual([['passing', 'No checks found.'], ['critical', 'Aliased check "web ttl" failing: TTL expired']]); // two changes, one re-read
    t.source.setCheck(chk({ checkID: 'w1', name: 'web ttl', serviceID: 'web', status: 'passing' }));
    await waitFor('the change', () => t.updates[2]);
    expect(t.updates[2]).toEqual(['passing', 'All checks passing.']);
    t.runner.stop();
    t.source.setCheck(chk({ checkID: 'w1', serviceID: 'web', status: 'critical' }));
    await Promise.resolve();
    expect(t.updates).toHaveLength(3);
  });

  it('re-reads at least once a minute', () => {
    const t = setup('', 'web');
    t.source.services.add('web');
    t.runner.start();
    t.source.checks = [chk({ serviceID: 'web', status: 'warning', name: 'n', output: 'o' })]; // changed without a notification
    t.clock.advance(60_000);
    expect(t.updates.at(-1)).toEqual(['warning', 'Aliased check "n" failing: o']);
    t.runner.stop();
  });
});

describe('alias of a remote node', () => {
  it('follows blocking queries, with the index of the last answer', async () => {
    const t = setup('n1', 'web');
    t.runner.start();
    t.source.push({ index: 7, checks: [chk({ serviceID: 'web', status: 'critical', name: 'api', output: 'x' })] });
    await waitFor('first answer', () => t.updates[0]);
    expect(t.updates[0]).toEqual(['critical', 'Aliased check "api" failing: x']);
    await waitFor('second query', () => (t.source.remoteCalls.length === 2 ? true : undefined));
    expect(t.source.remoteCalls).toEqual([0, 7]);
    t.source.push({ index: 9, checks: [] }); // no checks for web: does the node have it? yes
    await waitFor('second answer', () => t.updates[1]);
    expect(t.updates[1]).toEqual(['passing', 'No checks found.']);
    t.runner.stop();
  });

  it('reports a missing remote service with the node name', async () => {
    const t = setup('n1', 'ghost');
    t.runner.start();
    t.source.push({ index: 3, checks: [] });
    expect(await waitFor('answer', () => t.updates[0])).toEqual(['critical', 'Service ghost could not be found on node n1']);
    t.runner.stop();
  });

  it('reports failures from the second one on, then backs off on the clock', async () => {
    const t = setup('n1', 'web');
    t.runner.start();
    for (let i = 0; i < 4; i++) t.source.push(new Error('rpc error: No cluster leader'));
    await waitFor('three reports', () => (t.updates.length === 3 ? true : undefined));
    expect(t.updates[0]).toEqual(['critical', 'Failure checking aliased node or service: rpc error: No cluster leader']);
    await waitFor('the fourth query', () => (t.source.remoteCalls.length === 4 ? true : undefined));
    t.source.push({ index: 4, checks: [] });
    await Promise.resolve();
    expect(t.source.remoteCalls).toHaveLength(4); // attempt 4 > 3: sleeps 2s first
    t.clock.advance(2000);
    await waitFor('recovery', () => (t.updates.at(-1)![0] === 'passing' ? true : undefined));
    t.runner.stop();
  });
});
