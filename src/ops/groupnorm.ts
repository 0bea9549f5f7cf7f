import { expectTensor, type Tensor } from '../tensor';
import { formatShape, sizeOf } from '../shape';
import { normalizeRows } from './layernorm';

/**
 * torch.nn.functional.group_norm: the C channels of x: [N, C, ...] in numGroups groups; each (sample, group)
 * is normalised over its channels and positions with the biased variance, then weight and bias ([C]) scale and
 * shift each channel:  y = (x - mean_{n,g}) / sqrt(var_{n,g} + eps) * weight[c] + bias[c].
 * Gradients come from the parts it is made of (ops/layernorm.ts's normalizeRows, mul, add).
 */
export function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, options: { eps?: number } = {}): Tensor {
  expectTensor('groupNorm', 'x', x);
  const fail = (why: string) => new Error(`webgpu-cnn groupNorm: ${why} (x: ${formatShape(x.shape)})`);
  if (x.shape.length < 2) throw fail('x must be [N, C, ...]');
  const [n, c] = x.shape;
  if (!Number.isInteger(numGroups) || numGroups < 1 || c % numGroups !== 0) throw fail(`numGroups ${numGroups} must divide the ${c} channels`);
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && (t.shape.length !== 1 || t.shape[0] !== c)) throw fail(`${name} must be [${c}], got ${formatShape(t.shape)}`);
  }
  const perGroup = (c / numGroups) * sizeOf(x.shape.slice(2));
  const affineShape = [1, c, ...x.shape.slice(2).map(() => 1)];
  return normalizeRows('groupNorm', x, n * numGroups, perGroup, weight ?? null, bias ?? null, affineShape, options.eps ?? 1e-5);
}
