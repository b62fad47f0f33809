export * from './lazy-builtins.js';
export * from './secure-random.js';
