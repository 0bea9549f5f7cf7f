import { expectTensor, type Tensor } from '../tensor';
import { record, save, needsGrad, output } from '../autograd/tape';
import { formatShape } from '../shape';
import { gemm } from '../kernels/matmul';

/**
 * Matrix product. a: [m, k], b: [k, n] -> [m, n].
 * dA = dy x B^T and dB = A^T x dy: the same kernel, with the saved operand read as its transpose.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  expectTensor('matmul', 'a', a);
  expectTensor('matmul', 'b', b);
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0]) {
    throw new Error(`webgpu-cnn matmul: expected a: [m, k] and b: [k, n], got a: ${formatShape(a.shape)} and b: ${formatShape(b.shape)}`);
  }
  const [m, k] = a.shape;
  const n = b.shape[1];
  const out = gemm(a, b, { m, n, k });
  if (!needsGrad(a, b)) return output('matmul', out);
  const sa = save(a);
  const sb = save(b);
  return record('matmul', out, [a, b], (dy) => [
    () => gemm(dy, sb, { m, n: k, k: n, transB: true }),
    () => gemm(sa, dy, { m: k, n, k: m, transA: true }),
  ], [sa, sb]);
}
