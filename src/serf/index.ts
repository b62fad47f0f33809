/** The serf layer: member status, tags, intents, user events and queries over the SWIM pool. */
export * from './lamport.js';
export * from './messages.js';
export * from './queries.js';
export * from './serf.js';
export * from './tags.js';
