export * from './agent.js';
export * from './agent-local.js';
export * from './agent-ops.js';
export * from './api-server.js';
export * from './context.js';
export * from './json.js';
export * from './router.js';
