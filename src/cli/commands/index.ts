/**
 * The command registry: full command name → factory. Add a command by adding its entry; a
 * parent such as "kv" lists its subcommands in its help (main.ts) and needs no other wiring.
 */
import type { CommandFactory } from '../command.js';
import { AgentCommand } from './agent.js';
import { CatalogCommand } from './catalog/catalog.js';
import { CatalogDatacentersCommand } from './catalog/datacenters.js';
import { CatalogNodesCommand } from './catalog/nodes.js';
import { CatalogServicesCommand } from './catalog/services.js';
import { EventCommand } from './event.js';
import { ExecCommand } from './exec.js';
import { LockCommand } from './lock.js';
import { MaintCommand } from './maint.js';
import { MembersCommand } from './members.js';
import { MonitorCommand } from './monitor.js';
import { ReloadCommand } from './reload.js';
import { ServicesDeregisterCommand } from './services/deregister.js';
import { ServicesRegisterCommand } from './services/register.js';
import { ServicesCommand } from './services/services.js';
import { InfoCommand } from './info.js';
import { JoinCommand } from './join.js';
import { ForceLeaveCommand } from './force-leave.js';
import { KeygenCommand } from './keygen.js';
import { KeyringCommand } from './keyring.js';
import { KvDeleteCommand } from './kv/delete.js';
import { KvExportCommand } from './kv/export.js';
import { KvGetCommand } from './kv/get.js';
import { KvImportCommand } from './kv/import.js';
import { KvCommand } from './kv/kv.js';
import { KvPutCommand } from './kv/put.js';
import { LeaveCommand } from './leave.js';
import { OperatorAutopilotGetCommand } from './operator/autopilot-get-config.js';
import { OperatorAutopilotSetCommand } from './operator/autopilot-set-config.js';
import { operatorAutopilotCommand, operatorCommand, operatorRaftCommand } from './operator/operator.js';
import { OperatorRaftListPeersCommand } from './operator/raft-list-peers.js';
import { OperatorRaftRemovePeerCommand } from './operator/raft-remove-peer.js';
import { SnapshotInspectCommand } from './snapshot/inspect.js';
import { SnapshotRestoreCommand } from './snapshot/restore.js';
import { SnapshotSaveCommand } from './snapshot/save.js';
import { SnapshotCommand } from './snapshot/snapshot.js';
import { ValidateCommand } from './validate.js';
import { VersionCommand } from './version.js';
import { WatchCommand } from './watch.js';

export const commands = new Map<string, CommandFactory>([
  ['agent', () => new AgentCommand()],
  ['catalog', () => new CatalogCommand()],
  ['catalog datacenters', () => new CatalogDatacentersCommand()],
  ['catalog nodes', () => new CatalogNodesCommand()],
  ['catalog services', () => new CatalogServicesCommand()],
  ['event', () => new EventCommand()],
  ['exec', () => new ExecCommand()],
  ['lock', () => new LockCommand()],
  ['maint', () => new MaintCommand()],
  ['members', () => new MembersCommand()],
  ['monitor', () => new MonitorCommand()],
  ['reload', () => new ReloadCommand()],
  ['services', () => new ServicesCommand()],
  ['services deregister', () => new ServicesDeregisterCommand()],
  ['services register', () => new ServicesRegisterCommand()],
  ['info', () => new InfoCommand()],
  ['join', () => new JoinCommand()],
  ['force-leave', () => new ForceLeaveCommand()],
  ['keygen', () => new KeygenCommand()],
  ['keyring', () => new KeyringCommand()],
  ['kv', () => new KvCommand()],
  ['kv delete', () => new KvDeleteCommand()],
  ['kv export', () => new KvExportCommand()],
  ['kv get', () => new KvGetCommand()],
  ['kv import', () => new KvImportCommand()],
  ['kv put', () => new KvPutCommand()],
  ['leave', () => new LeaveCommand()],
  ['operator', operatorCommand],
  ['operator autopilot', operatorAutopilotCommand],
  ['operator autopilot get-config', () => new OperatorAutopilotGetCommand()],
  ['operator autopilot set-config', () => new OperatorAutopilotSetCommand()],
  ['operator raft', operatorRaftCommand],
  ['operator raft list-peers', () => new OperatorRaftListPeersCommand()],
  ['operator raft remove-peer', () => new OperatorRaftRemovePeerCommand()],
  ['snapshot', () => new SnapshotCommand()],
  ['snapshot inspect', () => new SnapshotInspectCommand()],
  ['snapshot restore', () => new SnapshotRestoreCommand()],
  ['snapshot save', () => new SnapshotSaveCommand()],
  ['validate', () => new ValidateCommand()],
  ['version', () => new VersionCommand()],
  ['watch', () => new WatchCommand()],
]);

export { AgentCommand, ValidateCommand, InfoCommand, KvCommand, KvDeleteCommand, KvExportCommand, KvGetCommand, KvImportCommand, KvPutCommand, LeaveCommand, VersionCommand };
export { CatalogCommand, CatalogDatacentersCommand, CatalogNodesCommand, CatalogServicesCommand, LockCommand, MaintCommand, MembersCommand, MonitorCommand, ReloadCommand };
export { ServicesCommand, ServicesDeregisterCommand, ServicesRegisterCommand };
