/**
 * Shared shapes of the check runners. camelCase inside; PascalCase only where Consul's JSON is
 * produced (http/catalog-structs.ts).
 */
import type { Clock, Logger, Rng } from '../../lib/index.js';

/** Consul's api.HealthPassing / HealthWarning / HealthCritical. */
export type CheckStatus = 'passing' | 'warning' | 'critical';

export const checkStatuses: readonly CheckStatus[] = ['passing', 'warning', 'critical'];

/** structs.ValidStatus. */
export function isValidStatus(s: string): s is CheckStatus {
  return s === 'passing' || s === 'warning' || s === 'critical';
}

/**
 * A check definition (structs.CheckDefinition, which is a superset of structs.CheckType).
 * Durations are milliseconds (fractions allowed: Go's nanoseconds / 1e6); 0 means unset.
 */
export interface CheckDefinition {
  id: string;
  name: string;
  notes: string;
  serviceID: string;
  token: string;
  /** Initial status ('' = critical). */
  status: string;
  scriptArgs: string[];
  http: string;
  header: Record<string, string[]>;
  method: string;
  body: string;
  tcp: string;
  intervalMs: number;
  dockerContainerID: string;
  shell: string;
  grpc: string;
  grpcUseTLS: boolean;
  tlsSkipVerify: boolean;
  aliasNode: string;
  aliasService: string;
  timeoutMs: number;
  ttlMs: number;
  successBeforePassing: number;
  failuresBeforeCritical: number;
  deregisterCriticalServiceAfterMs: number;
  /** 0 = the agent's check_output_max_size. */
  outputMaxSize: number;
}

export function emptyCheckDefinition(): CheckDefinition {
  return {
    id: '',
    name: '',
    notes: '',
    serviceID: '',
    token: '',
    status: '',
    scriptArgs: [],
    http: '',
    header: {},
    method: '',
    body: '',
    tcp: '',
    intervalMs: 0,
    dockerContainerID: '',
    shell: '',
    grpc: '',
    grpcUseTLS: false,
    tlsSkipVerify: false,
    aliasNode: '',
    aliasService: '',
    timeoutMs: 0,
    ttlMs: 0,
    successBeforePassing: 0,
    failuresBeforeCritical: 0,
    deregisterCriticalServiceAfterMs: 0,
    outputMaxSize: 0,
  };
}

/** The one way a runner reports: the agent's local state UpdateCheck(checkID, status, output). */
export type UpdateFn = (checkID: string, status: CheckStatus, output: string) => void;

/** What every runner receives. */
export interface RunnerDeps {
  clock: Clock;
  /** For the initial stagger (lib.RandomStagger): the first run is at rng.next() * interval. */
  rng: Rng;
  logger: Logger;
  update: UpdateFn;
}

export interface CheckRunner {
  start(): void;
  /** Stops scheduling; an in-flight run finishes (and is killed on its own timeout) but reports nothing. */
  stop(): void;
}
