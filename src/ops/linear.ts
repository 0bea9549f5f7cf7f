import { expectTensor, type Tensor } from '../tensor';
import { record, save, needsGrad, output } from '../autograd/tape';
import { formatShape } from '../shape';
import { gemm } from '../kernels/matmul';
import { binaryKernel } from '../kernels/elementwise';
import { sumAxes } from './sum';

/**
 * A dense layer with PyTorch's weight layout: x: [N, in], w: [out, in], b: [out] -> [N, out], y = x W^T + b,
 * one GEMM with the bias (and an optional ReLU) fused into its store.
 * dx = dy W,  dW = dy^T x,  db = sum_n dy  (a ReLU first masks dy where the output is 0).
 */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null, options: { relu?: boolean } = {}): Tensor {
  expectTensor('linear', 'x', x);
  expectTensor('linear', 'w', w);
  if (b != null) expectTensor('linear', 'b', b);
  const fail = (why: string) =>
    new Error(`webgpu-cnn linear: ${why} (x: ${formatShape(x.shape)}, w: ${formatShape(w.shape)}${b ? `, b: ${formatShape(b.shape)}` : ''})`);
  if (x.shape.length !== 2) throw fail('x must be [N, in]');
  if (w.shape.length !== 2 || w.shape[1] !== x.shape[1]) throw fail(`w must be [out, ${x.shape[1]}]`);
  const [N, inF] = x.shape;
  const outF = w.shape[0];
  if (b && (b.shape.length !== 1 || b.shape[0] !== outF)) throw fail(`b must be [${outF}]`);
  const out = gemm(x, w, { m: N, n: outF, k: inF, transB: true, bias: b ? 'column' : undefined, relu: !!options.relu }, { bias: b });
  if (!needsGrad(x, w, b ?? null)) return output('linear', out);
  const sx = save(x);
  const sw = save(w);
  const sout = options.relu ? save(out) : null;
  return record('linear', out, [x, w, b ?? null], (dyIn) => {
    const dy = sout ? maskRelu(sout, dyIn) : dyIn;
    return [
      () => gemm(dy, sw, { m: N, n: inF, k: outF }),
      () => gemm(dy, sx, { m: outF, n: inF, k: N, transA: true }),
      () => sumAxes(dy, [0], false),
    ];
  }, sout ? [sx, sw, sout] : [sx, sw]);
}

/** d relu(z)/dz = 1 where the output is positive. */
const maskRelu = (out: Tensor, dy: Tensor) => binaryKernel('linear', out, dy, 'RELU_GRAD');
