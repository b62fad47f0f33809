import { describe, expect, it } from 'vitest';
import { Fsm, InMemoryLog } from '../fsm/index.js';
import { ManualClock } from '../lib/index.js';
import {
  catalogServiceNodes,
  catalogServices,
  checkServiceNodes,
  emptyCheckDefinition,
  kvsGet,
  nodeServices,
  restoreState,
  sessionGet,
  snapshotRecords,
  stateHash,
  Store,
  WatchSet,
  type CheckWrite,
  type ServiceWrite,
} from './index.js';

function setup() {
  const clock = new ManualClock(1_000);
  const store = new Store(clock);
  const log = new InMemoryLog(new Fsm(store));
  const node = (name: string, address = '10.0.0.1', id = '') => ({ id, node: name, address, datacenter: 'dc1', taggedAddresses: {}, meta: {} });
  const service = (id: string, name = id, tags: string[] = []): ServiceWrite => ({
    kind: '',
    id,
    service: name,
    tags,
    address: '',
    taggedAddresses: {},
    meta: {},
    port: 80,
    weights: { passing: 1, warning: 1 },
    enableTagOverride: false,
    proxy: null,
    connect: null,
  });
  const check = (nodeName: string, checkID: string, status: 'passing' | 'warning' | 'critical', serviceID = ''): CheckWrite => ({
    node: nodeName,
    checkID,
    name: checkID,
    status,
    notes: '',
    output: '',
    serviceID,
    type: 'ttl',
    definition: emptyCheckDefinition(),
  });
  const register = (nodeName: string, svc?: ServiceWrite, checks: CheckWrite[] = []) =>
    log.applySync({ type: 'register', req: { node: node(nodeName), skipNodeUpdate: false, service: svc, checks } });
  const session = (id: string, nodeName: string, extra: Partial<{ nodeChecks: string[]; behavior: 'release' | 'delete' }> = {}) =>
    log.applySync({
      type: 'session-create',
      session: { id, name: '', node: nodeName, lockDelayMs: 15_000, behavior: 'release', ttl: '', nodeChecks: [], serviceChecks: [], checks: [], ...extra },
    });
  return { clock, store, log, node, service, check, register, session };
}

describe('catalog registration', () => {
  it('rejects a service or check on an unknown node, and a check of an unknown service, changing nothing', () => {
    const { store, log, service, check, register } = setup();
    expect(log.applySync({ type: 'register', req: { node: { id: '', node: 'n1', address: '', datacenter: 'dc1', taggedAddresses: {}, meta: {} }, skipNodeUpdate: false, checks: [] } })).toBeNull();
    const before = stateHash(store.state);
    expect(register('n1', undefined, [check('n1', 'c', 'passing', 'nope')])).toEqual({ error: 'Missing service registration' });
    expect(register('n1', service('web'), [check('n2', 'c', 'passing')])).toEqual({ error: 'check node "n2" does not match node "n1"' });
    expect(stateHash(store.state)).toBe(before);
  });

  it('an identical re-registration keeps every index, so blocked health queries stay asleep', () => {
    const { store, service, check, register } = setup();
    register('n1', service('web'), [check('n1', 'web-check', 'passing', 'web')]);
    const first = checkServiceNodes(store, 'web');
    const ws = new WatchSet();
    checkServiceNodes(store, 'web', ws);
    let woke = 0;
    ws.watch(() => woke++);
    register('n1', service('web'), [check('n1', 'web-check', 'passing', 'web')]);
    expect(checkServiceNodes(store, 'web').index).toBe(first.index);
    expect(woke).toBe(0);
    register('n1', service('web'), [check('n1', 'web-check', 'critical', 'web')]);
    expect(woke).toBe(1);
    expect(checkServiceNodes(store, 'web').index).toBeGreaterThan(first.index);
  });

  it("a node-level check change moves the index of every service on that node, not others'", () => {
    const { store, service, check, register } = setup();
    register('n1', service('web'));
    register('n2', service('db'));
    const web = catalogServiceNodes(store, 'web').index;
    const db = catalogServiceNodes(store, 'db').index;
    register('n1', undefined, [check('n1', 'serfHealth', 'critical')]);
    expect(checkServiceNodes(store, 'web').index).toBeGreaterThan(web);
    expect(checkServiceNodes(store, 'db').index).toBe(db);
    const inst = checkServiceNodes(store, 'web').instances;
    expect(inst.map((i) => i.checks.map((c) => c.checkID))).toEqual([['serfHealth']]);
  });

  it('identical health reads of one state version share a result; every read still registers its watch; any write gives a fresh result', () => {
    const { store, service, check, register } = setup();
    register('n1', service('web-1', 'web'), [check('n1', 'serfHealth', 'passing'), check('n1', 'c1', 'passing', 'web-1')]);
    register('n1', service('web-2', 'web'), [check('n1', 'c2', 'passing', 'web-2')]);
    register('n2', service('web-3', 'web'), [check('n2', 'c3', 'warning', 'web-3')]);
    const a = checkServiceNodes(store, 'web');
    const ws = new WatchSet();
    const b = checkServiceNodes(store, 'WEB', ws);
    expect(b.instances).toBe(a.instances);
    expect(ws.size).toBeGreaterThan(0);
    expect(a.instances.map((i) => [i.service.id, i.checks.map((c) => c.checkID)])).toEqual([
      ['web-1', ['serfHealth', 'c1']],
      ['web-2', ['serfHealth', 'c2']],
      ['web-3', ['c3']],
    ]);
    let woke = 0;
    ws.watch(() => woke++);
    register('n1', service('web-2', 'web'), [check('n1', 'c2', 'critical', 'web-2')]);
    expect(woke).toBe(1);
    const c = checkServiceNodes(store, 'web');
    expect(c.instances).not.toBe(a.instances);
    expect(c.instances[1]!.checks.map((x) => x.status)).toEqual(['passing', 'critical']);
    expect(a.instances[1]!.checks.map((x) => x.status)).toEqual(['passing', 'passing']);
  });

  it('the index of a service never goes backwards when its last instance is deregistered', () => {
    const { store, log, service, register } = setup();
    register('n1', service('web'));
    register('n1', service('db'));
    const before = catalogServiceNodes(store, 'web').index;
    log.applySync({ type: 'deregister', node: 'n1', serviceID: 'web', checkID: '' });
    const after = catalogServiceNodes(store, 'web');
    expect(after.instances).toEqual([]);
    expect(after.index).toBeGreaterThan(before);
    expect([...catalogServices(store).services.keys()]).toEqual(['db']);
  });

  it('node and service IDs are case-insensitive; output keeps the registered case', () => {
    const { store, service, register } = setup();
    register('Node-A', service('Web-1', 'Web'));
    register('node-a', service('web-1', 'Web'));
    const r = nodeServices(store, 'NODE-A');
    expect(r.node?.node).toBe('node-a');
    expect(r.services.map((s) => s.id)).toEqual(['web-1']);
    expect(catalogServiceNodes(store, 'web').instances).toHaveLength(1);
  });

  it('deleting a node removes its services, checks and sessions', () => {
    const { store, log, service, check, register, session } = setup();
    register('n1', service('web'), [check('n1', 'serfHealth', 'passing')]);
    session('s1', 'n1', { nodeChecks: ['serfHealth'] });
    log.applySync({ type: 'deregister', node: 'n1', serviceID: '', checkID: '' });
    expect(store.state.services.size + store.state.checks.size + store.state.sessions.size + store.state.nodes.size).toBe(0);
    expect(store.state.sessionChecks.size).toBe(0);
  });
});

describe('sessions', () => {
  it('refuses checks that are missing or critical', () => {
    const { register, check, session } = setup();
    register('n1', undefined, [check('n1', 'bad', 'critical')]);
    expect(session('s1', 'n1', { nodeChecks: ['nope'] })).toEqual({ error: "Missing check 'nope' registration" });
    expect(session('s1', 'n1', { nodeChecks: ['bad'] })).toEqual({ error: "Check 'bad' is in critical state" });
    expect(session('s1', 'n2')).toEqual({ error: 'Missing node registration' });
  });

  it('a check going critical destroys its sessions, releasing their locks with lock-delay', () => {
    const { store, log, clock, register, check, session } = setup();
    register('n1', undefined, [check('n1', 'serfHealth', 'passing')]);
    session('s1', 'n1', { nodeChecks: ['serfHealth'] });
    const enc = new TextEncoder();
    expect(log.applySync({ type: 'kvs', op: 'lock', key: 'leader', value: enc.encode('me'), flags: 0n, index: 0, session: 's1' })).toBe(true);
    register('n1', undefined, [check('n1', 'serfHealth', 'critical')]);
    expect(sessionGet(store, 's1').session).toBeUndefined();
    expect(kvsGet(store, 'leader').entry).toMatchObject({ session: '', lockIndex: 1, value: enc.encode('me') });
    expect(store.lockDelay.remainingMs('leader')).toBe(15_000);
    clock.advance(15_000);
    expect(store.lockDelay.remainingMs('leader')).toBe(0);
  });

  it("behavior delete deletes the session's keys", () => {
    const { store, log, register, session } = setup();
    register('n1');
    session('s1', 'n1', { behavior: 'delete' });
    log.applySync({ type: 'kvs', op: 'lock', key: 'a', value: null, flags: 0n, index: 0, session: 's1' });
    log.applySync({ type: 'kvs', op: 'set', key: 'b', value: null, flags: 0n, index: 0, session: '' });
    log.applySync({ type: 'session-destroy', id: 's1' });
    expect(kvsGet(store, 'a').entry).toBeUndefined();
    expect(kvsGet(store, 'b').entry).toBeDefined();
  });

  it('snapshot and restore rebuild the secondary indexes', () => {
    const { store, log, register, check, service, session } = setup();
    register('n1', service('web'), [check('n1', 'serfHealth', 'passing')]);
    session('s1', 'n1', { nodeChecks: ['serfHealth'] });
    log.applySync({ type: 'kvs', op: 'lock', key: 'k', value: null, flags: 0n, index: 0, session: 's1' });
    const restored = restoreState(snapshotRecords(store.state));
    expect(stateHash(restored)).toBe(stateHash(store.state));
    expect([...restored.servicesByName.entries()]).toEqual([...store.state.servicesByName.entries()]);
    expect([...restored.sessionChecks.entries()]).toEqual([...store.state.sessionChecks.entries()]);
    expect([...restored.kvsBySession.entries()]).toEqual([...store.state.kvsBySession.entries()]);
  });
});
