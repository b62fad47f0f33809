/**
 * The autopilot configuration (Consul's state/autopilot.go, table `autopilot-config`): one row
 * or none, replicated like every other table. Consul keeps no entry in its index table for it,
 * so neither do we; its own CreateIndex/ModifyIndex are what a CAS compares.
 */
import type { WriteTxn, Store } from './store.js';

/** Consul's autopilot.Config. Durations in milliseconds (Go's time.Duration may be negative). */
export interface AutopilotConfig {
  cleanupDeadServers: boolean;
  lastContactThresholdMs: number;
  maxTrailingLogs: number;
  minQuorum: number;
  serverStabilizationTimeMs: number;
  redundancyZoneTag: string;
  disableUpgradeMigration: boolean;
  upgradeVersionTag: string;
  createIndex: number;
  modifyIndex: number;
}

export type AutopilotConfigWrite = Omit<AutopilotConfig, 'createIndex' | 'modifyIndex'>;

/** The current configuration and its ModifyIndex (0 when none was ever written). */
export function autopilotConfigGet(store: Store): { index: number; config: AutopilotConfig | undefined } {
  const config = store.state.autopilotConfig;
  return { index: config?.modifyIndex ?? 0, config };
}

/** AutopilotSetConfig: writes the configuration, keeping the first write's CreateIndex. */
export function autopilotSetConfigTxn(tx: WriteTxn, write: AutopilotConfigWrite): AutopilotConfig {
  const existing = tx.state.autopilotConfig;
  const config: AutopilotConfig = {
    cleanupDeadServers: write.cleanupDeadServers,
    lastContactThresholdMs: write.lastContactThresholdMs,
    maxTrailingLogs: write.maxTrailingLogs,
    minQuorum: write.minQuorum,
    serverStabilizationTimeMs: write.serverStabilizationTimeMs,
    redundancyZoneTag: write.redundancyZoneTag,
    disableUpgradeMigration: write.disableUpgradeMigration,
    upgradeVersionTag: write.upgradeVersionTag,
    createIndex: existing?.createIndex ?? tx.index,
    modifyIndex: tx.index,
  };
  tx.state.autopilotConfig = config;
  return config;
}

/**
 * AutopilotCASConfig: writes only if a configuration exists and its ModifyIndex is `casIndex`
 * (so a CAS never creates the first one); false, and nothing changed, otherwise.
 */
export function autopilotCASConfigTxn(tx: WriteTxn, casIndex: number, write: AutopilotConfigWrite): boolean {
  const existing = tx.state.autopilotConfig;
  if (!existing || existing.modifyIndex !== casIndex) return false;
  autopilotSetConfigTxn(tx, write);
  return true;
}
