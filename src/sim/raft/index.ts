/** The deterministic Raft simulator (issue 6 "Simulator"): see README.md. */
export { runSeed, formatFailure, replayCommand, TRACE_LINES } from './run-seed.js';
export type { RunFailure, RunOptions, RunResult, RunStats } from './run-seed.js';
export { bugNames, drawSwarm, formatSwarm, leaderBoundMs, maxElectionMs, membershipOn, partitionModes, DEFAULT_SAFETY_MS, MEMBERSHIP_ON } from './swarm.js';
export type { BugName, PartitionMode, Swarm, SwarmOverrides } from './swarm.js';
export { SimFailure } from './failure.js';
export type { CheckerName } from './failure.js';
export { Cluster } from './cluster.js';
export { figure8 } from './figure8.js';
