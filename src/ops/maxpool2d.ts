import { empty, untrack, type Tensor } from '../tensor';
import { record, needsGrad, output } from '../autograd/tape';
import { launchPool, poolBackward, poolGeometry, poolOutputShape, rowsPerInvocation, type Pool2dOptions } from '../kernels/pool';

/** Options of `maxPool2d`. */
export interface MaxPool2dOptions extends Pool2dOptions {
  /** apply a ReLU to the input first (fused: the same single pass) */
  relu?: boolean;
}

/**
 * 2-D max pooling, like torch.nn.functional.max_pool2d. x: [N,C,H,W] -> [N,C,P,Q] with
 * P = floor((H + 2*padH - kernelH) / strideH) + 1 (Q likewise); stride defaults to kernelSize, padding to 0
 * (at most half the kernel). Padded positions never win: they act as -inf.
 *
 * y[n,c,p,q] = max over the window of x, so dy/dx is 1 at the window's first maximum (its argmax) and 0
 * elsewhere: dx[i] = sum of dy[o] over the outputs o whose argmax is i (overlapping windows can share one).
 * The forward saves the argmax, an internal [N,C,P,Q] tensor of flat indices into x, for the backward.
 *
 * With `relu`: y = max(relu(x)) = relu(max(x)) in one pass; a window whose max is not positive has no argmax,
 * so it passes no gradient, which is exactly relu's derivative (0 where x <= 0) composed with the max's.
 */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions): Tensor {
  const g = poolGeometry('maxPool2d', x, options);
  const out = empty(poolOutputShape(g));
  // The kernel always writes the argmax; it lives on only when backward will read it.
  const argmax = empty(out.shape);
  untrack(argmax); // the tape owns it: a scope() around the forward must not free it before backward
  launchPool('max_forward', g, rowsPerInvocation() ? g.n * g.c * g.p : out.size, { x, out, argmaxOut: argmax }, !!options.relu);
  if (!needsGrad(x)) {
    argmax.dispose();
    return output('maxPool2d', out);
  }
  return record('maxPool2d', out, [x], (dy) => [() => poolBackward('max_backward', g, dy, argmax)], [argmax]);
}
