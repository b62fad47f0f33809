/** A Wing–Gong linearizability checker (porcupine's algorithm) with Jepsen and Consul KV models. */
export { HistoryRecorder, isUnknown, normalizeHistory, operationsFromEvents, UNKNOWN } from './history.js';
export type { HistoryEvent, Operation, PendingCall, Unknown } from './history.js';
export { combineHash, hashNumber, hashString, mix32 } from './model.js';
export type { Model } from './model.js';
export { casRegisterModel, consulKvModel, kvState } from './models.js';
export type { KvEntry, KvInput, KvOutput, KvState, RegisterInput, RegisterOutput, RegisterState } from './models.js';
export { checkKvHistory, learnWriteIndexes } from './kv-history.js';
export type { KvOperation } from './kv-history.js';
export { checkHistory, partitionHistory, WGL_CACHE_BYTES_MAX_DEFAULT, WGL_STEPS_MAX_DEFAULT } from './wgl.js';
export type { CheckOptions, CheckResult, IndexedOperation } from './wgl.js';
export { describeFailure, failureDetail } from './report.js';
export type { FailureDetail, ReportedCandidate, ReportedOperation } from './report.js';
export { parseJepsenRegisterLog } from './jepsen-log.js';
