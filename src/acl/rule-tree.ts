/**
 * The rules of one resource, as Consul's policyAuthorizer keeps them in an armon/go-radix tree:
 * each name carries an exact rule, a prefix rule, or both. Built once per authorizer; every
 * lookup walks the tree along the name, O(name length), allocating nothing, because KV listing
 * checks one key per entry (up to millions) against tokens that may carry hundreds of rules.
 *
 * - `lookup` is getPolicy: the exact rule of the name, else the prefix rule of its longest
 *   prefix that has one (the name itself included).
 * - `keyWritePrefix` is KeyWritePrefix: the longest applicable prefix rule must grant write and
 *   no rule at or under the prefix may grant less; each node caches whether its subtree holds
 *   such a rule.
 * - `anyAllowed` / `allAllowed` (IntentionRead("*"), IntentionWrite("*"), NodeReadAll,
 *   ServiceReadAll) depend on the whole tree only, so they are computed once per level.
 */
import type { AccessLevel } from './policy.js';

export type Decision = 'allow' | 'deny' | 'default';

/** Consul's enforce: does a rule of level `rule` grant `required`? */
export function enforce(rule: AccessLevel | undefined, required: 'read' | 'list' | 'write'): Decision {
  switch (rule) {
    case 'write':
      return 'allow';
    case 'list':
      return required === 'write' ? 'deny' : 'allow';
    case 'read':
      return required === 'read' ? 'allow' : 'deny';
    case 'deny':
      return 'deny';
    default:
      return 'default';
  }
}

interface TreeNode {
  /** The edge from the parent: this node's name is its parent's name plus `label`. */
  label: string;
  exact: AccessLevel | undefined;
  prefix: AccessLevel | undefined;
  /** Children by the first code unit of their label. */
  children: Map<number, TreeNode>;
  /** Some rule at or under this node grants less than write (KeyWritePrefix's veto). */
  subtreeDeniesWrite: boolean;
}

const newNode = (label: string): TreeNode => ({ label, exact: undefined, prefix: undefined, children: new Map(), subtreeDeniesWrite: false });
const hasRule = (n: TreeNode): boolean => n.exact !== undefined || n.prefix !== undefined;

export class RuleTree {
  private readonly root = newNode('');
  private readonly any = new Map<AccessLevel, Decision>();
  private readonly all = new Map<AccessLevel, Decision>();

  /** `rules`: [name, level, isPrefix]; a later rule of the same name and kind replaces an earlier. */
  constructor(rules: Iterable<readonly [string, AccessLevel, boolean]>) {
    for (const [name, level, isPrefix] of rules) {
      const node = this.insert(name);
      if (isPrefix) node.prefix = level;
      else node.exact = level;
    }
    markWriteVetoes(this.root);
  }

  /** getPolicy: the rule that applies to `name`, if any. */
  lookup(name: string): AccessLevel | undefined {
    let node = this.root;
    let i = 0;
    let found: AccessLevel | undefined;
    for (;;) {
      if (node.exact !== undefined && i === name.length) return node.exact;
      if (node.prefix !== undefined) found = node.prefix;
      if (i === name.length) return found;
      const child = node.children.get(name.charCodeAt(i));
      if (child === undefined || !name.startsWith(child.label, i)) return found;
      i += child.label.length;
      node = child;
    }
  }

  /** KeyWritePrefix's decision, before any default. */
  keyWritePrefix(prefix: string): Decision {
    let base: Decision = 'default';
    let node = this.root;
    let i = 0;
    let within: TreeNode | undefined;
    for (;;) {
      if (node.prefix !== undefined) base = node.prefix === 'write' ? 'allow' : 'deny';
      if (i === prefix.length) {
        within = node;
        break;
      }
      const child = node.children.get(prefix.charCodeAt(i));
      if (child === undefined) break;
      if (prefix.startsWith(child.label, i)) {
        i += child.label.length;
        node = child;
        continue;
      }
      // The prefix ends inside this edge: everything under the child is under the prefix.
      if (labelStartsWithRest(child.label, prefix, i)) within = child;
      break;
    }
    if (base === 'deny') return 'deny';
    if (within?.subtreeDeniesWrite) return 'deny';
    return base;
  }

  /** anyAllowed: does some rule grant `required` (a catch-all prefix rule decides otherwise)? */
  anyAllowed(required: 'read' | 'list' | 'write'): Decision {
    let d = this.any.get(required);
    if (d === undefined) {
      d = this.computeAny(required);
      this.any.set(required, d);
    }
    return d;
  }

  /** allAllowed: does no rule refuse `required` (and does a catch-all prefix rule grant it)? */
  allAllowed(required: 'read' | 'list' | 'write'): Decision {
    let d = this.all.get(required);
    if (d === undefined) {
      d = this.computeAll(required);
      this.all.set(required, d);
    }
    return d;
  }

  private computeAny(required: 'read' | 'list' | 'write'): Decision {
    const leafAllows = (n: TreeNode, prefixOnly: boolean): Decision => {
      const d = n.prefix !== undefined ? enforce(n.prefix, required) : 'default';
      if (prefixOnly || d === 'allow' || n.exact === undefined) return d;
      return enforce(n.exact, required);
    };
    let decision: Decision = 'default';
    // A catch-all prefix rule that denies makes deny the answer, unless another rule allows.
    if (hasRule(this.root)) {
      decision = leafAllows(this.root, true);
      if (decision === 'allow') return 'allow';
    }
    return someRule(this.root, (n) => leafAllows(n, false) === 'allow') ? 'allow' : decision;
  }

  private computeAll(required: 'read' | 'list' | 'write'): Decision {
    const leafDecision = (n: TreeNode, prefixOnly: boolean): Decision => {
      const p = n.prefix !== undefined ? enforce(n.prefix, required) : 'default';
      if (prefixOnly || p === 'deny' || n.exact === undefined) return p;
      const d = enforce(n.exact, required);
      return d === 'default' ? p : d;
    };
    let decision: Decision = 'default';
    if (hasRule(this.root)) {
      decision = leafDecision(this.root, true);
      if (decision === 'deny') return 'deny';
    }
    return someRule(this.root, (n) => leafDecision(n, false) === 'deny') ? 'deny' : decision;
  }

  /** The node named `name`, created (splitting an edge if need be) if missing. */
  private insert(name: string): TreeNode {
    let node = this.root;
    let i = 0;
    for (;;) {
      if (i === name.length) return node;
      const c = name.charCodeAt(i);
      const child = node.children.get(c);
      if (child === undefined) {
        const leaf = newNode(name.slice(i));
        node.children.set(c, leaf);
        return leaf;
      }
      let n = 0;
      while (n < child.label.length && i + n < name.length && child.label.charCodeAt(n) === name.charCodeAt(i + n)) n++;
      if (n < child.label.length) {
        // Split the edge: a new node for the common part, the old child below it.
        const mid = newNode(child.label.slice(0, n));
        child.label = child.label.slice(n);
        mid.children.set(child.label.charCodeAt(0), child);
        node.children.set(c, mid);
        node = mid;
      } else {
        node = child;
      }
      i += n;
    }
  }
}

/** Whether `label` starts with name[from..] (which is shorter than the label). */
function labelStartsWithRest(label: string, name: string, from: number): boolean {
  for (let j = from; j < name.length; j++) if (label.charCodeAt(j - from) !== name.charCodeAt(j)) return false;
  return true;
}

/** Sets subtreeDeniesWrite bottom-up (iteratively: names may nest thousands deep). */
function markWriteVetoes(root: TreeNode): void {
  const order: TreeNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    order.push(n);
    for (const c of n.children.values()) stack.push(c);
  }
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k]!;
    let veto = (n.prefix !== undefined && n.prefix !== 'write') || (n.exact !== undefined && n.exact !== 'write');
    for (const c of n.children.values()) veto ||= c.subtreeDeniesWrite;
    n.subtreeDeniesWrite = veto;
  }
}

/** Whether `pred` holds for some node that carries a rule. */
function someRule(root: TreeNode, pred: (n: TreeNode) => boolean): boolean {
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (hasRule(n) && pred(n)) return true;
    for (const c of n.children.values()) stack.push(c);
  }
  return false;
}
