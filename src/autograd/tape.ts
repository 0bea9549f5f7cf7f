/**
 * Reverse-mode autograd. Every op result that depends on a tensor with `requiresGrad` gets a node: its
 * inputs and a backward rule that returns one thunk per input, so a gradient nobody needs is never launched.
 * Nodes are reference counted by the tensors and nodes that point at them. What a rule saved is released as
 * soon as the rule has run, or when nothing can reach the node any more (its output was disposed unused).
 * `backward()` orders the graph reachable from the loss (a flat list in forward order), walks it in reverse,
 * and accumulates into `.grad` of the leaves, so a tensor used twice gets the sum.
 */
import { Tensor, untrack, scope } from '../tensor';
import { formatShape } from '../shape';
import { add } from '../ops/add';
import { full } from '../ops/fill';

export type GradThunk = (() => Tensor) | null;
/** `dy` is the loss's gradient with respect to the op's output; the rule returns one thunk per input. */
export type BackwardRule = (dy: Tensor) => GradThunk[];

export interface TapeNode {
  op: string;
  /** per input: the node that made it, or null for a leaf */
  parents: Array<TapeNode | null>;
  /** per input: the leaf tensor itself when it needs a gradient, else null */
  leaves: Array<Tensor | null>;
  rule: BackwardRule | null;
  /** tensors the rule reads, sharing storage with the originals so disposing those is safe */
  saved: Tensor[];
  refs: number;
}

let recording = true;

/** Runs fn without recording anything for autograd (inference, optimiser updates). */
export function noGrad<T>(fn: () => T): T {
  const was = recording;
  recording = false;
  try {
    return fn();
  } finally {
    recording = was;
  }
}

/** Whether an op with these inputs must record itself (and so save what its backward rule reads). */
export function needsGrad(...inputs: Tensor[]): boolean {
  return recording && inputs.some((t) => t.requiresGrad);
}

/** A reference to `x` for a backward rule, alive until the rule has run even if the caller disposes `x`. */
export function save(x: Tensor): Tensor {
  const storage = x.storage;
  storage.retain();
  const t = new Tensor(x.shape, storage);
  untrack(t);
  return t;
}

/**
 * Records `out = op(inputs)` if any input needs a gradient. `saved` are tensors the rule reads: views made by
 * save(), or internal tensors of the op (an argmax, a mask); the node disposes them when it is done.
 */
export function record(op: string, out: Tensor, inputs: Tensor[], rule: BackwardRule, saved: Tensor[] = []): Tensor {
  if (!needsGrad(...inputs)) {
    saved.forEach((t) => t.dispose());
    return out;
  }
  // The node owns what it saved: a scope closing around the forward pass must not free it before backward.
  saved.forEach(untrack);
  const parents = inputs.map((t) => t.node);
  parents.forEach((p) => p && p.refs++);
  const leaves = inputs.map((t) => (!t.node && t.requiresGrad ? t : null));
  out.requiresGrad = true;
  out.node = { op, parents, leaves, rule, saved, refs: 1 };
  return out;
}

function freeSaved(node: TapeNode): void {
  node.saved.forEach((t) => t.dispose());
  node.saved = [];
  node.rule = null;
}

/** Drops one reference to a node; the last one frees what it saved and lets go of its parents. */
export function releaseNode(node: TapeNode): void {
  if (--node.refs > 0) return;
  freeSaved(node);
  const parents = node.parents;
  node.parents = [];
  node.leaves = [];
  parents.forEach((p) => p && releaseNode(p));
}

/** Nodes reachable from `root` whose rule has not run yet, parents before children. */
function topologicalOrder(root: TapeNode): TapeNode[] {
  const order: TapeNode[] = [];
  const seen = new Set<TapeNode>([root]);
  const stack: Array<{ node: TapeNode; next: number }> = [{ node: root, next: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const parent = top.node.parents[top.next++];
    if (top.next > top.node.parents.length) {
      order.push(top.node);
      stack.pop();
    } else if (parent && parent.rule && !seen.has(parent)) {
      seen.add(parent);
      stack.push({ node: parent, next: 0 });
    }
  }
  return order;
}

function sum(a: Tensor | undefined, b: Tensor): Tensor {
  if (!a) return b;
  const s = noGrad(() => add(a, b));
  a.dispose();
  b.dispose();
  return s;
}

export function backward(loss: Tensor, gradient?: Tensor): void {
  const root = loss.node;
  if (!root) {
    throw new Error(`webgpu-cnn backward: tensor ${formatShape(loss.shape)} does not depend on anything that requires grad`);
  }
  if (!root.rule) throw new Error('webgpu-cnn backward: this graph has already been through backward() and its saved tensors are released');
  if (!gradient && loss.size !== 1) {
    throw new Error(`webgpu-cnn backward: the loss must hold a single value, got ${formatShape(loss.shape)}; pass a gradient for other shapes`);
  }
  const order = topologicalOrder(root);
  const pending = new Set(order);
  const grads = new Map<TapeNode, Tensor>();
  grads.set(root, noGrad(() => (gradient ? add(gradient, full(loss.shape, 0)) : full(loss.shape, 1))));

  noGrad(() => {
    for (let n = order.length - 1; n >= 0; n--) {
      const node = order[n];
      const dy = grads.get(node)!;
      grads.delete(node);
      const wanted = node.parents.map((parent, i) => (parent ? pending.has(parent) : node.leaves[i] !== null));
      // The scope frees every intermediate the rule makes; only the input gradients come out.
      const inputGrads = scope(() => {
        const thunks = node.rule!(dy);
        return wanted.map((w, i) => (w ? thunks[i]?.() ?? null : null));
      });
      inputGrads.forEach((g, i) => {
        if (!g) return;
        const parent = node.parents[i];
        const leaf = node.leaves[i];
        if (parent) {
          grads.set(parent, sum(grads.get(parent), g));
        } else if (leaf) {
          leaf.grad = sum(leaf.grad ?? undefined, g);
          untrack(leaf.grad);
        }
      });
      dy.dispose();
      freeSaved(node);
    }
  });
}
