import type { NdArray } from './array';

export interface BatchNormRefOptions {
  training: boolean;
  momentum?: number;
  eps?: number;
}

export interface BatchNormRefResult {
  y: NdArray;
  /** the running statistics after the call (updated in training, the inputs' values in eval) */
  runningMean: NdArray;
  runningVar: NdArray;
}

/**
 * torch.nn.BatchNorm2d on x [N,C,H,W], spelled out in float64 nested loops. Training: per-channel mean and
 * biased variance over (N, H, W) normalise x; the running statistics move towards the mean and the unbiased
 * variance by `momentum`. Eval: the running statistics normalise x and stay as they are.
 */
export function batchNormRef(
  x: NdArray,
  gamma: NdArray,
  beta: NdArray,
  runningMean: NdArray,
  runningVar: NdArray,
  options: BatchNormRefOptions,
): BatchNormRefResult {
  const [N, C, H, W] = x.shape;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  const at = (n: number, c: number, h: number, w: number) => ((n * C + c) * H + h) * W + w;
  const y = new Float64Array(x.data.length);
  const newMean = Float64Array.from(runningMean.data);
  const newVar = Float64Array.from(runningVar.data);
  const count = N * H * W;
  for (let c = 0; c < C; c++) {
    let mean = runningMean.data[c];
    let variance = runningVar.data[c];
    if (options.training) {
      let s = 0;
      for (let n = 0; n < N; n++) {
        for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) s += x.data[at(n, c, h, w)];
      }
      mean = s / count;
      let d = 0;
      for (let n = 0; n < N; n++) {
        for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) d += (x.data[at(n, c, h, w)] - mean) ** 2;
      }
      variance = d / count;
      newMean[c] = (1 - momentum) * runningMean.data[c] + momentum * mean;
      newVar[c] = (1 - momentum) * runningVar.data[c] + momentum * (d / (count - 1));
    }
    const denominator = Math.sqrt(variance + eps);
    for (let n = 0; n < N; n++) {
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) {
          const i = at(n, c, h, w);
          y[i] = ((x.data[i] - mean) / denominator) * gamma.data[c] + beta.data[c];
        }
      }
    }
  }
  return {
    y: { data: y, shape: [...x.shape] },
    runningMean: { data: newMean, shape: [C] },
    runningVar: { data: newVar, shape: [C] },
  };
}
