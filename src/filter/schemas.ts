/**
 * The Go types Consul 1.8.7 filters on, as schemas: field names and types from agent/structs
 * (structs.go, connect_proxy_config.go) and api/agent.go, without the fields tagged
 * `bexpr:"-"` (RaftIndex with CreateIndex/ModifyIndex, EnterpriseMeta, HealthCheck.Definition,
 * ServiceConnect.SidecarService, proxy and upstream Config, Upstream.IngressHosts,
 * NodeService.LocallyRegisteredAsSidecar, AgentService.ContentHash/Namespace/Create-/ModifyIndex).
 * schema.test.ts checks every schema against the field configurations go-bexpr v0.1.2
 * generated from the real Go types (testdata/go-bexpr-fields.json).
 */
import { bool, int, mapOf, ptr, sliceOf, str, struct, type StructSchema } from './schema.js';

/** structs.Node: /v1/catalog/nodes. */
export const nodeSchema: StructSchema = struct('structs.Node', {
  ID: str,
  Node: str,
  Address: str,
  Datacenter: str,
  TaggedAddresses: mapOf(str),
  Meta: mapOf(str),
});

const serviceAddress = struct('ServiceAddress', { Address: str, Port: int });
const meshGateway = struct('MeshGatewayConfig', { Mode: str });

const upstream = struct('Upstream', {
  DestinationType: str,
  DestinationNamespace: str,
  DestinationName: str,
  Datacenter: str,
  LocalBindAddress: str,
  LocalBindPort: int,
  MeshGateway: meshGateway,
});

const exposeConfig = struct('ExposeConfig', {
  Checks: bool,
  Paths: sliceOf(struct('ExposePath', { ListenerPort: int, Path: str, LocalPathPort: int, Protocol: str, ParsedFromCheck: bool })),
});

/** structs.ConnectProxyConfig and api.AgentServiceConnectProxyConfig (same selectable fields). */
const proxyConfig = struct('ConnectProxyConfig', {
  DestinationServiceName: str,
  DestinationServiceID: str,
  LocalServiceAddress: str,
  LocalServicePort: int,
  Upstreams: sliceOf(upstream),
  MeshGateway: meshGateway,
  Expose: exposeConfig,
});

const serviceConnect = struct('ServiceConnect', { Native: bool });
const weights = struct('Weights', { Passing: int, Warning: int });

/** structs.ServiceNode: /v1/catalog/service/:service and /v1/catalog/connect/:service. */
export const serviceNodeSchema: StructSchema = struct('structs.ServiceNode', {
  ID: str,
  Node: str,
  Address: str,
  Datacenter: str,
  TaggedAddresses: mapOf(str),
  NodeMeta: mapOf(str),
  ServiceKind: str,
  ServiceID: str,
  ServiceName: str,
  ServiceTags: sliceOf(str),
  ServiceAddress: str,
  ServiceTaggedAddresses: mapOf(serviceAddress),
  ServiceWeights: weights,
  ServiceMeta: mapOf(str),
  ServicePort: int,
  ServiceEnableTagOverride: bool,
  ServiceProxy: proxyConfig,
  ServiceConnect: serviceConnect,
});

/** structs.HealthCheck: /v1/health/node, /v1/health/checks, /v1/health/state, /v1/agent/checks. */
export const healthCheckSchema: StructSchema = struct('structs.HealthCheck', {
  Node: str,
  CheckID: str,
  Name: str,
  Status: str,
  Notes: str,
  Output: str,
  ServiceID: str,
  ServiceName: str,
  ServiceTags: sliceOf(str),
  Type: str,
});

/**
 * structs.NodeService: the values of /v1/catalog/node/:node's `Services` map, and
 * /v1/catalog/node-services/:node. Weights is a pointer: nil only for services stored without
 * weights, where `Weights.Passing` makes Consul panic.
 */
export const nodeServiceSchema: StructSchema = struct('structs.NodeService', {
  Kind: str,
  ID: str,
  Service: str,
  Tags: sliceOf(str),
  Address: str,
  TaggedAddresses: mapOf(serviceAddress),
  Meta: mapOf(str),
  Port: int,
  Weights: ptr(weights),
  EnableTagOverride: bool,
  Proxy: proxyConfig,
  Connect: serviceConnect,
});

/** structs.CheckServiceNode: /v1/health/service/:service, /v1/health/connect/:service. */
export const checkServiceNodeSchema: StructSchema = struct('structs.CheckServiceNode', {
  Node: ptr(nodeSchema),
  Service: ptr(nodeServiceSchema),
  Checks: sliceOf(ptr(healthCheckSchema)),
});

/**
 * api.AgentService: the values of /v1/agent/services. Proxy and Connect are pointers, nil for
 * a plain service: selecting through them (`Proxy.DestinationServiceName == web`) makes
 * Consul 1.8.7 panic as soon as such a service is evaluated.
 */
export const agentServiceSchema: StructSchema = struct('api.AgentService', {
  Kind: str,
  ID: str,
  Service: str,
  Tags: sliceOf(str),
  Meta: mapOf(str),
  Port: int,
  Address: str,
  TaggedAddresses: mapOf(serviceAddress),
  Weights: weights,
  EnableTagOverride: bool,
  Proxy: ptr(proxyConfig),
  Connect: ptr(serviceConnect),
});
