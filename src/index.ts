/**
 * webgpu-cnn: convolutional networks trained and run on the GPU through WebGPU, in the browser and in Node.
 * See ARCHITECTURE.md for how the pieces fit together.
 */
export { init, type InitOptions, type AdapterSummary } from './gpu/runtime';
export { Tensor, tensor, scope, memory, type MemoryInfo, type TensorOptions } from './tensor';
export { noGrad } from './autograd/tape';
export { startProfile, stopProfile, type KernelTime } from './gpu/profile';

export { full, zeros, ones } from './ops/fill';
export { rand, randn, manualSeed, type RandomOptions } from './ops/random';
export { add } from './ops/add';
export { sub } from './ops/sub';
export { mul } from './ops/mul';
export { div } from './ops/div';
export { relu } from './ops/relu';
export { sigmoid } from './ops/sigmoid';
export { tanh } from './ops/tanh';
export { matmul } from './ops/matmul';
export { setMatmulConfig, type MatmulConfig } from './kernels/matmul';
export { sum } from './ops/sum';
export { mean } from './ops/mean';
export { reshape, flatten } from './ops/reshape';
export { transpose } from './ops/transpose';
export { conv2d, type Conv2dOptions } from './ops/conv2d';
export { setConvAlgorithm, setConvTiles, type ConvAlgorithm, type ConvTiles } from './kernels/conv';
export { tuning, type TuningTable, type TuningEntry, type TimingSource } from './kernels/tuning';
export { linear } from './ops/linear';
export { maxPool2d, type MaxPool2dOptions } from './ops/maxpool2d';
export { avgPool2d } from './ops/avgpool2d';
export type { Pool2dOptions } from './kernels/pool';
export { batchNorm2d, type BatchNormOptions } from './ops/batchnorm2d';
export { dropout, type DropoutOptions } from './ops/dropout';
export { softmax } from './ops/softmax';
export { logSoftmax } from './ops/logsoftmax';
export { crossEntropy } from './ops/crossentropy';

export * as nn from './nn/index';
export * as optim from './optim/index';
export * as data from './data/index';
export * as io from './io/index';
export { fit, evaluate, trainStep, type FitOptions, type BatchEnd, type EpochEnd, type Evaluation } from './train/index';

import { runtime } from './gpu/runtime';

/** Resolves when all GPU work recorded so far has finished (it is submitted first); reads nothing back. */
export function sync(): Promise<void> {
  return runtime().sync();
}

/** Submits recorded GPU work now without waiting for it (data() does this by itself). */
export function flush(): void {
  runtime().batch.flush();
}
