/**
 * The first byte of every connection to the server RPC port selects its protocol, as Consul's
 * pool.RPCType does. We keep Consul's numbers for the same roles, and all stay below 20 so that
 * native TLS (whose first byte is a TLS content type, 20 to 24) can later be told apart by
 * peeking, as Consul 1.8 does (RFC 7983). The protocols themselves are Muster's own, not
 * Consul's wire format (net/rpc msgpack over yamux): a Consul agent dialing a Muster server
 * sends 4 (RPCMultiplexV2), which is unknown here, and is closed.
 */
export const RpcType = {
  /** Muster's request/response protocol (RpcServer), in Consul's RPCConsul slot. */
  rpc: 0,
  /** Raft's message and snapshot streams (raftio's transport), Consul's RPCRaft. */
  raft: 1,
  /** Reserved for a TLS upgrade, Consul's RPCTLS. */
  tls: 3,
  /** Streamed calls (snapshot save and restore), Consul's RPCSnapshot: stream.ts. */
  snapshot: 5,
} as const;

export type RpcTypeByte = (typeof RpcType)[keyof typeof RpcType];
