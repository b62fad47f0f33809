/**
 * Bounds and defaults of the Raft transport and driver, each with why (units last in names).
 * The storage's own bounds are in storage/constants.ts.
 */

// ---- transport ----

/** Messages queued for one peer while its connection is being dialled or its socket is full;
 * more are dropped and counted (Raft tolerates loss: the leader re-sends, a candidate retries).
 * 1,024 is over a second of heartbeats and appends at the default tick. */
export const peerQueueMessagesMax = 1024;

/** Bytes of those queued messages: one full pipeline of appends (maxInflightAppends 128 ×
 * maxBytesPerAppend 1 MiB would be too much memory per peer; 64 MiB is a frame's bound). */
export const peerQueueBytesMax = 64 * 1024 * 1024;

/** Unsent bytes in a peer socket's buffer beyond which messages wait in the queue instead. */
export const peerSocketBufferBytesMax = 8 * 1024 * 1024;

/**
 * Dial deadline of a peer connection. hashicorp/raft's NetworkTransport uses 10 s for every
 * RPC; messages to a peer that does not answer are dropped meanwhile, so a shorter deadline
 * only bounds how long an unreachable peer holds a socket (others are never held up).
 */
export const dialTimeoutMs = 2_000;

/**
 * Backoff between redials after a failure, doubling from the minimum to the maximum
 * (hashicorp/raft backs off heartbeats from 10 ms; its cap of minutes is far too long for a
 * peer that restarts: half an election timeout at the default timing keeps a restarted
 * follower in touch before it would campaign).
 */
export const redialBackoffMsMin = 25;
export const redialBackoffMsMax = 500;

/** Snapshot streams sent at once (each reads a file and fills a socket). */
export const outboundSnapshotsMax = 4;

/** Snapshot streams received at once: one leader sends at most one; a second is a stale one. */
export const inboundSnapshotsMax = 2;

/**
 * A snapshot stream (either side) with no progress for this long fails: the chunk writes or
 * reads stalled, or the peer vanished without a reset. A 256 KiB chunk takes milliseconds.
 */
export const snapshotIdleTimeoutMs = 10_000;

/** Largest chunk frame the receiver accepts (the store hands out 256 KiB chunks). */
export const snapshotChunkBytesMax = 4 * 1024 * 1024;

// ---- driver ----

/**
 * The tick: Consul's ElectionTimeout 1 s and HeartbeatTimeout 1 s at raft_multiplier 1 map to a
 * 100 ms tick with the core's electionTicks 10 (src/raft/config.ts). raft_multiplier scales it.
 */
export const tickMsDefault = 100;

/** Consul 1.8.7's raft_snapshot_threshold (agent/consul/config.go): 16384 new log entries. */
export const snapshotThresholdDefault = 16_384;

/**
 * Consul 1.8.7's raft_snapshot_interval: the threshold is checked every 30 s plus a random
 * part of up to the same again (hashicorp/raft's randomTimeout), so servers rarely snapshot at
 * the same moment.
 */
export const snapshotIntervalMsDefault = 30_000;

/**
 * The commit index in the hard state is only a hint (it lets a restarted server apply sooner).
 * It is written after the entries it covers are durable, at most this often, so followers do
 * not pay a second fsync per batch.
 */
export const commitHintIntervalMs = 1_000;

/**
 * A leadership transfer not done within this many election timeouts is reported as failed
 * (hashicorp/raft: ErrLeadershipTransferTimeout after one ElectionTimeout; the core itself
 * gives up after one, this leaves room for the election that follows).
 */
export const transferTimeoutElections = 2;
