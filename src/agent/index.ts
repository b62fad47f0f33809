export * from './agent.js';
export * from './host.js';
export * from './node-id.js';
export * from './version.js';
export * from './run.js';
