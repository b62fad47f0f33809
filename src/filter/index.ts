export { applyFilter, compileFilter, type CompileOptions, type Filter } from './filter.js';
export { FilterError, createErrorPrefix, nilPointerPanic, type FilterErrorKind } from './errors.js';
export { parseExpression, filterRuleDepthMax } from './parser.js';
export { dumpExpression, MatchOp, type Expression } from './ast.js';
export { bool, float64, int, mapOf, ptr, sliceOf, str, struct, uint, type FieldSchema, type MapSchema, type RootSchema, type StructSchema } from './schema.js';
export { agentServiceSchema, checkServiceNodeSchema, healthCheckSchema, nodeSchema, nodeServiceSchema, serviceNodeSchema } from './schemas.js';
export { compileGoRegexp, type GoRegexp } from './go-regexp.js';
