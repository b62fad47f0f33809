import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { FilterError } from './errors.js';
import { compileFilter } from './filter.js';
import { bool, float64, int, mapOf, sliceOf, str, struct, type FieldSchema, type RootSchema } from './schema.js';

/**
 * go-bexpr v0.1.2's evaluate_test.go tables ("Flat Struct", "Flat Struct Alt Types",
 * "map[string]map[string]bool", "Nested Structs and Maps"), with the results the Go library
 * gave when run (testdata/go-bexpr-evaluate.json). The values and types are transcribed here.
 */
const groups = JSON.parse(readFileSync(new URL('./testdata/go-bexpr-evaluate.json', import.meta.url), 'utf8')) as {
  name: string;
  checks: { expr: string; result: boolean; err?: string }[];
}[];

const sized = (kind: 'int' | 'uint', bits: 8 | 16 | 32 | 64): FieldSchema => ({ kind, bits });

const flatStruct = struct('testFlatStruct', {
  Int: int,
  Int8: sized('int', 8),
  Int16: sized('int', 16),
  Int32: sized('int', 32),
  Int64: sized('int', 64),
  Uint: sized('uint', 64),
  Uint8: sized('uint', 8),
  Uint16: sized('uint', 16),
  Uint32: sized('uint', 32),
  Uint64: sized('uint', 64),
  Float32: { kind: 'float', bits: 32 },
  Float64: float64,
  Bool: bool,
  String: str,
  // `unexported` and `Hidden` (bexpr:"-") are not selectable.
});

const flatValue = {
  Int: -1,
  Int8: -2,
  Int16: -3,
  Int32: -4,
  Int64: -5,
  Uint: 6,
  Uint8: 7,
  Uint16: 8,
  Uint32: 9,
  Uint64: 10,
  Float32: 1.1,
  Float64: 1.2,
  Bool: true,
  String: 'exported',
  unexported: 'unexported',
  Hidden: true,
};

const nestedTypes = struct('testNestedTypes', {
  Nested: struct('testNestedLevel1', {
    Map: mapOf(str),
    MapOfStructs: mapOf(struct('testNestedLevel2_1', { Foo: int, Baz: str })),
    MapInfInf: { kind: 'map', value: str, nonStringKeys: true },
    SliceOfInts: sliceOf(int),
    SliceOfStructs: sliceOf(struct('testNestedLevel2_2', { X: int, Y: int })),
    SliceOfMapInfInf: sliceOf({ kind: 'map', value: str, nonStringKeys: true }),
  }),
  TopInt: int,
});

const nestedValue = {
  Nested: {
    Map: { foo: 'bar', bar: 'baz', abc: '123' },
    MapOfStructs: { one: { Foo: 42, bar: 'unexported', Baz: 'exported' }, two: { Foo: 77, bar: 'unexported', Baz: 'consul' } },
    MapInfInf: null,
    SliceOfInts: [1, 3, 5, 7, 9],
    SliceOfStructs: [
      { X: 1, Y: 2, z: 10 },
      { X: 3, Y: 5, z: 10 },
    ],
    SliceOfMapInfInf: [new Map([['1', 2]])],
  },
  TopInt: 5,
};

const cases: Record<string, { schema: RootSchema; value: unknown }> = {
  'Flat Struct': { schema: flatStruct, value: flatValue },
  'Flat Struct Alt Types': { schema: flatStruct, value: flatValue },
  'map[string]map[string]bool': { schema: { kind: 'map', value: mapOf(bool) }, value: { foo: { bar: true, baz: false }, abc: null } },
  'Nested Structs and Maps': { schema: nestedTypes, value: nestedValue },
};

function outcome(expr: string, schema: RootSchema, value: unknown): { result: boolean; err?: string } {
  try {
    // CreateEvaluatorForType + Evaluate: no CreateFilter prefix, hence deferred validation.
    return { result: compileFilter(expr, schema, { deferValidation: true }).matches(value) };
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    return { result: false, err: err.message };
  }
}

describe.each(groups.map((g) => [g.name, g] as const))('go-bexpr evaluate_test.go: %s', (name, g) => {
  const c = cases[name]!;
  test.each(g.checks.map((x) => [x.expr, x] as const))('%s', (expr, check) => {
    expect(outcome(expr, c.schema, c.value)).toEqual(check.err === undefined ? { result: check.result } : { result: false, err: check.err });
  });
});
