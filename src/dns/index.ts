export * from './catalog.js';
export * from './recursor.js';
export * from './server.js';
export * from './resolver/config.js';
export * from './resolver/resolver.js';
export * from './wire/decode.js';
export * from './wire/encode.js';
export * from './wire/message.js';
