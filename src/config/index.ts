export * from './agent-flags.js';
export * from './autopilot-runtime.js';
export * from './defaults.js';
export * from './dns-runtime.js';
export * from './load.js';
export * from './runtime.js';
export * from './validate.js';
export * from './gossip-runtime.js';
