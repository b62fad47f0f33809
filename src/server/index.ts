export * from './blocking.js';
export * from './endpoints.js';
export * from './tombstone-gc.js';
