import { empty, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';
import { record, save, needsGrad } from '../autograd/tape';
import { normaliseAxis, sizeOf } from '../shape';

/**
 * Softmax along `axis` (default the last): y = exp(x - max) / sum(exp(x - max)), numerically stable.
 * x: any shape -> same shape. d/dx = y * (dy - sum_axis(dy * y)).
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxAlong('softmax', x, axis, false);
}

/** @internal softmax or its log along an axis, with the matching backward rule (log: dx = dy - y' sum(dy)). */
export function softmaxAlong(op: string, x: Tensor, axis: number, log: boolean): Tensor {
  const a = normaliseAxis(op, axis, x.shape.length);
  const view = { axis: x.shape[a], inner: sizeOf(x.shape.slice(a + 1)) };
  const rows = x.size / Math.max(view.axis, 1);
  const out = empty(x.shape);
  launchRows('forward', log, rows, view, { x: x.buffer, out: out.buffer });
  if (!needsGrad(x)) return out;
  const y = save(out);
  return record(op, out, [x], (dy) => [
    () => {
      const dx = empty(x.shape);
      launchRows('backward', log, rows, view, { x: y.buffer, dy: dy.buffer, out: dx.buffer });
      return dx;
    },
  ], [y]);
}

/** One workgroup per row of `axis` elements; the workgroup shrinks for short rows. */
export function launchRows(entry: string, log: boolean, rows: number, view: { axis: number; inner: number }, bindings: Record<string, GPUBuffer>): void {
  const rt = runtime();
  const workgroup = Math.min(64, 2 ** Math.ceil(Math.log2(Math.max(view.axis, 1))));
  rt.launch({
    shader: 'softmax',
    entry,
    constants: entry === 'cross_entropy' ? { WORKGROUP: workgroup } : { WORKGROUP: workgroup, LOG: log },
    bindings,
    params: { rows, axis: view.axis, inner: view.inner },
    workgroups: rt.grid1d(rows),
  });
}
