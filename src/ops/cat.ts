import { empty, expectTensor, type Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { formatShape, normaliseAxis } from '../shape';
import { narrowKernel, placeKernel } from '../kernels/slice';
import { reshape } from './reshape';

/**
 * torch.cat: tensors joined along `axis`; all other dimensions must agree (U-Net skips: channels, axis 1).
 * [.., d_i, ..] for each i -> [.., sum d_i, ..]. d/dx_i = the slice of dy where x_i went.
 */
export function cat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors as unknown) || !tensors.length) throw new Error('webgpu-cnn cat: needs a non-empty array of tensors');
  tensors.forEach((t, i) => expectTensor('cat', `tensors[${i}]`, t));
  const rank = tensors[0].shape.length;
  const a = normaliseAxis('cat', axis, rank);
  const shapes = tensors.map((t) => formatShape(t.shape)).join(', ');
  for (const t of tensors) {
    if (t.shape.length !== rank || t.shape.some((d, i) => i !== a && d !== tensors[0].shape[i])) {
      throw new Error(`webgpu-cnn cat: tensors ${shapes} must have the same shape except along axis ${a}`);
    }
  }
  const starts: number[] = [];
  let total = 0;
  for (const t of tensors) {
    starts.push(total);
    total += t.shape[a];
  }
  const out = empty(tensors[0].shape.map((d, i) => (i === a ? total : d)));
  tensors.forEach((t, i) => placeKernel(t, out, a, starts[i]));
  return record('cat', out, tensors, (dy) => tensors.map((t, i) => () => narrowKernel(dy, a, starts[i], t.shape[a])));
}

/** torch.stack: tensors of one shape joined along a new axis. [..] x n -> [.., n, ..] (the new axis at `axis`). */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors as unknown) || !tensors.length) throw new Error('webgpu-cnn stack: needs a non-empty array of tensors');
  tensors.forEach((t, i) => expectTensor('stack', `tensors[${i}]`, t));
  const shape = tensors[0].shape;
  const a = normaliseAxis('stack', axis, shape.length + 1);
  if (tensors.some((t) => formatShape(t.shape) !== formatShape(shape))) {
    throw new Error(`webgpu-cnn stack: tensors ${tensors.map((t) => formatShape(t.shape)).join(', ')} must all have the same shape`);
  }
  const expanded = [...shape.slice(0, a), 1, ...shape.slice(a)];
  const views = tensors.map((t) => reshape(t, expanded));
  const out = cat(views, a);
  views.forEach((v) => v.dispose());
  return out;
}
