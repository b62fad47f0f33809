export * from './archive.js';
export * from './meta.js';
export * from './tar.js';
