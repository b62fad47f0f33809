/**
 * A checker's verdict: which property broke and how. The runner adds the seed, the swarm and
 * the trace. Pure.
 */

/** The checkers, by the property each guards. */
export type CheckerName =
  | 'election-safety'
  | 'leader-append-only'
  | 'log-matching'
  | 'commit-durable'
  | 'leader-completeness'
  | 'state-machine-safety'
  | 'state-hash'
  | 'config-in-force'
  | 'config-change'
  | 'quorum-overlap'
  | 'linearizability'
  | 'liveness-leader'
  | 'liveness-ops'
  | 'convergence'
  | 'disruption'
  | 'core-assertion'
  | 'sim';

export class SimFailure extends Error {
  override readonly name = 'SimFailure';

  constructor(readonly checker: CheckerName, message: string) {
    super(message);
  }
}
