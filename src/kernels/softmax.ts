/**
 * Launchers for shaders/softmax.wgsl: softmax and log-softmax along an axis with their gradients, and
 * cross-entropy fused with the softmax. A tensor is viewed as rows of `axis` elements (see the shader).
 * They record nothing for autograd.
 */
import { empty, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';

/** A tensor seen as [outer, axis, inner]: a row is the `axis` elements sharing (outer, inner). */
export interface RowView {
  rows: number;
  axis: number;
  inner: number;
}

const ELEMENT_WORKGROUP = 64;

/** One workgroup per row; the workgroup shrinks for short rows. */
function launchRows(entry: 'forward' | 'backward' | 'cross_entropy', v: RowView, bindings: Record<string, GPUBuffer>, log = false): void {
  const rt = runtime();
  const workgroup = Math.min(64, 2 ** Math.ceil(Math.log2(Math.max(v.axis, 1))));
  rt.launch({
    shader: 'softmax',
    entry,
    constants: entry === 'cross_entropy' ? { WORKGROUP: workgroup } : { WORKGROUP: workgroup, LOG: log },
    bindings,
    params: { rows: v.rows, axis: v.axis, inner: v.inner },
    workgroups: rt.grid1d(v.rows),
  });
}

/** softmax(x) or log-softmax(x) along the rows of `v`. */
export function softmaxKernel(x: Tensor, v: RowView, log: boolean): Tensor {
  const out = empty(x.shape);
  launchRows('forward', v, { x: x.buffer, out: out.buffer }, log);
  return out;
}

/** dx from the forward output y and dy: y (dy - sum(dy y)), or for log-softmax dy - exp(y) sum(dy). */
export function softmaxGradKernel(y: Tensor, dy: Tensor, v: RowView, log: boolean): Tensor {
  const dx = empty(y.shape);
  launchRows('backward', v, { x: y.buffer, dy: dy.buffer, out: dx.buffer }, log);
  return dx;
}

/** Per row of logits [N, K]: the loss log sum exp - x[label], and the softmax kept for the gradient. */
export function crossEntropyKernel(logits: Tensor, labels: Tensor): { losses: Tensor; probs: Tensor } {
  const [N, K] = logits.shape;
  const losses = empty([N]);
  const probs = empty([N, K]);
  launchRows('cross_entropy', { rows: N, axis: K, inner: 1 }, {
    x: logits.buffer, labels: labels.buffer, out: losses.buffer, probs: probs.buffer,
  });
  return { losses, probs };
}

/** d(mean loss)/dlogits = (probs - onehot(labels)) * dy[0] / N. */
export function crossEntropyGradKernel(probs: Tensor, labels: Tensor, dy: Tensor): Tensor {
  const rt = runtime();
  const [N, K] = probs.shape;
  const dx = empty([N, K]);
  rt.launch({
    shader: 'softmax',
    entry: 'cross_entropy_backward',
    constants: { WORKGROUP: ELEMENT_WORKGROUP },
    bindings: { x: probs.buffer, labels: labels.buffer, dy: dy.buffer, out: dx.buffer },
    params: { rows: N, axis: K, inner: 1 },
    workgroups: rt.grid1d(Math.ceil((N * K) / ELEMENT_WORKGROUP)),
  });
  return dx;
}
