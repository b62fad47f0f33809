/**
 * Building and owning runners: createRunner is Agent.addCheck's switch (which runner, the 1s
 * interval floor, the StatusHandler, the output limit); CheckRunnerSet keeps one runner per
 * check ID, so registering again replaces (stops) the old runner whatever its kind, and
 * deregistering or reloading stops it.
 */
import { goQuote } from '../../lib/index.js';
import { createAliasRunner, type AliasSource } from './alias.js';
import { checkKind, intervalMsMin, unsupportedKinds, type CheckKind } from './definition.js';
import { createHttpRunner } from './http.js';
import type { CheckTlsOptions } from './http-client.js';
import { createScriptRunner } from './script.js';
import { StatusHandler } from './status-handler.js';
import { createTcpRunner } from './tcp.js';
import { createTtlRunner, type TtlRunner } from './ttl.js';
import type { CheckDefinition, CheckRunner, CheckStatus, RunnerDeps } from './types.js';

export interface CreateRunnerDeps extends RunnerDeps {
  /** The limit Agent.addCheck computed (effectiveOutputMaxSize). */
  outputMaxSize: number;
  /** Needed for alias checks. */
  aliasSource?: AliasSource;
  /** The agent's TLS for checks (enable_agent_tls_for_checks), for HTTPS checks. */
  tls?: CheckTlsOptions;
}

export interface CreatedRunner {
  kind: CheckKind;
  runner: CheckRunner;
  /** Set for TTL checks. */
  ttl?: TtlRunner;
}

/**
 * The runner for a validated definition, not started. `checkID` is the HealthCheck's ID
 * (the definition's ID, or its name, or `service:<id>` for a service's check).
 * Throws Error('Check type is not valid') when no kind matches.
 */
export function createRunner(checkID: string, def: CheckDefinition, deps: CreateRunnerDeps): CreatedRunner {
  const kind = checkKind(def);
  if (kind === undefined) throw new Error('Check type is not valid');
  let intervalMs = def.intervalMs;
  if (kind !== 'ttl' && kind !== 'alias' && intervalMs < intervalMsMin) {
    deps.logger.warn('check has interval below minimum', { check: checkID, minimum_interval: '1s' });
    intervalMs = intervalMsMin;
  }
  const statusHandler = new StatusHandler(deps.update, deps.logger, def.successBeforePassing, def.failuresBeforeCritical);
  switch (kind) {
    case 'ttl': {
      const ttl = createTtlRunner({ checkID, ttlMs: def.ttlMs, outputMaxSize: deps.outputMaxSize }, deps);
      return { kind, runner: ttl, ttl };
    }
    case 'http': {
      const base = { checkID, http: def.http, header: def.header, method: def.method, body: def.body, intervalMs };
      const opts = { ...base, timeoutMs: def.timeoutMs, tlsSkipVerify: def.tlsSkipVerify, outputMaxSize: deps.outputMaxSize, statusHandler };
      return { kind, runner: createHttpRunner(deps.tls !== undefined ? { ...opts, tls: deps.tls } : opts, deps) };
    }
    case 'tcp':
      return { kind, runner: createTcpRunner({ checkID, tcp: def.tcp, intervalMs, timeoutMs: def.timeoutMs, statusHandler }, deps) };
    case 'script': {
      const opts = { checkID, scriptArgs: def.scriptArgs, intervalMs, timeoutMs: def.timeoutMs, outputMaxSize: deps.outputMaxSize, statusHandler };
      return { kind, runner: createScriptRunner(opts, deps) };
    }
    case 'alias': {
      if (deps.aliasSource === undefined) throw new Error('alias checks need an aliasSource');
      const opts = { checkID, aliasNode: def.aliasNode, aliasService: def.aliasService, source: deps.aliasSource };
      return { kind, runner: createAliasRunner(opts, deps) };
    }
    case 'docker':
    case 'grpc':
      return { kind, runner: unsupportedRunner(checkID, unsupportedKinds[kind]!, deps) };
  }
}

/** Docker and gRPC checks: critical at start, with an output saying why. */
function unsupportedRunner(checkID: string, why: string, deps: RunnerDeps): CheckRunner {
  let live = false;
  return {
    start() {
      live = true;
      deps.logger.warn('check kind not supported', { check: checkID, reason: why });
      queueMicrotask(() => {
        if (live) deps.update(checkID, 'critical', why);
      });
    },
    stop() {
      live = false;
    },
  };
}

/** One runner per check ID (Agent's checkTTLs, checkHTTPs, ... maps as one). */
export class CheckRunnerSet {
  private readonly runners = new Map<string, CreatedRunner>();

  constructor(private readonly deps: Omit<CreateRunnerDeps, 'outputMaxSize'>) {}

  /** Stops the check's current runner, if any, then creates and starts the new one. */
  add(checkID: string, def: CheckDefinition, outputMaxSize: number): CreatedRunner {
    this.remove(checkID);
    const created = createRunner(checkID, def, { ...this.deps, outputMaxSize });
    this.runners.set(checkID, created);
    created.runner.start();
    return created;
  }

  /** Stops and forgets the check's runner (cancelCheckMonitors). */
  remove(checkID: string): void {
    const existing = this.runners.get(checkID);
    if (existing === undefined) return;
    existing.runner.stop();
    this.runners.delete(checkID);
  }

  has(checkID: string): boolean {
    return this.runners.has(checkID);
  }

  kindOf(checkID: string): CheckKind | undefined {
    return this.runners.get(checkID)?.kind;
  }

  /**
   * Agent.updateTTLCheck: reports to a TTL check and returns the output as stored. Throws
   * Error(`CheckID "x" does not have associated TTL`) for any other check.
   */
  updateTtl(checkID: string, status: CheckStatus, output: string): string {
    const ttl = this.runners.get(checkID)?.ttl;
    if (ttl === undefined) throw new Error(`CheckID ${goQuote(checkID)} does not have associated TTL`);
    return ttl.setStatus(status, output);
  }

  ids(): string[] {
    return [...this.runners.keys()];
  }

  stopAll(): void {
    for (const id of [...this.runners.keys()]) this.remove(id);
  }
}
