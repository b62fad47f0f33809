/**
 * Raft's I/O (DESIGN.md "Modules"): what the pure core in `raft/` leaves to the outside. The
 * storage in data_dir, the transport on the server RPC port, and the driver that runs the
 * core's Ready loop over both (README.md).
 */
export * from './storage/index.js';
export { RaftDriver, type RaftDriverOptions, type RaftDriverStatus, type RaftFsm } from './driver.js';
export { RaftTransport, type RaftTransportHandler, type RaftTransportOptions, type RaftTransportStats, type SnapshotSource } from './transport.js';
export { NotLeaderError, leadershipLostText, noLeaderText, notLeaderText, shutdownText } from './errors.js';
export * as raftioLimits from './limits.js';
