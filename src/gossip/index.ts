/** The gossip module: SWIM with Lifeguard (the pure core) and the real UDP/TCP transport. */
export * from './core/index.js';
export * from './transport.js';
export * from './keyring.js';
export * from './keyring-file.js';
export * from './seal.js';
