/**
 * Reverse-mode autograd. Every op result that depends on a tensor with `requiresGrad` gets a node: its
 * inputs and a backward rule that returns one thunk per input, so a gradient nobody needs is never launched.
 * Nodes are reference counted by the tensors and nodes that point at them. What a rule saved is released as
 * soon as the rule has run, or when nothing can reach the node any more (its output was disposed unused).
 * `backward()` orders the graph reachable from the loss (a flat list in forward order), walks it in reverse,
 * and accumulates into `.grad` of the leaves, so a tensor used twice gets the sum.
 *
 * Gradients are added and seeded with kernels, not with the public ops, so the tape sits below ops/.
 */
import { type Tensor, untrack, scope, view, type GradLink } from '../tensor';
import { formatShape } from '../shape';
import { binaryKernel, fillKernel } from '../kernels/elementwise';
import { checkFinite } from '../kernels/debug';

export type GradThunk = (() => Tensor) | null;
/** One thunk per input, in order: a rule with too few or too many fails to type-check. */
export type Thunks<I extends readonly unknown[]> = { readonly [K in keyof I]: GradThunk };
/** An op's inputs; null stands for an optional input left out (a bias), whose thunk is then never called. */
export type Inputs = readonly (Tensor | null)[];

let recording = true;
/** inside a backward rule: its intermediates are not checked by checkNumerics, the gradients it returns are */
let inRule = false;

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
export function needsGrad(...inputs: Inputs): boolean {
  return recording && inputs.some((t) => t?.requiresGrad);
}

/** A reference to `x` for a backward rule, alive until the rule has run even if the caller disposes `x`. */
export function save(x: Tensor): Tensor {
  const t = view(x, x.shape);
  untrack(t);
  return t;
}

/** An op's result when it records nothing for autograd: passes it to the debug checks (wc.debug.checkNumerics). */
export function output(op: string, out: Tensor): Tensor {
  if (!inRule) checkFinite(op, out);
  return out;
}

/**
 * Records `out = op(inputs)` if any input needs a gradient. `dy` given to the rule is the loss's gradient with
 * respect to `out`; the rule returns one thunk per input. `saved` are tensors the rule reads: views made by
 * save(), or internal tensors of the op (an argmax, a mask); the node disposes them when it is done.
 */
export function record<const I extends Inputs>(op: string, out: Tensor, inputs: I, rule: (dy: Tensor) => Thunks<I>, saved: Tensor[] = []): Tensor {
  if (!inRule) checkFinite(op, out);
  if (!needsGrad(...inputs)) {
    saved.forEach((t) => t.dispose());
    return out;
  }
  // The node owns what it saved: a scope closing around the forward pass must not free it before backward.
  saved.forEach(untrack);
  out.requiresGrad = true;
  out.node = new TapeNode(op, inputs, rule, saved);
  return out;
}

class TapeNode implements GradLink {
  /** per input: the node that made it, or null for a leaf or a left-out input */
  parents: Array<TapeNode | null>;
  /** per input: the leaf tensor itself when it needs a gradient, else null */
  leaves: Array<Tensor | null>;
  /** per input: its shape, which the gradient the rule returns must have */
  readonly shapes: Array<readonly number[] | null>;
  rule: ((dy: Tensor) => readonly GradThunk[]) | null;
  refs = 1;

  constructor(
    readonly op: string,
    inputs: Inputs,
    rule: (dy: Tensor) => readonly GradThunk[],
    /** tensors the rule reads, sharing storage with the originals so disposing those is safe */
    public saved: Tensor[],
  ) {
    this.parents = inputs.map((t) => (t?.node instanceof TapeNode ? t.node : null));
    this.parents.forEach((p) => p && p.refs++);
    this.leaves = inputs.map((t) => (t && !t.node && t.requiresGrad ? t : null));
    this.shapes = inputs.map((t) => t?.shape ?? null);
    this.rule = rule;
  }

  freeSaved(): void {
    this.saved.forEach((t) => t.dispose());
    this.saved = [];
    this.rule = null;
  }

  /** Drops one reference; the last one frees what the node saved and lets go of its parents. */
  release(): void {
    if (--this.refs > 0) return;
    this.freeSaved();
    const parents = this.parents;
    this.parents = [];
    this.leaves = [];
    parents.forEach((p) => p?.release());
  }

  backward(root: Tensor, gradient?: Tensor): void {
    if (!this.rule) throw new Error('webgpu-cnn backward: this graph has already been through backward() and its saved tensors are released');
    if (gradient) {
      if (formatShape(gradient.shape) !== formatShape(root.shape)) {
        throw new Error(`webgpu-cnn backward: the gradient ${formatShape(gradient.shape)} must have the shape of the tensor it starts from, ${formatShape(root.shape)}`);
      }
    } else if (root.size !== 1) {
      throw new Error(`webgpu-cnn backward: the loss must hold a single value, got ${formatShape(root.shape)}; pass a gradient for other shapes`);
    }
    const order = topologicalOrder(this);
    const pending = new Set(order);
    const grads = new Map<TapeNode, Tensor>();
    // A view of the caller's gradient: the walk disposes what it is given, and the caller keeps its tensor.
    grads.set(this, gradient ? view(gradient, gradient.shape) : fillKernel(root.shape, 1));
    noGrad(() => {
      for (let n = order.length - 1; n >= 0; n--) order[n].runRule(grads, pending);
    });
  }

  /** Runs this node's rule with its accumulated gradient and hands each input gradient to its parent or leaf. */
  private runRule(grads: Map<TapeNode, Tensor>, pending: Set<TapeNode>): void {
    const dy = grads.get(this)!;
    grads.delete(this);
    const wanted = this.parents.map((parent, i) => (parent ? pending.has(parent) : this.leaves[i] !== null));
    // The scope frees every intermediate the rule makes; only the input gradients come out.
    inRule = true;
    let inputGrads: Array<Tensor | null>;
    try {
      inputGrads = scope(() => {
        const thunks = this.rule!(dy);
        return wanted.map((w, i) => (w ? thunks[i]?.() ?? null : null));
      });
    } finally {
      inRule = false;
    }
    inputGrads.forEach((g, i) => {
      if (!g) return;
      checkFinite(`${this.op} (backward, gradient of input ${i})`, g);
      const shape = this.shapes[i]!;
      if (formatShape(g.shape) !== formatShape(shape)) {
        throw new Error(`webgpu-cnn backward: ${this.op}'s rule gave input ${i} a gradient ${formatShape(g.shape)}; the input is ${formatShape(shape)}`);
      }
      const parent = this.parents[i];
      const leaf = this.leaves[i];
      if (parent) {
        grads.set(parent, accumulate(grads.get(parent), g));
      } else if (leaf) {
        leaf.grad = accumulate(leaf.grad ?? undefined, g);
        untrack(leaf.grad);
      }
    });
    dy.dispose();
    this.freeSaved();
  }
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
    } else if (parent?.rule && !seen.has(parent)) {
      seen.add(parent);
      stack.push({ node: parent, next: 0 });
    }
  }
  return order;
}

/** a + b, consuming both; a is absent for the first gradient to arrive. */
function accumulate(a: Tensor | undefined, b: Tensor): Tensor {
  if (!a) return b;
  const s = binaryKernel('backward', a, b, 'ADD');
  a.dispose();
  b.dispose();
  return s;
}
