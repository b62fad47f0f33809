// The catalog the health bench builds: instance i of N lives on node (i mod NODES), so the
// nodes fill up evenly (100 nodes × 10 instances by default), each instance with one passing
// service check. No node checks: a catalog node with a "serfHealth" check that is not a Serf
// member is reaped (deregistered) by Consul's leader at its next reconcile, within a minute.
// Shared by health-register.mjs and health-block.mjs.

/** Instance `i` (0-based) of a service spread over `nodes` nodes. */
export function instanceOf(i, nodes) {
  const n = i % nodes;
  const slot = Math.floor(i / nodes);
  const node = `node-${String(n).padStart(4, '0')}`;
  const address = `10.${(n >> 8) & 255}.${n & 255}.${10 + (n >> 16)}`;
  return { i, n, slot, node, address, id: `web-${String(n).padStart(4, '0')}-${slot}`, port: 20000 + slot };
}

const checkID = (inst) => `service:${inst.id}`;

/** The PUT /v1/catalog/register body for one instance, its service check at `status`. */
export function registerBody(inst, service, status) {
  return {
    ...nodeFields(inst),
    Service: {
      ID: inst.id,
      Service: service,
      Tags: ['http', 'v1'],
      Address: inst.address,
      Port: inst.port,
      Meta: { version: '1.4.2' },
    },
    Checks: [serviceCheck(inst, service, status)],
  };
}

/**
 * The body that sets only the service check of `inst` to `status`: the node fields are sent
 * unchanged (a register without them would rewrite the node), the service is left alone.
 */
export function checkBody(inst, service, status) {
  return { ...nodeFields(inst), Check: serviceCheck(inst, service, status) };
}

function nodeFields(inst) {
  return {
    Node: inst.node,
    Address: inst.address,
    TaggedAddresses: { lan: inst.address, wan: inst.address },
    NodeMeta: { rack: `r${inst.n % 8}` },
  };
}

function serviceCheck(inst, service, status) {
  return {
    CheckID: checkID(inst),
    Name: `Service '${service}' check`,
    Status: status,
    ServiceID: inst.id,
    Output: `HTTP GET http://${inst.address}:${inst.port}/health: 200 OK Output: ok`,
  };
}
