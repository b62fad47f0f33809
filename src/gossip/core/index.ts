/** The pure SWIM core: what the simulator and the serf layer use. */
export * from './awareness.js';
export * from './broadcast-queue.js';
export * from './config.js';
export * from './members.js';
export * from './messages.js';
export * from './swim.js';
