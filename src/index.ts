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
export { gelu, type GeluOptions } from './ops/gelu';
export { leakyRelu } from './ops/leakyrelu';
export { silu } from './ops/silu';
export { hardswish } from './ops/hardswish';
export { softplus } from './ops/softplus';
export { matmul } from './ops/matmul';
export { setMatmulConfig, type MatmulConfig } from './kernels/matmul';
export { sum } from './ops/sum';
export { mean } from './ops/mean';
export { reshape, flatten } from './ops/reshape';
export { transpose } from './ops/transpose';
export { cat, stack } from './ops/cat';
export { narrow, split } from './ops/narrow';
export { conv2d, type Conv2dOptions } from './ops/conv2d';
export { convTranspose2d, type ConvTranspose2dOptions } from './ops/convtranspose2d';
export { setConvAlgorithm, setConvTiles, type ConvAlgorithm, type ConvTiles } from './kernels/conv';
export { setDepthwiseAlgorithm, type DepthwiseAlgorithm } from './kernels/depthwise';
export { linear } from './ops/linear';
export { maxPool2d, type MaxPool2dOptions } from './ops/maxpool2d';
export { avgPool2d, type AvgPool2dOptions } from './ops/avgpool2d';
export { adaptiveAvgPool2d } from './ops/adaptiveavgpool2d';
export { upsample, type UpsampleOptions } from './ops/upsample';
export type { Pool2dOptions } from './kernels/pool';
export { batchNorm2d, type BatchNormOptions } from './ops/batchnorm2d';
export { layerNorm } from './ops/layernorm';
export { groupNorm } from './ops/groupnorm';
export { dropout, type DropoutOptions } from './ops/dropout';
export { softmax } from './ops/softmax';
export { logSoftmax } from './ops/logsoftmax';
export { crossEntropy, type CrossEntropyOptions } from './ops/crossentropy';
export { mseLoss, type Reduction } from './ops/mseloss';
export { binaryCrossEntropyWithLogits } from './ops/bcewithlogits';
export { argmax } from './ops/argmax';

export * as nn from './nn/index';
export * as optim from './optim/index';
export * as data from './data/index';
export * as io from './io/index';
export { fit, evaluate, trainStep, type FitOptions, type BatchEnd, type EpochEnd, type Evaluation, type LossFn, type Metric, meanIoU } from './train/index';
export { summary } from './nn/summary';

import { runtime } from './gpu/runtime';

/** Resolves when all GPU work recorded so far has finished (it is submitted first); reads nothing back. */
export function sync(): Promise<void> {
  return runtime().sync();
}

/** Submits recorded GPU work now without waiting for it (data() does this by itself). */
export function flush(): void {
  runtime().batch.flush();
}
