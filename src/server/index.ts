export * from './blocking.js';
export * from './endpoints.js';
