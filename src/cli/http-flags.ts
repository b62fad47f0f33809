/**
 * The flags every client command takes (Consul's command/flags/http.go) and how they combine
 * with the environment: a given flag wins; else MUSTER_<NAME>; else CONSUL_<NAME>; else the
 * default. For the token, within one level a token file wins over a token (as in Consul's Go
 * client), so the order is: -token, -token-file, MUSTER_HTTP_TOKEN_FILE, MUSTER_HTTP_TOKEN,
 * CONSUL_HTTP_TOKEN_FILE, CONSUL_HTTP_TOKEN.
 */
import { Client, type ClientConfig, type QueryOptions, type TlsFiles, type WriteOptions } from '../api/index.js';
import { parseGoBool } from './go-strconv.js';
import { httpSection, type Flag, type FlagSet } from './flags.js';

export type Env = Record<string, string | undefined>;

/** MUSTER_<name>, else CONSUL_<name>; empty counts as unset (as Go's os.Getenv checks). */
export function envValue(env: Env, name: string): string | undefined {
  const m = env[`MUSTER_${name}`];
  if (m !== undefined && m !== '') return m;
  const c = env[`CONSUL_${name}`];
  return c !== undefined && c !== '' ? c : undefined;
}

const envText = (name: string): string => `MUSTER_${name} (or CONSUL_${name})`;

export interface HttpFlagsOptions {
  /** Adds -datacenter and -stale (Consul's ServerFlags), for commands that read server state. */
  server?: boolean;
}

export class HttpFlags {
  readonly httpAddr: Flag<string>;
  readonly token: Flag<string>;
  readonly tokenFile: Flag<string>;
  readonly caFile: Flag<string>;
  readonly caPath: Flag<string>;
  readonly clientCert: Flag<string>;
  readonly clientKey: Flag<string>;
  readonly tlsServerName: Flag<string>;
  readonly datacenter: Flag<string> | undefined;
  readonly stale: Flag<boolean> | undefined;

  constructor(fs: FlagSet, opts: HttpFlagsOptions = {}) {
    const o = { section: httpSection, placeholder: 'value' };
    this.httpAddr = fs.string(
      'http-addr',
      '',
      'The `address` and port of the Muster HTTP agent. The value can be an IP address or DNS address, ' +
        `but it must also include the port. This can also be specified via the ${envText('HTTP_ADDR')} ` +
        'environment variable. The default value is http://127.0.0.1:8500. The scheme can also be set to ' +
        'HTTPS by setting the environment variable MUSTER_HTTP_SSL=true.',
      o,
    );
    this.token = fs.string(
      'token',
      '',
      `ACL token to use in the request. This can also be specified via the ${envText('HTTP_TOKEN')} ` +
        'environment variable. If unspecified, the query will default to the token of the Muster agent ' +
        'at the HTTP address.',
      o,
    );
    this.tokenFile = fs.string(
      'token-file',
      '',
      'File containing the ACL token to use in the request instead of one specified via the -token ' +
        `argument or ${envText('HTTP_TOKEN')} environment variable. This can also be specified via the ` +
        `${envText('HTTP_TOKEN_FILE')} environment variable.`,
      o,
    );
    this.caFile = fs.string(
      'ca-file',
      '',
      'Path to a CA file to use for TLS when communicating with Muster. This can also be specified via ' +
        `the ${envText('CACERT')} environment variable.`,
      o,
    );
    this.caPath = fs.string(
      'ca-path',
      '',
      'Path to a directory of CA certificates to use for TLS when communicating with Muster. This can ' +
        `also be specified via the ${envText('CAPATH')} environment variable.`,
      o,
    );
    this.clientCert = fs.string(
      'client-cert',
      '',
      "Path to a client cert file to use for TLS when 'verify_incoming' is enabled. This can also be " +
        `specified via the ${envText('CLIENT_CERT')} environment variable.`,
      o,
    );
    this.clientKey = fs.string(
      'client-key',
      '',
      "Path to a client key file to use for TLS when 'verify_incoming' is enabled. This can also be " +
        `specified via the ${envText('CLIENT_KEY')} environment variable.`,
      o,
    );
    this.tlsServerName = fs.string(
      'tls-server-name',
      '',
      'The server name to use as the SNI host when connecting via TLS. This can also be specified via ' +
        `the ${envText('TLS_SERVER_NAME')} environment variable.`,
      o,
    );
    if (opts.server) {
      this.datacenter = fs.string(
        'datacenter',
        '',
        'Name of the datacenter to query. If unspecified, this will default to the datacenter of the queried agent.',
        o,
      );
      this.stale = fs.bool(
        'stale',
        false,
        'Permit any Muster server (non-leader) to respond to this request. This allows for lower latency ' +
          'and higher throughput, but can result in stale data. This option has no effect on non-read ' +
          'operations. The default value is false.',
        { section: httpSection },
      );
    }
  }

  /** The client settings these flags and `env` give (see the module comment for precedence). */
  clientConfig(env: Env): ClientConfig {
    const pick = (flag: Flag<string>, name: string): string | undefined => (flag.isSet ? flag.value : envValue(env, name));
    const config: ClientConfig = {};
    const address = pick(this.httpAddr, 'HTTP_ADDR');
    if (address) config.address = address;
    const ssl = envValue(env, 'HTTP_SSL');
    if (ssl !== undefined && parseGoBool(ssl) === true) config.scheme = 'https';
    Object.assign(config, this.tokenSource(env));
    const tls: TlsFiles = {};
    const set = <K extends keyof TlsFiles>(k: K, v: TlsFiles[K] | undefined): void => {
      if (v) tls[k] = v;
    };
    set('caFile', pick(this.caFile, 'CACERT'));
    set('caPath', pick(this.caPath, 'CAPATH'));
    set('certFile', pick(this.clientCert, 'CLIENT_CERT'));
    set('keyFile', pick(this.clientKey, 'CLIENT_KEY'));
    set('serverName', pick(this.tlsServerName, 'TLS_SERVER_NAME'));
    const verify = envValue(env, 'HTTP_SSL_VERIFY');
    if (verify !== undefined && parseGoBool(verify) === false) tls.insecureSkipVerify = true;
    if (Object.keys(tls).length > 0) config.tls = tls;
    if (this.datacenter?.isSet && this.datacenter.value) config.datacenter = this.datacenter.value;
    return config;
  }

  private tokenSource(env: Env): { token?: string; tokenFile?: string } {
    if (this.token.isSet) return { token: this.token.value };
    if (this.tokenFile.isSet) return { tokenFile: this.tokenFile.value };
    for (const prefix of ['MUSTER', 'CONSUL']) {
      const file = env[`${prefix}_HTTP_TOKEN_FILE`];
      const token = env[`${prefix}_HTTP_TOKEN`];
      if (file) return token ? { tokenFile: file, token } : { tokenFile: file };
      if (token) return { token };
    }
    return {};
  }

  /** A client for these settings; throws ApiError ERR_API_CONFIG (bad scheme, unreadable file). */
  client(env: Env): Client {
    return new Client(this.clientConfig(env));
  }

  /** -stale as read options. */
  queryOptions(): QueryOptions {
    return this.stale?.value ? { stale: true } : {};
  }

  writeOptions(): WriteOptions {
    return {};
  }
}
