export * from './blocking.js';
export * from './endpoints.js';
export * from './tombstone-gc.js';
export * from './catalog-endpoint.js';
export * from './session-endpoint.js';
export * from './reconcile.js';
