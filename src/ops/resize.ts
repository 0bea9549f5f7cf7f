import { tensor, type Tensor } from '../tensor';
import { matmul } from './matmul';
import { reshape } from './reshape';
import { transpose } from './transpose';

/**
 * @internal A separable linear resampling of NCHW images: out[n, c] = Ah x[n, c] Aw^T, with Ah: [Ho, H] and
 * Aw: [Wo, W] given row-major on the CPU. Upsampling (nearest, bilinear) and adaptive average pooling are
 * such maps. Two GEMMs and two transposes, all differentiable, so the backward (Ah^T dy Aw) needs no rule of
 * its own; the matrices are small (a 32-pixel side is a 64 x 32 matrix).
 */
export function resize2d(x: Tensor, ah: Float32Array, ho: number, aw: Float32Array, wo: number): Tensor {
  const [n, c, h, w] = x.shape;
  const awT = tensor(transposed(aw, wo, w), [w, wo]);
  const ahT = tensor(transposed(ah, ho, h), [h, ho]);
  const made: Tensor[] = [awT, ahT];
  const keep = (t: Tensor) => (made.push(t), t);
  // [n c h, w] x [w, wo] -> [n c, h, wo] -> [n c, wo, h]
  const rows = keep(matmul(keep(reshape(x, [n * c * h, w])), awT));
  const cols = keep(transpose(keep(reshape(rows, [n * c, h, wo])), [0, 2, 1]));
  // [n c wo, h] x [h, ho] -> [n c, wo, ho] -> [n, c, ho, wo]
  const both = keep(matmul(keep(reshape(cols, [n * c * wo, h])), ahT));
  const out = reshape(keep(transpose(keep(reshape(both, [n * c, wo, ho])), [0, 2, 1])), [n, c, ho, wo]);
  // The tape holds what backward needs; these handles can go now.
  made.forEach((t) => t.dispose());
  return out;
}

function transposed(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}
