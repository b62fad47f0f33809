import { describe, expect, it } from 'vitest';
import { parseJsonBig } from '../lib/index.js';
import { healthCheck, kvPairSchema, serviceEntry, structOrNull } from './api-shapes.js';
import { encodeGoJson, GoObject } from './go-json.js';

describe("the Go client's shapes, as json.Marshal writes them", () => {
  it('writes a KV pair with an exact uint64, HTML escapes, and drops unknown fields', () => {
    const wire = parseJsonBig('{"LockIndex":0,"Key":"a<b>&","Flags":18446744073709551615,"Value":null,"CreateIndex":3,"ModifyIndex":4,"Extra":1}');
    expect(encodeGoJson(structOrNull(kvPairSchema, wire))).toBe(
      '{"Key":"a\\u003cb\\u003e\\u0026","CreateIndex":3,"ModifyIndex":4,"LockIndex":0,"Flags":18446744073709551615,"Value":null,"Session":""}',
    );
  });

  it("indents as MarshalIndent(v, \"\", \"    \"), empty lists and maps inline", () => {
    const v = new GoObject([
      ['a', []],
      ['b', new GoObject([])],
      ['c', [1, new GoObject([['d', null]])]],
    ]);
    expect(encodeGoJson(v, '    ')).toBe('{\n    "a": [],\n    "b": {},\n    "c": [\n        1,\n        {\n            "d": null\n        }\n    ]\n}');
  });

  it("fills a service entry's zero values and omits the empty omitempty fields", () => {
    const entry = serviceEntry({ Node: { Node: 'n1' }, Service: { ID: 'web', Service: 'web', Weights: { Passing: 1, Warning: 1 }, Proxy: { MeshGateway: {}, Expose: {} } }, Checks: [{ CheckID: 'c', Definition: { HTTP: 'http://x', Interval: '1m30s' } }] });
    expect(JSON.parse(encodeGoJson(entry))).toEqual({
      Node: { ID: '', Node: 'n1', Address: '', Datacenter: '', TaggedAddresses: null, Meta: null, CreateIndex: 0, ModifyIndex: 0 },
      Service: { ID: 'web', Service: 'web', Tags: null, Meta: null, Port: 0, Address: '', Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, Proxy: { MeshGateway: {}, Expose: {} } },
      Checks: [
        {
          Node: '',
          CheckID: 'c',
          Name: '',
          Status: '',
          Notes: '',
          Output: '',
          ServiceID: '',
          ServiceName: '',
          ServiceTags: null,
          Type: '',
          Definition: { Interval: '1m30s', Timeout: '0s', DeregisterCriticalServiceAfter: '0s', HTTP: 'http://x', Header: null, Method: '', Body: '', TLSSkipVerify: false, TCP: '' },
          CreateIndex: 0,
          ModifyIndex: 0,
        },
      ],
    });
    expect(healthCheck(null)).toBeNull();
  });
});
