import { expectTensor, type Tensor } from '../tensor';
import { formatShape } from '../shape';
import { full } from './fill';
import { mul } from './mul';
import { add } from './add';
import { sub } from './sub';
import { softplus } from './softplus';
import { reduceLoss, type Reduction } from './mseloss';

/**
 * torch.nn.functional.binary_cross_entropy_with_logits, numerically stable: with p the posWeight (broadcast
 * against the logits, e.g. one per class along the last axis; default 1), per element
 *   loss = (1 - t) x + (1 + (p - 1) t) softplus(-x)      [= -(p t log s(x) + (1 - t) log(1 - s(x)))]
 * where softplus(-x) never overflows. Made of differentiable ops, so logits and targets both get gradients.
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, options: { posWeight?: Tensor | null; reduction?: Reduction } = {}): Tensor {
  expectTensor('binaryCrossEntropyWithLogits', 'logits', logits);
  expectTensor('binaryCrossEntropyWithLogits', 'target', target);
  if (logits.shape.join() !== target.shape.join()) {
    throw new Error(`webgpu-cnn binaryCrossEntropyWithLogits: logits ${formatShape(logits.shape)} and target ${formatShape(target.shape)} must have the same shape`);
  }
  const made: Tensor[] = [];
  const keep = (t: Tensor) => (made.push(t), t);
  const one = keep(full([1], 1));
  const sp = keep(softplus(keep(sub(keep(full([1], 0)), logits))));
  const linear = keep(mul(keep(sub(one, target)), logits));
  const p = options.posWeight;
  const weighted = p ? keep(mul(keep(add(one, keep(mul(keep(sub(p, one)), target)))), sp)) : sp;
  const losses = add(linear, weighted);
  made.forEach((t) => t.dispose());
  return reduceLoss('binaryCrossEntropyWithLogits', losses, options.reduction ?? 'mean');
}
