export * from './assert.js';
export * from './clock.js';
export * from './duration.js';
export * from './errors.js';
export * from './go-quote.js';
export * as limits from './limits.js';
export * from './logger.js';
export * from './rng.js';
export * from './codec.js';
