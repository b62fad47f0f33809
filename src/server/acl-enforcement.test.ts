/**
 * What a token may do at the server's endpoints, with `default_policy = "deny"`: KV reads are
 * refused or filtered by key rules, writes and deletes need write (a tree delete needs it on
 * every key below), txn operations are refused before anything is applied and their reads are
 * filtered, catalog writes need node or service write as Consul vets them, catalog, health and
 * session reads are filtered, and operator and snapshot calls need their rules. Tokens and
 * policies are made through the ACL endpoint, so the log, the resolver's cache and its
 * invalidation are the real ones. Expected outcomes follow Consul 1.8.7's acl checks.
 */
import { describe, expect, it } from 'vitest';
import type { TxnOp } from '../state/index.js';
import { aclServer, tokenArgs } from './acl-test-harness.js';
import type { KVApply, ReadOptions } from './endpoints.js';

async function setup(defaultPolicy: 'allow' | 'deny' = 'deny') {
  const { server, store, newID } = aclServer({ defaultPolicy }, 9);
  await server.acl.initialize();
  /** A token holding one new policy with `rules`; returns its SecretID. */
  const tokenWith = async (rules: string): Promise<string> => {
    const policy = await server.acl.policySet('', { id: '', name: `p-${newID().slice(0, 8)}`, description: '', rules, datacenters: [] }, 'root');
    return (await server.acl.tokenSet('', tokenArgs({ policies: [{ id: policy.id, name: '' }] }), true, 'root')).secretID;
  };
  return { server, store, tokenWith };
}

const ro = (token: string): ReadOptions => ({ datacenter: '', consistency: 'default', minIndex: 0, waitMs: 0, token });
const put = (key: string, value = 'v'): KVApply => ({ op: 'set', key, value: new TextEncoder().encode(value), flags: 0n, index: 0, session: '' });

async function denied(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  return 'allowed';
}

describe('ACL enforcement: KV', () => {
  it('refuses reads and writes the rules do not grant, and filters recursive reads', async () => {
    const { server, tokenWith } = await setup();
    for (const k of ['app/a', 'app/secret/x', 'other/b']) await server.kvApply('', put(k), 'root');
    const reader = await tokenWith('key_prefix "app/" { policy = "read" }\nkey_prefix "app/secret/" { policy = "deny" }');
    expect(await denied(server.kvGet('other/b', ro('')))).toBe('Permission denied');
    expect(await denied(server.kvGet('other/b', ro(reader)))).toBe('Permission denied');
    expect((await server.kvGet('app/a', ro(reader))).value?.key).toBe('app/a');
    expect((await server.kvList('', ro(reader))).value.map((e) => e.key)).toEqual(['app/a']);
    expect((await server.kvKeys('', '', ro(reader))).value).toEqual(['app/a']);
    // The index is the unfiltered one (Consul's), so a blocking read still wakes on any change under the prefix.
    expect((await server.kvList('', ro(reader))).meta.index).toBe((await server.kvList('', ro('root'))).meta.index);
    expect(await denied(server.kvApply('', put('app/a', 'w'), reader))).toBe('Permission denied');
    expect(await denied(server.kvGet('x', ro('no-such-token')))).toBe('ACL not found');
  });

  it('needs write on every key below a prefix to delete the tree', async () => {
    const { server, tokenWith } = await setup();
    for (const k of ['app/a', 'app/locked/x']) await server.kvApply('', put(k), 'root');
    const writer = await tokenWith('key_prefix "app/" { policy = "write" }\nkey_prefix "app/locked/" { policy = "read" }');
    expect(await server.kvApply('', put('app/b'), writer)).toBe(true);
    expect(await denied(server.kvApply('', { ...put('app/'), op: 'delete-tree', value: null }, writer))).toBe('Permission denied');
    expect((await server.kvList('app/', ro('root'))).value.map((e) => e.key)).toEqual(['app/a', 'app/b', 'app/locked/x']);
    expect(await server.kvApply('', { ...put('app/b'), op: 'delete', value: null }, writer)).toBe(true);
  });

  it('refuses a txn with a forbidden operation whole, and filters what a read-only txn returns', async () => {
    const { server, store, tokenWith } = await setup();
    await server.kvApply('', put('app/a'), 'root');
    await server.kvApply('', put('other/b'), 'root');
    const writer = await tokenWith('key_prefix "app/" { policy = "write" }');
    const op = (verb: 'set' | 'get', key: string): TxnOp => ({ kv: { verb, key, value: verb === 'set' ? new Uint8Array([1]) : null, flags: 0n, index: 0, session: '' } });
    const index = store.latestIndex;
    const r = await server.txn('', [op('set', 'app/c'), op('set', 'other/c')], { consistency: 'default', token: writer });
    expect(r.outcome.errors).toEqual([{ opIndex: 1, what: 'Permission denied' }]);
    expect(store.latestIndex).toBe(index);
    expect((await server.kvGet('app/c', ro('root'))).value).toBeUndefined();
    const read = await server.txn('', [op('get', 'app/a'), op('get', 'other/b')], { consistency: 'default', token: writer });
    expect(read.outcome.errors).toEqual([]);
    expect(read.outcome.results.map((x) => ('kv' in x ? x.kv.key : ''))).toEqual(['app/a']);
  });

  it('sees a policy change at once (the resolver cache follows the tables)', async () => {
    const { server } = await setup();
    await server.kvApply('', put('k'), 'root');
    const policy = await server.acl.policySet('', { id: '', name: 'kv', description: '', rules: 'key "k" { policy = "read" }', datacenters: [] }, 'root');
    const token = await server.acl.tokenSet('', tokenArgs({ policies: [{ id: policy.id, name: '' }] }), true, 'root');
    expect((await server.kvGet('k', ro(token.secretID))).value?.key).toBe('k');
    await server.acl.policySet('', { id: policy.id, name: 'kv', description: '', rules: 'key "k" { policy = "deny" }', datacenters: [] }, 'root');
    expect(await denied(server.kvGet('k', ro(token.secretID)))).toBe('Permission denied');
    await server.acl.tokenDelete('', token.accessorID, 'root');
    expect(await denied(server.kvGet('k', ro(token.secretID)))).toBe('ACL not found');
  });
});

describe('ACL enforcement: catalog, health, sessions', () => {
  const node = { id: '', node: 'n1', address: '10.0.0.1', datacenter: 'dc1', taggedAddresses: {}, meta: {} };
  const service = (name: string, id = name) => ({
    kind: '',
    id,
    service: name,
    tags: [],
    address: '',
    taggedAddresses: {},
    meta: {},
    port: 80,
    weights: { passing: 1, warning: 1 },
    enableTagOverride: false,
    proxy: null,
    connect: null,
  });

  it('vets registrations as Consul does: service write for the service, node write only when the node changes', async () => {
    const { server, tokenWith } = await setup();
    await server.catalog.register('', { node, skipNodeUpdate: false, checks: [] }, 'root');
    const web = await tokenWith('service "web" { policy = "write" }');
    await server.catalog.register('', { node, skipNodeUpdate: false, service: service('web'), checks: [] }, web);
    expect(await denied(server.catalog.register('', { node, skipNodeUpdate: false, service: service('db'), checks: [] }, web))).toBe('Permission denied');
    expect(await denied(server.catalog.register('', { node: { ...node, address: '10.0.0.2' }, skipNodeUpdate: false, service: service('web'), checks: [] }, web))).toBe(
      'Permission denied',
    );
    // Taking over an ID that a service of another name holds needs write on that name too.
    await server.catalog.register('', { node, skipNodeUpdate: false, service: service('db', 'shared'), checks: [] }, 'root');
    expect(await denied(server.catalog.register('', { node, skipNodeUpdate: false, service: service('web', 'shared'), checks: [] }, web))).toBe('Permission denied');
    expect(await denied(server.catalog.deregister('', 'n1', 'shared', '', web))).toBe('Permission denied');
    await server.catalog.deregister('', 'n1', 'web', '', web);
    expect(await denied(server.catalog.deregister('', 'n1', '', '', web))).toBe('Permission denied');
  });

  it('filters catalog, health and session reads by node, service and session rules', async () => {
    const { server, tokenWith } = await setup();
    await server.catalog.register('', { node, skipNodeUpdate: false, service: service('web'), checks: [] }, 'root');
    await server.catalog.register('', { node: { ...node, node: 'n2' }, skipNodeUpdate: false, service: service('db'), checks: [] }, 'root');
    await server.sessions.create('', { name: '', node: 'n1', lockDelayMs: 0, behavior: 'release', ttl: '', nodeChecks: [], serviceChecks: [], checks: [] }, 'root');
    await server.sessions.create('', { name: '', node: 'n2', lockDelayMs: 0, behavior: 'release', ttl: '', nodeChecks: [], serviceChecks: [], checks: [] }, 'root');
    const viewer = await tokenWith('node "n1" { policy = "read" }\nservice_prefix "" { policy = "read" }\nsession "n1" { policy = "read" }');
    expect((await server.catalog.nodes(ro(viewer))).value.map((n) => n.node)).toEqual(['n1']);
    expect([...(await server.catalog.services(ro(viewer))).value.keys()].sort()).toEqual(['db', 'web']);
    expect((await server.catalog.healthService('db', [], ro(viewer))).value).toEqual([]);
    expect((await server.catalog.healthService('web', [], ro(viewer))).value.map((v) => v.node.node)).toEqual(['n1']);
    expect((await server.catalog.nodeServices('n2', ro(viewer))).value).toBeUndefined();
    expect((await server.sessions.list(ro(viewer))).value.map((s) => s.node)).toEqual(['n1']);
    expect(await denied(server.sessions.create('', { name: '', node: 'n1', lockDelayMs: 0, behavior: 'release', ttl: '', nodeChecks: [], serviceChecks: [], checks: [] }, viewer))).toBe(
      'Permission denied',
    );
  });
});

describe('ACL enforcement: operator and events', () => {
  it('needs operator read to read the Raft configuration and operator write to change autopilot', async () => {
    const { server, tokenWith } = await setup();
    const reader = await tokenWith('operator = "read"');
    expect(await denied(server.operator.raftConfiguration('', { consistency: 'stale', token: '' }))).toBe('Permission denied');
    expect((await server.operator.raftConfiguration('', { consistency: 'stale', token: reader })).servers.length).toBe(1);
    const conf = await server.operator.autopilotConfiguration('', { consistency: 'stale', token: reader }).catch(() => undefined);
    expect(conf).toBeUndefined(); // not initialized in this bare server: the check passed, the read did not
    expect(
      await denied(
        server.operator.autopilotSetConfiguration(
          '',
          {
            cleanupDeadServers: true,
            lastContactThresholdMs: 200,
            maxTrailingLogs: 250,
            minQuorum: 0,
            serverStabilizationTimeMs: 10_000,
            redundancyZoneTag: '',
            disableUpgradeMigration: false,
            upgradeVersionTag: '',
          },
          undefined,
          reader,
        ),
      ),
    ).toBe('Permission denied');
  });

  it('needs event write to fire an event', async () => {
    const { server, tokenWith } = await setup();
    const deploy = await tokenWith('event_prefix "deploy" { policy = "write" }');
    expect(await denied(server.eventFire('', 'other', new Uint8Array(), deploy))).toBe('Permission denied');
    // Allowed, then refused for lack of gossip in this bare server: the ACL check comes first.
    expect(await denied(server.eventFire('', 'deploy-web', new Uint8Array(), deploy))).toBe('user events need gossip');
  });
});

describe('ACL enforcement: default policy allow', () => {
  it('lets the anonymous token do what no rule forbids, but not manage ACLs', async () => {
    const { server } = await setup('allow');
    expect(await server.kvApply('', put('k'), '')).toBe(true);
    expect((await server.kvGet('k', ro(''))).value?.key).toBe('k');
    expect(await denied(server.acl.policyList(ro('')))).toBe('Permission denied');
  });
});
