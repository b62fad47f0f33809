/**
 * rpc/: the server RPC port's transport. A listener that dispatches connections by their first
 * byte, a framed msgpack request/response protocol multiplexed by seq, its server, and a
 * client connection pool. It knows nothing of what the methods do (server/ registers them,
 * agent/ calls them).
 */
export { RpcType, type RpcTypeByte } from './protocol.js';
export { RpcListener, type ProtocolHandler, type RpcListenerOptions, type RpcListenerStats } from './listener.js';
export { ListReply, RpcServer, type RpcContext, type RpcHandler, type RpcServerOptions, type RpcServerStats } from './server.js';
export { RpcClient, type CallOptions, type RpcLane, type RpcClientOptions, type RpcClientStats } from './client.js';
export { RpcError, canRetry, type RpcErrorKind } from './errors.js';
export { parseAddress } from './net-errors.js';
/** The framing, for other protocols on the port (Raft). */
export { FrameDecoder, FrameTooLargeError, FrameWriter, frameOf } from './frame.js';
export * as rpcLimits from './limits.js';
export { streamCall, streamHandler, type StreamReply, type StreamServe } from './stream.js';
