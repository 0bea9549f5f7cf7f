import { checkTensorSize, type Tensor } from '../tensor';
import { checkShape } from '../shape';
import { fillKernel } from '../kernels/elementwise';

/** A new tensor of `shape` with every element `value`. Constants have no gradient. */
export function full(shape: readonly number[], value: number): Tensor {
  checkShape('full', shape);
  checkTensorSize('full', shape);
  return fillKernel(shape, value);
}

/** A tensor of `shape` filled with 0 (torch.zeros). */
export const zeros = (shape: readonly number[]): Tensor => full(shape, 0);
/** A tensor of `shape` filled with 1 (torch.ones). */
export const ones = (shape: readonly number[]): Tensor => full(shape, 1);
