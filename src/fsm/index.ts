export * from './commands.js';
export * from './fsm.js';
export * from './log.js';
export * from './raft-fsm.js';
