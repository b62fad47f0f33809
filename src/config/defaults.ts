/**
 * Consul's defaults and -dev overrides (agent/config/default.go), written as config sources so
 * they go through the same validation and merge as a user's file: defaults first, then files,
 * then flags.
 */
import type { Raw } from './validate.js';

export const defaultSource: Raw = {
  bind_addr: '0.0.0.0',
  bootstrap: false,
  bootstrap_expect: 0,
  check_output_max_size: 4096,
  check_update_interval: '5m',
  client_addr: '127.0.0.1',
  datacenter: 'dc1',
  default_query_time: '300s',
  disable_host_node_id: true,
  disable_remote_exec: true,
  domain: 'consul.',
  enable_script_checks: false,
  enable_local_script_checks: false,
  encrypt_verify_incoming: true,
  encrypt_verify_outgoing: true,
  log_level: 'INFO',
  max_query_time: '600s',
  protocol: 2,
  raft_protocol: 3,
  reconnect_timeout: '72h',
  retry_interval: '30s',
  server: false,
  session_ttl_min: '10s',
  ports: { dns: 8600, http: 8500, https: -1, grpc: -1, serf_lan: 8301, serf_wan: 8302, server: 8300 },
  performance: { leave_drain_time: '5s', raft_multiplier: 5, rpc_hold_timeout: '7s' },
  limits: { kv_max_value_size: 524288, txn_max_req_len: 524288, http_max_conns_per_client: 200 },
};

/** `-dev`: one in-memory server, bootstrapped, everything on 127.0.0.1, UI on, DEBUG logs. */
export const devSource: Raw = {
  bind_addr: '127.0.0.1',
  bootstrap: true,
  disable_anonymous_signature: true,
  disable_keyring_file: true,
  enable_debug: true,
  log_level: 'DEBUG',
  server: true,
  ui: true,
  connect: { enabled: true },
  performance: { raft_multiplier: 1 },
  ports: { grpc: 8502 },
};

/**
 * Keys Muster acts on today. Any other key Consul knows is accepted with one warning naming it
 * (the list grows as features land; an unknown key is an error either way).
 */
export const actedOnKeys: ReadonlySet<string> = new Set([
  'addresses.http',
  'advertise_addr',
  'bind_addr',
  'bootstrap',
  'bootstrap_expect',
  'client_addr',
  'data_dir',
  'datacenter',
  'default_query_time',
  'disable_anonymous_signature',
  'disable_host_node_id',
  'disable_update_check',
  'domain',
  'enable_debug',
  'limits.kv_max_value_size',
  'limits.txn_max_req_len',
  'log_json',
  'log_level',
  'max_query_time',
  'node_id',
  'node_meta',
  'node_name',
  'performance.raft_multiplier',
  'pid_file',
  'ports.dns',
  'ports.grpc',
  'ports.http',
  'ports.https',
  'ports.serf_lan',
  'ports.serf_wan',
  'session_ttl_min',
  'ports.server',
  'primary_datacenter',
  'server',
  'check',
  'checks',
  'service',
  'services',
  'enable_script_checks',
  'enable_local_script_checks',
  'check_output_max_size',
  'check_update_interval',
]);
