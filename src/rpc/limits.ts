/**
 * Every bound of the RPC transport, each with why. (They live here rather than in lib/limits.ts
 * because nothing outside rpc/ reads them; the agent may override the timing ones per listener
 * or pool through the options.)
 */

/**
 * Largest frame (one request or response), 64 MiB. Large enough for the biggest real reply (a
 * full catalog or health listing of a large datacenter: 50,000 service instances at about
 * 1 KiB each), small enough that a corrupt or hostile length field (up to 4 GiB) cannot make
 * either side buffer unbounded memory. A bigger request is refused before it is sent; a bigger
 * incoming frame closes the connection, since the stream cannot be resynchronised.
 */
export const frameBytesMax = 64 * 1024 * 1024;

/** Length prefix of a frame: u32 big-endian. */
export const frameHeaderBytes = 4;

/**
 * Calls sent and not yet answered on one connection. Every HTTP blocking query of a client
 * agent holds one for up to 10 minutes, and Consul allows 200 HTTP connections per client IP
 * (`http_max_conns_per_client`), so this is far above real use, and it bounds the server's
 * handlers per connection (the server refuses requests beyond it).
 */
export const callsInFlightMax = 4096;

/**
 * Calls queued on one connection behind the in-flight bound, a dial, or a full socket buffer;
 * more fail at once as `overloaded` (retryable on another server). Bytes of their encoded
 * requests are bounded too, so that queued calls cannot hold more than two frames' worth.
 */
export const callsWaitingMax = 4096;
export const waitingBytesMax = 2 * frameBytesMax;

/**
 * Unsent bytes in a socket's buffer before a side stops writing: the client stops sending new
 * requests (they wait) until the socket drains; the server closes a connection whose peer reads
 * so little of its replies that more than this piles up (two whole frames behind).
 */
export const clientWriteBufferBytesMax = frameBytesMax;
export const serverWriteBufferBytesMax = 2 * frameBytesMax;

/**
 * List replies (ListReply, server.ts): a reply whose body holds one long list goes as parts of
 * at most this many items, each its own frame, then the rest of the body. A whole-store KV read
 * of 1M keys is 130 MB: as one frame it is over frameBytesMax, and encoding or decoding it at
 * once holds the event loop (Raft heartbeats, gossip, HTTP) for hundreds of ms. 1,000 KV entries
 * are about 100 KB, one to three ms to encode or decode; 1M keys make about 1,000 parts, whose
 * per-part cost (a frame header, a turn of the loop) is nothing beside that. A list of at most this many
 * items goes whole in one ordinary reply when it fits a frame.
 */
export const listPartItems = 1000;

/**
 * ...and of about this many bytes. The first part has listFirstPartItems items; each next one
 * has its item count scaled to listPartBytes from the bytes per item of the one before, growing
 * at most twofold, so that a list of large items (KV values of up to 512 KiB) also goes in short
 * steps and no part is tried far over the bound: encoding 1,000 such values only to find them
 * over frameBytesMax would take half a GB and seconds. A part over frameBytesMax all the same
 * (items of sharply uneven size) is cut, by half or more, until it fits. 1 MiB is a few ms of
 * encoding for the densest items.
 */
export const listPartBytes = 1024 * 1024;
export const listFirstPartItems = 16;

/**
 * Unsent bytes in the socket above which the server waits for `drain` before the next part of a
 * list, so that a slow reader never makes it buffer a whole list (the list stays in the handler's
 * objects, encoded a part at a time) nor reach serverWriteBufferBytesMax. Small: replies to other
 * calls on the connection queue behind what is unsent (one TCP stream, no per-call window as
 * yamux has), and the client reads a 1M-entry list at ~25 MB/s. 1 MiB still keeps a LAN busy.
 */
export const listBufferBytesMax = 1024 * 1024;

/**
 * Time the client spends decoding replies before it lets the event loop turn (its socket paused
 * for one setImmediate). libuv reads up to 32 chunks of 64 KiB from a socket at a time, so the
 * parts of a list reply that wait in the kernel (a 130 MB whole-store read from a fast server)
 * would otherwise be decoded twenty at a time: tens of ms with no timer, no other socket served.
 */
export const clientDecodeMsPerTurn = 4;

/** Consul's `limits.rpc_handshake_timeout` default: time to send the protocol byte. */
export const handshakeTimeoutMsDefault = 5_000;

/** Consul's `limits.rpc_max_conns_per_client` default: connections from one IP at once. */
export const connsPerClientMaxDefault = 100;

/** Consul's pool defaultDialTimeout. */
export const dialTimeoutMsDefault = 10_000;

/** A pooled connection with no call for this long is closed (Consul's clientRPCConnMaxIdle). */
export const idleMsDefault = 127_000;

/**
 * Liveness of a pooled connection, as yamux's keepalive: when nothing has arrived for the
 * interval, a ping is sent; if nothing arrives within the timeout after it (yamux's
 * ConnectionWriteTimeout), the connection is broken and its calls fail, so a server that
 * vanished without a reset (power loss, partition) is noticed in 40 s rather than at the end of
 * a 10-minute blocking query.
 */
export const keepaliveIntervalMsDefault = 30_000;
export const keepaliveTimeoutMsDefault = 10_000;

/** TCP keepalive probes start after this much silence on either side (Go's default 15 s is
 * for dialers; yamux's own pings are the real liveness check, this only reaps dead peers). */
export const tcpKeepaliveDelayMs = 30_000;

/** setTimeout's largest delay (about 24.8 days); a call timeout must be below it. */
export const callTimeoutMsMax = 2 ** 31 - 1;

/** Sequence numbers are u32 (skipping 0 and any still in flight), so they stay msgpack uint32. */
export const seqMax = 2 ** 32 - 1;
