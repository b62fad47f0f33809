/** The autopilot configuration table through the FSM: set, CAS (Consul's state/autopilot_test.go), snapshot. */
import { describe, expect, it } from 'vitest';
import { autopilotRuntimeDefaults } from '../config/index.js';
import { Fsm, InMemoryLog } from './index.js';
import { autopilotConfigGet, restoreState, snapshotRecords, stateHash, Store, type AutopilotConfigWrite } from '../state/index.js';

const conf = (over: Partial<AutopilotConfigWrite> = {}): AutopilotConfigWrite => ({ ...autopilotRuntimeDefaults, ...over });

function setup() {
  const store = new Store();
  const log = new InMemoryLog(new Fsm(store));
  return { store, log };
}

describe('autopilot configuration', () => {
  it('is absent until written; a write keeps the first CreateIndex and moves ModifyIndex', async () => {
    const { store, log } = setup();
    expect(autopilotConfigGet(store)).toEqual({ index: 0, config: undefined });
    expect(await log.apply({ type: 'autopilot-set', config: conf() })).toBe(true);
    expect(autopilotConfigGet(store)).toEqual({ index: 1, config: { ...conf(), createIndex: 1, modifyIndex: 1 } });
    await log.apply({ type: 'noop' });
    expect(await log.apply({ type: 'autopilot-set', config: conf({ cleanupDeadServers: false, maxTrailingLogs: 5 }) })).toBe(true);
    expect(autopilotConfigGet(store).config).toEqual({ ...conf({ cleanupDeadServers: false, maxTrailingLogs: 5 }), createIndex: 1, modifyIndex: 3 });
  });

  it('a CAS writes only over the ModifyIndex it names, and never creates the first configuration', async () => {
    const { store, log } = setup();
    expect(await log.apply({ type: 'autopilot-set', config: conf(), cas: 0 })).toBe(false);
    expect(store.state.autopilotConfig).toBeUndefined();
    await log.apply({ type: 'autopilot-set', config: conf() }); // index 2
    expect(await log.apply({ type: 'autopilot-set', config: conf({ minQuorum: 3 }), cas: 1 })).toBe(false);
    expect(store.state.autopilotConfig?.minQuorum).toBe(0);
    expect(await log.apply({ type: 'autopilot-set', config: conf({ minQuorum: 3 }), cas: 2 })).toBe(true);
    expect(store.state.autopilotConfig).toMatchObject({ minQuorum: 3, createIndex: 2, modifyIndex: 4 });
    expect(await log.apply({ type: 'autopilot-set', config: conf({ minQuorum: 5 }), cas: 2 })).toBe(false);
    expect(store.state.autopilotConfig?.minQuorum).toBe(3);
  });

  it('survives a snapshot and restore, and is part of the state hash', async () => {
    const { store, log } = setup();
    await log.apply({ type: 'kvs', op: 'set', key: 'k', value: new Uint8Array([1]), flags: 0n, index: 0, session: '' });
    const before = stateHash(store.state);
    await log.apply({ type: 'autopilot-set', config: conf({ lastContactThresholdMs: -5, redundancyZoneTag: 'zone' }) });
    expect(stateHash(store.state)).not.toBe(before);
    const records = [...snapshotRecords(store.state)];
    expect(records.filter((r) => r.t === 'autopilot')).toHaveLength(1);
    const restored = restoreState(records);
    expect(restored.autopilotConfig).toEqual(store.state.autopilotConfig);
    expect(stateHash(restored)).toBe(stateHash(store.state));
    const other = new Store();
    new Fsm(other).restore(log.lastIndex, records);
    expect(autopilotConfigGet(other)).toEqual({ index: 2, config: { ...conf({ lastContactThresholdMs: -5, redundancyZoneTag: 'zone' }), createIndex: 2, modifyIndex: 2 } });
  });
});
