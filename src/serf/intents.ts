/**
 * Intents about members we do not know yet (serf's recentIntents): a join or leave intent can
 * arrive before the member's alive message. The newest intent per member is kept for
 * `recentIntentTimeoutMs`, then applied when the member appears. Bounded: a flood of intents
 * about made-up names cannot grow it without limit.
 */
export type IntentType = 'join' | 'leave';

interface Intent {
  type: IntentType;
  lTime: number;
  atMs: number;
}

/** Intents kept at most: far more than any real pool has members joining at once. */
export const recentIntentsMax = 16_384;

export class RecentIntents {
  private readonly byNode = new Map<string, Intent>();

  /** Records an intent unless a newer one is kept; true if it was recorded. */
  upsert(node: string, type: IntentType, lTime: number, nowMs: number): boolean {
    const known = this.byNode.get(node);
    if (known && known.lTime >= lTime) return false;
    if (!known && this.byNode.size >= recentIntentsMax) {
      const oldest = this.byNode.keys().next().value;
      if (oldest !== undefined) this.byNode.delete(oldest);
    }
    this.byNode.delete(node);
    this.byNode.set(node, { type, lTime, atMs: nowMs });
    return true;
  }

  /** The kept intent of `type` about `node`, if any. */
  get(node: string, type: IntentType): number | undefined {
    const i = this.byNode.get(node);
    return i && i.type === type ? i.lTime : undefined;
  }

  /** Forgets intents older than `timeoutMs`. */
  prune(nowMs: number, timeoutMs: number): void {
    for (const [node, i] of this.byNode) if (nowMs - i.atMs > timeoutMs) this.byNode.delete(node);
  }

  get size(): number {
    return this.byNode.size;
  }
}
