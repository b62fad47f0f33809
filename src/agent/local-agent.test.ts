import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { Fsm, InMemoryLog } from '../fsm/index.js';
import { ManualClock, nullLogger, SeededRng } from '../lib/index.js';
import { Server } from '../server/index.js';
import { emptyCheckDefinition, nodeChecks, nodeServices, Store } from '../state/index.js';
import { LocalAgent } from './local-agent.js';

/** A LocalAgent on a manual clock, syncing into an in-process server's store. */
function setup(hcl: string[] = []) {
  const clock = new ManualClock(1_700_000_000_000);
  const store = new Store(clock);
  const log = new InMemoryLog(new Fsm(store));
  const server = new Server({ store, log, clock, rng: new SeededRng(2), logger: nullLogger, datacenter: 'dc1', rpcAddress: '127.0.0.1:8300', newID: () => 'x' });
  const { config } = loadConfig({ dev: true, paths: [], format: '', hcl, flags: { node_name: 'n1' }, host: { hostname: 'h', privateIPv4s: [] } });
  const nodeInfo = () => ({ id: '', node: 'n1', address: '127.0.0.1', datacenter: 'dc1', taggedAddresses: {}, meta: {} });
  log.applySync({
    type: 'register',
    req: { node: nodeInfo(), skipNodeUpdate: false, checks: [{ node: 'n1', checkID: 'serfHealth', name: 'Serf Health Status', status: 'passing', notes: '', output: '', serviceID: '', type: '', definition: emptyCheckDefinition() }] },
  });
  const agent = new LocalAgent({ config, clock, rng: new SeededRng(3), logger: nullLogger, server, nodeInfo });
  /** Lets timers due now, and the promise chains they start, run to completion. */
  const settle = async (ms = 0): Promise<void> => {
    clock.advance(ms);
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setImmediate(r));
      clock.advance(0);
    }
  };
  const catalog = () => ({ services: nodeServices(store, 'n1').services.map((s) => s.id), checks: nodeChecks(store, 'n1').checks });
  return { clock, store, log, server, agent, settle, catalog };
}

describe('LocalAgent: local state and anti-entropy', () => {
  it('pushes a registration to the catalog at once, and a deregistration too', async () => {
    const { agent, settle, catalog } = setup();
    agent.start();
    agent.registerService({ Name: 'web', Port: 80, Check: { TTL: '30s' } }, false);
    await settle();
    expect(catalog().services).toEqual(['web']);
    expect(catalog().checks.map((c) => [c.checkID, c.status])).toEqual([
      ['serfHealth', 'passing'],
      ['service:web', 'critical'],
    ]);
    agent.deregisterService('web');
    await settle();
    expect(catalog().services).toEqual([]);
    expect(catalog().checks.map((c) => c.checkID)).toEqual(['serfHealth']);
    agent.stop();
  });

  it('repairs a catalog that drifted at the next full sync, leaving serfHealth alone', async () => {
    const { agent, settle, catalog, log } = setup();
    agent.start();
    agent.registerService({ Name: 'web', Port: 80 }, false);
    await settle();
    // Someone removes our service behind the agent's back, and adds one the agent does not know.
    log.applySync({ type: 'deregister', node: 'n1', serviceID: 'web', checkID: '' });
    log.applySync({
      type: 'register',
      req: { node: { id: '', node: 'n1', address: '127.0.0.1', datacenter: 'dc1', taggedAddresses: {}, meta: {} }, skipNodeUpdate: true, service: { kind: '', id: 'rogue', service: 'rogue', tags: [], address: '', taggedAddresses: {}, meta: {}, port: 1, weights: { passing: 1, warning: 1 }, enableTagOverride: false, proxy: null, connect: null }, checks: [] },
    });
    expect(catalog().services).toEqual(['rogue']);
    await settle(2 * 60_000 + 1); // the full sync interval plus its largest stagger
    expect(catalog().services).toEqual(['web']);
    expect(catalog().checks.map((c) => c.checkID)).toEqual(['serfHealth']);
    agent.stop();
  });

  it('syncs a status change at once but an output-only change after check_update_interval', async () => {
    const { agent, settle, catalog } = setup(['check_update_interval = "5m"']);
    agent.start();
    agent.registerCheck({ Name: 'mem', TTL: '1h' });
    await settle();
    agent.updateTtl('mem', 'passing', 'ok 1');
    await settle();
    const status = () => catalog().checks.find((c) => c.checkID === 'mem')!;
    expect([status().status, status().output]).toEqual(['passing', 'ok 1']);
    agent.updateTtl('mem', 'passing', 'ok 2');
    await settle();
    expect(status().output).toBe('ok 1');
    expect(agent.checks().find((c) => c.checkID === 'mem')!.output).toBe('ok 2');
    await settle(5 * 60_000);
    expect(status().output).toBe('ok 2');
    agent.stop();
  });

  it('deregisters a service whose check stayed critical past deregister_critical_service_after', async () => {
    const { agent, settle, catalog } = setup();
    agent.start();
    agent.registerService({ Name: 'flaky', Check: { TTL: '10s', DeregisterCriticalServiceAfter: '1m' } }, false);
    await settle();
    await settle(60_000);
    expect(catalog().services).toEqual(['flaky']);
    await settle(31_000);
    expect(catalog().services).toEqual([]);
    expect(agent.services()).toEqual([]);
    agent.stop();
  });
});
