/**
 * Every bound in Muster, in one place, each with why it is what it is. Names end in their unit.
 */

/** Largest KV value: Consul's `kv_max_value_size` default (raft.SuggestedMaxDataSize), 512 KiB. */
export const kvValueBytesMax = 512 * 1024;

/** Operations in one /v1/txn request: 64 in Consul up to 1.13 (we match 1.8.7, our reference). */
export const txnOpsMax = 64;

/** Bytes of one /v1/txn request body: Consul's `txn_max_req_len` default, 512 KiB. */
export const txnRequestBytesMax = 512 * 1024;

/** Bytes of any other request body we read into memory (service definitions, sessions...). */
export const requestBodyBytesMax = 512 * 1024 + 4096;

/** Blocking queries: `default_query_time` 300s and `max_query_time` 600s, as Consul. */
export const queryWaitMsDefault = 300_000;
export const queryWaitMsMax = 600_000;

/** Blocking-query jitter: up to wait/16 (Consul's structs.JitterFraction). */
export const queryJitterFraction = 16;

/**
 * Entries one slice of a long prefix read visits before the event loop gets a turn: walking
 * the persistent tree costs 0.1–0.3 µs an entry on a 2-vCPU machine (cache misses over
 * scattered nodes), so a slice is a few ms and a 1M-key read ~60 slices.
 */
export const readSliceEntries = 16_384;

/**
 * Watch channels one blocking query may hold before it falls back to a coarser (table-level)
 * watch: Consul's watchLimit (8192 since PR #7200; 2048 before caused GH#4984).
 */
export const watchSetSoftLimit = 8192;

/** Node meta: at most 64 pairs, keys up to 128 chars, values up to 512 (Consul's limits). */
export const nodeMetaPairsMax = 64;
export const nodeMetaKeyCharsMax = 128;
export const nodeMetaValueCharsMax = 512;

/** Lines kept in memory for /v1/agent/monitor subscribers that read slower than we log. */
export const monitorBufferLinesMax = 512;

/**
 * Distinct metric series (name + labels) kept per interval and in the totals: a bound so a
 * caller cannot grow memory without end (e.g. a label taken from a request path).
 */
export const metricsSeriesMax = 4096;

/**
 * Gossip broadcasts waiting to be piggybacked: serf's MaxQueueDepth default and the floor
 * Consul sets (lib/serf.go MinQueueDepth); with many members the bound is 2 × members.
 */
export const gossipBroadcastQueueDepthMax = 4096;

/**
 * One gossip push/pull stream frame: memberlist's maxPushStateBytes (20 MB). The full state of
 * a pool of many thousand members, with serf's recent events, fits well within it.
 */
export const gossipStreamBytesMax = 20 * 1024 * 1024;

/**
 * How long the event loop keeps polling after it wrote a reply before it sleeps (LoopSpin):
 * long enough for a client on the same machine or rack to send its next request (loopback
 * round trips here: 40–80 µs), short enough to cost nothing measurable on an idle agent.
 * `MUSTER_IDLE_SPIN_US` overrides it for the process (0 turns it off).
 */
export const idleSpinMs = 0.05;
