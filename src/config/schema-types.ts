/** The shape of a config key, as generated from Consul's config structs. */
export type SchemaType =
  | 'string'
  | 'bool'
  | 'int'
  | 'float'
  | 'string[]'
  | 'map'
  | 'any'
  | { struct: string }
  | { list: string }
  | { mapOf: string };
