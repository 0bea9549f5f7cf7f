import { expectTensor, type Tensor } from '../tensor';
import { formatShape } from '../shape';
import { resize2d } from './resize';

/**
 * torch.nn.functional.adaptive_avg_pool2d: output pixel i along an axis of `in` pixels averages the input bin
 * floor(i * in / out) .. ceil((i + 1) * in / out) - 1 (bins may overlap). outputSize 1 is global average
 * pooling. The averages are a linear map per axis, y = Ah x Aw^T (ops/resize.ts), so dx = Ah^T dy Aw.
 * x: [N, C, H, W] -> [N, C, outH, outW].
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | [number, number]): Tensor {
  expectTensor('adaptiveAvgPool2d', 'x', x);
  if (x.shape.length !== 4) throw new Error(`webgpu-cnn adaptiveAvgPool2d: x must be [N, C, H, W], got ${formatShape(x.shape)}`);
  const [oh, ow] = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  if (![oh, ow].every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`webgpu-cnn adaptiveAvgPool2d: outputSize ${JSON.stringify(outputSize)} must be a positive integer or a pair of them`);
  }
  const [, , h, w] = x.shape;
  return resize2d(x, binMatrix(h, oh), oh, binMatrix(w, ow), ow);
}

function binMatrix(input: number, output: number): Float32Array {
  const a = new Float32Array(output * input);
  for (let i = 0; i < output; i++) {
    const start = Math.floor((i * input) / output);
    const end = Math.ceil(((i + 1) * input) / output);
    for (let k = start; k < end; k++) a[i * input + k] = 1 / (end - start);
  }
  return a;
}
