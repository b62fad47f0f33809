/**
 * The storage's bounds and defaults, each with why it is what it is (units last in names).
 * lib/limits.ts holds the bounds shared across modules; these only matter on this disk.
 */

/**
 * Segment size: etcd's WAL SegmentSizeBytes (64 MiB). Large enough that a roll (one extra
 * fdatasync and a directory fsync) is rare, small enough that compaction frees space in steps.
 */
export const segmentBytesDefault = 64 * 1024 * 1024;

/** Smallest segment accepted (tests use tiny segments to exercise rolls). */
export const segmentBytesMin = 256;

/**
 * Largest segment: record offsets are stored as u32 (the durable watermark in every record).
 */
export const segmentBytesMax = 0xffff_ffff;

/**
 * Largest entry data: far above Consul's SuggestedMaxDataSize (512 KiB) and its
 * txn_max_req_len; an entry above it is a programmer error, not something to write.
 */
export const entryDataBytesMax = 64 * 1024 * 1024;

/**
 * Appended but unsynced bytes kept in memory before they are written out (still without an
 * fdatasync): bounds memory for a caller that appends much and syncs rarely.
 */
export const pendingBytesMax = 4 * 1024 * 1024;

/**
 * Bytes read per call when the log is replayed in batches: decoding 1 MiB of small entries
 * (~7k of 128 bytes) holds the event loop for about 10 ms.
 */
export const readBatchBytesDefault = 1024 * 1024;

/** Zeros written per call when a segment is preallocated. */
export const zeroFillChunkBytes = 1024 * 1024;

/** A segment being preallocated in the background is fdatasynced after every this many bytes. */
export const spareSyncEveryBytes = 8 * 1024 * 1024;

/**
 * Records scanned at open before yielding to the event loop, so opening a large log never
 * holds the loop for long (a 64 MiB segment of 100-byte entries is ~600k records; 8k of them
 * take about 10 ms).
 */
export const scanYieldRecords = 8192;

/** The disk sector size whose all-zero content marks a write that never reached the disk. */
export const sectorBytes = 512;

/** Snapshots kept: hashicorp/raft's retain, as Consul configures it (snapshotsRetained = 2). */
export const snapshotsRetainedDefault = 2;

/** Bytes per chunk when a snapshot is streamed back, and the write buffer of a sink. */
export const snapshotChunkBytes = 256 * 1024;
