/**
 * Raft's I/O (DESIGN.md "Modules"): what the pure core in `raft/` leaves to the outside. So far
 * the storage in data_dir; the transport and the driving loop come with the cluster wiring.
 */
export * from './storage/index.js';
