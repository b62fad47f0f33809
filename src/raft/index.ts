/** The pure Raft core: see README.md. */
export * from './types.js';
export { RaftNode } from './raft.js';
export type { ChangeError, ProposeError, ProgressStatus, RaftStatus } from './status.js';
export { commitAnnounceMs, raftDefaults } from './config.js';
export type { RaftOptions } from './config.js';
export type { Ready, Restored, Role, SoftState } from './ready.js';
export { isEmptyReady } from './ready.js';
export type { Message, MessageType } from './messages.js';
export { checkMessage, entriesBytes } from './messages.js';
export type { ReadError, ReadMode, ReadState } from './read-only.js';
export type { TransferError } from './leader.js';
export type { ConfigurationChange, ConfigurationOp } from './configuration.js';
export { checkConfiguration, decodeConfiguration, encodeConfiguration, isVoter, nextConfiguration, quorumSize, voterIds } from './configuration.js';
