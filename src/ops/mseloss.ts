import { expectTensor, type Tensor } from '../tensor';
import { formatShape } from '../shape';
import { sub } from './sub';
import { mul } from './mul';
import { mean } from './mean';
import { sum } from './sum';

export type Reduction = 'mean' | 'sum' | 'none';

/** @internal reduces per-element losses as torch.nn's losses do, and checks the name. */
export function reduceLoss(op: string, losses: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return losses;
  if (reduction !== 'mean' && reduction !== 'sum') throw new Error(`webgpu-cnn ${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  const out = reduction === 'mean' ? mean(losses) : sum(losses);
  losses.dispose();
  return out;
}

/**
 * torch.nn.functional.mse_loss: (input - target)^2, averaged (default), summed or per element. input and
 * target have the same shape. Made of differentiable ops: d/dinput = 2 (input - target) / count for the mean.
 */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  expectTensor('mseLoss', 'input', input);
  expectTensor('mseLoss', 'target', target);
  if (input.shape.join() !== target.shape.join()) {
    throw new Error(`webgpu-cnn mseLoss: input ${formatShape(input.shape)} and target ${formatShape(target.shape)} must have the same shape`);
  }
  const d = sub(input, target);
  const sq = mul(d, d);
  d.dispose();
  return reduceLoss('mseLoss', sq, options.reduction ?? 'mean');
}
