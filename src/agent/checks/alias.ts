/**
 * checks.CheckAlias: mirrors the health of a service instance or a node.
 * - No alias_node: the agent's own checks (all of them: node checks count too, this check
 *   included), re-read whenever a check of the aliased service changes, and at least once a
 *   minute.
 * - alias_node set: that node's checks from the catalog through blocking queries (stale
 *   allowed), with Consul's backoff after failures.
 * Any critical check makes it critical, else any warning makes it warning, else passing, with
 * Consul's outputs: `No checks found.`, `All checks passing.`,
 * `Aliased check "<name>" failing: <output>`, `Service <id> could not be found on node <node>`,
 * `Failure checking aliased node or service: <err>`.
 */
import { goQuote, type Timer } from '../../lib/index.js';
import { sleepOn } from './sleep.js';
import type { CheckRunner, CheckStatus, RunnerDeps } from './types.js';

/** The fields of a HealthCheck the alias check reads. */
export interface AliasCheckInfo {
  node: string;
  checkID: string;
  name: string;
  status: string;
  output: string;
  serviceID: string;
  serviceName: string;
}

/** What the agent provides (local state for local aliases, RPCs for remote ones). */
export interface AliasSource {
  /** Every check in the agent's local state (State.Checks). */
  localChecks(): AliasCheckInfo[];
  /** State.ServiceExists. */
  localServiceExists(serviceID: string): boolean;
  /** State.AddAliasCheck: `onChange` on any change to a check of `serviceID`; returns the removal. */
  watchLocalService(serviceID: string, onChange: () => void): () => void;
  /**
   * Health.NodeChecks as a blocking query (AllowStale, MaxStaleDuration 15s, MaxQueryTime 1m,
   * MinQueryIndex `minIndex`); rejects on RPC failure (the error's message is shown).
   */
  nodeChecks(node: string, minIndex: number, signal: AbortSignal): Promise<{ index: number; checks: AliasCheckInfo[] }>;
  /** Catalog.NodeServices (stale): whether `node` has a service with ID `serviceID`. */
  nodeHasService(node: string, serviceID: string, signal: AbortSignal): Promise<boolean>;
}

export interface AliasCheckOptions {
  checkID: string;
  aliasNode: string;
  aliasService: string;
  source: AliasSource;
}

/** maxDurationBetweenUpdates of runLocal. */
const localRefreshMs = 60_000;
/** checkAliasBackoffMin and checkAliasBackoffMaxWait. */
const backoffAttemptsMin = 3;
const backoffMsMax = 60_000;

/** processChecks: the alias's status and output from a set of checks. */
export function aliasStatus(
  o: { aliasNode: string; aliasService: string },
  checks: AliasCheckInfo[],
): { status: CheckStatus; output: string; serviceFound: boolean } {
  let status: CheckStatus = 'passing';
  let output = 'No checks found.';
  let serviceFound = false;
  for (const chk of checks) {
    if (o.aliasNode !== '' && o.aliasNode !== chk.node) continue;
    const serviceMatch = o.aliasService === (chk.serviceID !== '' ? chk.serviceID : chk.serviceName);
    if (chk.serviceID !== '' && !serviceMatch) continue;
    if (serviceMatch) serviceFound = true;
    if (chk.status === 'critical' || chk.status === 'warning') {
      status = chk.status;
      output = `Aliased check ${goQuote(chk.name)} failing: ${chk.output}`;
      if (chk.status === 'critical') break;
    } else if (status === 'passing') {
      output = 'All checks passing.';
    }
  }
  return { status, output, serviceFound };
}

function notFound(o: AliasCheckOptions): string {
  return `Service ${o.aliasService} could not be found on node ${o.aliasNode}`;
}

export function createAliasRunner(o: AliasCheckOptions, deps: RunnerDeps): CheckRunner {
  let stopCurrent: (() => void) | undefined;
  return {
    start() {
      stopCurrent?.();
      stopCurrent = o.aliasNode === '' ? runLocal(o, deps) : runRemote(o, deps);
    },
    stop() {
      stopCurrent?.();
      stopCurrent = undefined;
    },
  };
}

function runLocal(o: AliasCheckOptions, deps: RunnerDeps): () => void {
  let stopped = false;
  let queued = false;
  let refresh: Timer | undefined;
  const update = (): void => {
    queued = false;
    if (stopped) return;
    const r = aliasStatus(o, o.source.localChecks());
    if (!r.serviceFound && !o.source.localServiceExists(o.aliasService)) {
      deps.update(o.checkID, 'critical', notFound(o));
    } else {
      deps.update(o.checkID, r.status, r.output);
    }
    refresh?.cancel();
    refresh = deps.clock.setTimer(localRefreshMs, update);
  };
  // A notification only queues one re-read (Consul's channel of capacity 1), never nested in
  // the local-state change that caused it.
  const unwatch = o.source.watchLocalService(o.aliasService, () => {
    if (queued || stopped) return;
    queued = true;
    queueMicrotask(update);
  });
  update();
  return () => {
    stopped = true;
    refresh?.cancel();
    unwatch();
  };
}

function runRemote(o: AliasCheckOptions, deps: RunnerDeps): () => void {
  const abort = new AbortController();
  void remoteLoop(o, deps, abort.signal);
  return () => abort.abort();
}

async function remoteLoop(o: AliasCheckOptions, deps: RunnerDeps, signal: AbortSignal): Promise<void> {
  let attempt = 0;
  let minIndex = 0;
  while (!signal.aborted) {
    if (attempt > backoffAttemptsMin) {
      const shift = Math.min(attempt - backoffAttemptsMin, 31);
      if (!(await sleepOn(deps.clock, Math.min(2 ** shift * 1000, backoffMsMax), signal))) return;
    }
    let out: { index: number; checks: AliasCheckInfo[] };
    try {
      out = await o.source.nodeChecks(o.aliasNode, minIndex, signal);
    } catch (err) {
      if (signal.aborted) return;
      attempt++;
      if (attempt > 1) {
        deps.update(o.checkID, 'critical', `Failure checking aliased node or service: ${(err as Error).message}`);
      }
      continue;
    }
    if (signal.aborted) return;
    attempt = 0;
    minIndex = Math.max(out.index, 1);
    const r = aliasStatus(o, out.checks);
    if (!r.serviceFound && !(await remoteServiceExists(o, deps, signal))) {
      if (!signal.aborted) deps.update(o.checkID, 'critical', notFound(o));
    } else if (!signal.aborted) {
      deps.update(o.checkID, r.status, r.output);
    }
  }
}

/** checkServiceExistsOnRemoteServer: 3 retries after 1s, 2s, 3s; if all fail, assume it exists. */
async function remoteServiceExists(o: AliasCheckOptions, deps: RunnerDeps, signal: AbortSignal): Promise<boolean> {
  for (let attempts = 1; ; attempts++) {
    try {
      return await o.source.nodeHasService(o.aliasNode, o.aliasService, signal);
    } catch {
      if (attempts > 3) return true;
      if (!(await sleepOn(deps.clock, attempts * 1000, signal))) return true;
    }
  }
}
