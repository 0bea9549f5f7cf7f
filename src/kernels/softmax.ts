/**
 * Launchers for shaders/softmax.wgsl: softmax and log-softmax along an axis with their gradients, and
 * cross-entropy fused with the softmax. A tensor is viewed as rows of `axis` elements (see the shader).
 * They record nothing for autograd.
 */
import { empty, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';
import { itemsPerInvocation } from './elementwise';

/** A tensor seen as [outer, axis, inner]: a row is the `axis` elements sharing (outer, inner). */
export interface RowView {
  rows: number;
  axis: number;
  inner: number;
}

const ELEMENT_WORKGROUP = 64;

/** The cross-entropy fields of the uniform; softmax ignores them. */
export interface LossParams {
  smoothing: number;
  ignoreIndex: number;
  perRow: number;
  scale: number;
  weightSum: number;
}
const NO_LOSS: LossParams = { smoothing: 0, ignoreIndex: -100, perRow: 0, scale: 1, weightSum: 1 };

/** What the cross-entropy kernels are told: smoothing, ignoreIndex, and the class weights (null: all 1). */
export interface CrossEntropyParams {
  smoothing: number;
  ignoreIndex: number;
  weight: Tensor | null;
  /** the sum of the weights (K without weights) */
  weightSum: number;
}

/** One workgroup per row; the workgroup shrinks for short rows. */
function launchRows(entry: 'forward' | 'backward' | 'cross_entropy', v: RowView, bindings: Record<string, GPUBuffer | null>, log = false, loss: Partial<LossParams> = {}): void {
  const rt = runtime();
  const workgroup = Math.min(64, 2 ** Math.ceil(Math.log2(Math.max(v.axis, 1))));
  rt.launch({
    shader: 'softmax',
    entry,
    constants: entry === 'cross_entropy' ? { WORKGROUP: workgroup, WEIGHTED: bindings.classWeight !== null } : { WORKGROUP: workgroup, LOG: log },
    bindings,
    params: { ...NO_LOSS, ...loss, rows: v.rows, axis: v.axis, inner: v.inner },
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

/** Rows at most this long get one invocation each (cross_entropy_rows) instead of a workgroup. */
const SERIAL_ROW = 32;

/**
 * Per row of logits seen as [outer, K, inner] (rows = outer * inner, in that order, like the labels): the loss
 * lse - (1 - s) x[label] - s/K sum x (0 for ignored rows), whether the row counts (valid), and the softmax kept
 * for the gradient (in the logits' layout).
 */
export function crossEntropyKernel(logits: Tensor, labels: Tensor, v: RowView, o: CrossEntropyParams): { losses: Tensor; probs: Tensor; valid: Tensor } {
  const losses = empty([v.rows]);
  const valid = empty([v.rows]);
  const probs = empty(logits.shape);
  const bindings = {
    x: logits.buffer, labels: labels.buffer, out: losses.buffer, probs: probs.buffer, valid: valid.buffer, classWeight: o.weight?.buffer ?? null,
  };
  const loss = { smoothing: o.smoothing, ignoreIndex: o.ignoreIndex, weightSum: o.weightSum };
  if (v.axis > SERIAL_ROW) {
    launchRows('cross_entropy', v, bindings, false, loss);
  } else {
    const rt = runtime();
    rt.launch({
      shader: 'softmax',
      entry: 'cross_entropy_rows',
      constants: { WORKGROUP: ELEMENT_WORKGROUP, WEIGHTED: !!o.weight },
      bindings,
      params: { ...NO_LOSS, ...loss, rows: v.rows, axis: v.axis, inner: v.inner },
      workgroups: rt.grid1d(Math.ceil(v.rows / ELEMENT_WORKGROUP)),
    });
  }
  return { losses, probs, valid };
}

/**
 * The 'mean' of the rows' losses, weighted as crossEntropyKernel's `valid` says, in one dispatch: the loss, and
 * the weights' sum (the count of rows not ignored when unweighted) that the gradient divides by.
 */
export function crossEntropyMeanKernel(losses: Tensor, valid: Tensor): { mean: Tensor; count: Tensor } {
  const mean = empty([]);
  const count = empty([1]);
  runtime().launch({
    shader: 'softmax',
    entry: 'cross_entropy_mean',
    constants: { WORKGROUP: ELEMENT_WORKGROUP },
    bindings: { x: losses.buffer, dy: valid.buffer, out: mean.buffer, valid: count.buffer },
    params: { ...NO_LOSS, rows: losses.size, axis: 1, inner: 1 },
    workgroups: [1],
  });
  return { mean, count };
}

/**
 * dlogits = (probs - target) * dy * scale, 0 on ignored rows; dy is one value, or one per row with perRow;
 * divided by `count` (crossEntropyMeanKernel's) when given.
 */
export function crossEntropyGradKernel(probs: Tensor, labels: Tensor, dy: Tensor, v: RowView, o: CrossEntropyParams & { perRow: boolean; count: Tensor | null }): Tensor {
  const rt = runtime();
  const dx = empty(probs.shape);
  const ITEMS = itemsPerInvocation();
  rt.launch({
    shader: 'softmax',
    entry: 'cross_entropy_backward',
    constants: { WORKGROUP: ELEMENT_WORKGROUP, WEIGHTED: !!o.weight, MEAN: !!o.count, ITEMS },
    bindings: { x: probs.buffer, labels: labels.buffer, dy: dy.buffer, out: dx.buffer, classWeight: o.weight?.buffer ?? null, valid: o.count?.buffer ?? null },
    params: {
      rows: v.rows, axis: v.axis, inner: v.inner, smoothing: o.smoothing, ignoreIndex: o.ignoreIndex, perRow: o.perRow ? 1 : 0, scale: 1, weightSum: o.weightSum,
    },
    workgroups: rt.grid1d(Math.ceil(probs.size / (ELEMENT_WORKGROUP * ITEMS))),
  });
  return dx;
}

/** The index of each row's maximum, as floats: x [.., axis, ..] -> [.., ..] (the axis dropped). */
export function argmaxKernel(x: Tensor, v: RowView, shape: readonly number[]): Tensor {
  const rt = runtime();
  const out = empty(shape);
  rt.launch({
    shader: 'softmax',
    entry: 'argmax',
    constants: { WORKGROUP: ELEMENT_WORKGROUP },
    bindings: { x: x.buffer, out: out.buffer },
    params: { ...NO_LOSS, rows: v.rows, axis: v.axis, inner: v.inner },
    workgroups: rt.grid1d(Math.ceil(v.rows / ELEMENT_WORKGROUP)),
  });
  return out;
}
