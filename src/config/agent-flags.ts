/**
 * `muster agent` flags, exactly Consul's (agent/config/flags.go): each sets a config key, and
 * the flags are merged as the last config source, so they override files.
 */
export type FlagKind = 'string' | 'bool' | 'int' | 'duration' | 'list' | 'meta';

export interface AgentFlag {
  name: string;
  /** Dotted config key the flag sets; '' for flags handled by the command itself. */
  key: string;
  kind: FlagKind;
  usage: string;
}

const f = (name: string, key: string, kind: FlagKind, usage: string): AgentFlag => ({ name, key, kind, usage });

export const agentFlags: readonly AgentFlag[] = [
  f('advertise', 'advertise_addr', 'string', 'Sets the advertise address to use.'),
  f('advertise-wan', 'advertise_addr_wan', 'string', 'Sets address to advertise on WAN instead of -advertise address.'),
  f('allow-write-http-from', 'http_config.allow_write_http_from', 'list', 'Only allow write endpoint calls from given network. CIDR format, can be specified multiple times.'),
  f('alt-domain', 'alt_domain', 'string', 'Alternate domain to use for DNS interface.'),
  f('bind', 'bind_addr', 'string', 'Sets the bind address for cluster communication.'),
  f('bootstrap', 'bootstrap', 'bool', 'Sets server to bootstrap mode.'),
  f('bootstrap-expect', 'bootstrap_expect', 'int', 'Sets server to expect bootstrap mode.'),
  f('check_output_max_size', 'check_output_max_size', 'int', 'Sets the maximum output size for checks on this agent'),
  f('client', 'client_addr', 'string', 'Sets the address to bind for client access. This includes RPC, DNS, HTTP, HTTPS and gRPC (if configured).'),
  f('config-dir', '', 'list', "Path to a directory to read configuration files from. This will read every file ending in '.json' as configuration in this directory in alphabetical order. Can be specified multiple times."),
  f('config-file', '', 'list', 'Path to a file in JSON or HCL format with a matching file extension. Can be specified multiple times.'),
  f('config-format', '', 'string', "Config files are in this format irrespective of their extension. Must be 'hcl' or 'json'"),
  f('data-dir', 'data_dir', 'string', 'Path to a data directory to store agent state.'),
  f('datacenter', 'datacenter', 'string', 'Datacenter of the agent.'),
  f('default-query-time', 'default_query_time', 'duration', "the amount of time a blocking query will wait before Muster will force a response. This value can be overridden by the 'wait' query parameter."),
  f('dev', '', 'bool', 'Starts the agent in development mode.'),
  f('disable-host-node-id', 'disable_host_node_id', 'bool', 'Setting this to true will prevent Muster from using information from the host to generate a node ID, and will cause Muster to generate a random node ID instead.'),
  f('disable-keyring-file', 'disable_keyring_file', 'bool', 'Disables the backing up of the keyring to a file.'),
  f('dns-port', 'ports.dns', 'int', 'DNS port to use.'),
  f('domain', 'domain', 'string', 'Domain to use for DNS interface.'),
  f('enable-local-script-checks', 'enable_local_script_checks', 'bool', 'Enables health check scripts from configuration file.'),
  f('enable-script-checks', 'enable_script_checks', 'bool', 'Enables health check scripts.'),
  f('encrypt', 'encrypt', 'string', 'Provides the gossip encryption key.'),
  f('grpc-port', 'ports.grpc', 'int', 'Sets the gRPC API port to listen on (currently needed for Envoy xDS only).'),
  f('hcl', '', 'list', 'hcl config fragment. Can be specified multiple times.'),
  f('http-port', 'ports.http', 'int', 'Sets the HTTP API port to listen on.'),
  f('https-port', 'ports.https', 'int', 'Sets the HTTPS API port to listen on.'),
  f('join', 'start_join', 'list', 'Address of an agent to join at start time. Can be specified multiple times.'),
  f('join-wan', 'start_join_wan', 'list', 'Address of an agent to join -wan at start time. Can be specified multiple times.'),
  f('log-file', 'log_file', 'string', 'Path to the file the logs get written to'),
  f('log-json', 'log_json', 'bool', 'Output logs in JSON format.'),
  f('log-level', 'log_level', 'string', 'Log level of the agent.'),
  f('log-rotate-bytes', 'log_rotate_bytes', 'int', 'Maximum number of bytes that should be written to a log file'),
  f('log-rotate-duration', 'log_rotate_duration', 'duration', 'Time after which log rotation needs to be performed'),
  f('log-rotate-max-files', 'log_rotate_max_files', 'int', 'Maximum number of log file archives to keep'),
  f('max-query-time', 'max_query_time', 'duration', 'the maximum amount of time a blocking query can wait before Muster will force a response. Muster applies jitter to the wait time. The jittered time will be capped to MaxQueryTime.'),
  f('node', 'node_name', 'string', 'Name of this node. Must be unique in the cluster.'),
  f('node-id', 'node_id', 'string', 'A unique ID for this node across space and time. Defaults to a randomly-generated ID that persists in the data-dir.'),
  f('node-meta', 'node_meta', 'meta', 'An arbitrary metadata key/value pair for this node, of the format `key:value`. Can be specified multiple times.'),
  f('non-voting-server', 'non_voting_server', 'bool', '(Enterprise-only) This flag is used to make the server not participate in the Raft quorum.'),
  f('pid-file', 'pid_file', 'string', 'Path to file to store agent PID.'),
  f('primary-gateway', 'primary_gateways', 'list', 'Address of a mesh gateway in the primary datacenter to use to bootstrap WAN federation at start time with retries enabled. Can be specified multiple times.'),
  f('protocol', 'protocol', 'int', 'Sets the protocol version. Defaults to latest.'),
  f('raft-protocol', 'raft_protocol', 'int', 'Sets the Raft protocol version. Defaults to latest.'),
  f('recursor', 'recursors', 'list', 'Address of an upstream DNS server. Can be specified multiple times.'),
  f('rejoin', 'rejoin_after_leave', 'bool', 'Ignores a previous leave and attempts to rejoin the cluster.'),
  f('retry-interval', 'retry_interval', 'duration', 'Time to wait between join attempts.'),
  f('retry-interval-wan', 'retry_interval_wan', 'duration', 'Time to wait between join -wan attempts.'),
  f('retry-join', 'retry_join', 'list', 'Address of an agent to join at start time with retries enabled. Can be specified multiple times.'),
  f('retry-join-wan', 'retry_join_wan', 'list', 'Address of an agent to join -wan at start time with retries enabled. Can be specified multiple times.'),
  f('retry-max', 'retry_max', 'int', 'Maximum number of join attempts. Defaults to 0, which will retry indefinitely.'),
  f('retry-max-wan', 'retry_max_wan', 'int', 'Maximum number of join -wan attempts. Defaults to 0, which will retry indefinitely.'),
  f('segment', 'segment', 'string', '(Enterprise-only) Sets the network segment to join.'),
  f('serf-lan-allowed-cidrs', 'serf_lan_allowed_cidrs', 'list', 'Networks (eg: 192.168.1.0/24) allowed for Serf LAN. Can be specified multiple times.'),
  f('serf-lan-bind', 'serf_lan', 'string', 'Address to bind Serf LAN listeners to.'),
  f('serf-lan-port', 'ports.serf_lan', 'int', 'Sets the Serf LAN port to listen on.'),
  f('serf-wan-allowed-cidrs', 'serf_wan_allowed_cidrs', 'list', 'Networks (eg: 192.168.1.0/24) allowed for Serf WAN (other datacenters). Can be specified multiple times.'),
  f('serf-wan-bind', 'serf_wan', 'string', 'Address to bind Serf WAN listeners to.'),
  f('serf-wan-port', 'ports.serf_wan', 'int', 'Sets the Serf WAN port to listen on.'),
  f('server', 'server', 'bool', 'Switches agent to server mode.'),
  f('server-port', 'ports.server', 'int', 'Sets the server port to listen on.'),
  f('syslog', 'enable_syslog', 'bool', 'Enables logging to syslog.'),
  f('ui', 'ui', 'bool', 'Enables the built-in static web UI server.'),
  f('ui-content-path', 'ui_content_path', 'string', 'Sets the external UI path to a string. Defaults to: /ui/ '),
  f('ui-dir', 'ui_dir', 'string', 'Path to directory containing the web UI resources.'),
];

/** Sets `value` at dotted `key` in a nested object (building the flags' config source). */
export function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let obj = target;
  for (const p of parts.slice(0, -1)) {
    const next = obj[p];
    if (typeof next !== 'object' || next === null) obj[p] = {};
    obj = obj[p] as Record<string, unknown>;
  }
  obj[parts[parts.length - 1]!] = value;
}
