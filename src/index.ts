/// <reference path="./wgsl.d.ts" />
/**
 * webgpu-cnn: convolutional networks trained and run on the GPU through WebGPU, in the browser and in Node.
 * `init()` first, then tensors, ops, `nn` modules, `optim` optimisers and `fit`; the README has a tour.
 */
export { init, type InitOptions, type AdapterSummary } from './gpu/runtime';
export { Tensor, tensor, scope, memory, type MemoryInfo, type TensorOptions, type NestedNumbers, type LiveTensor } from './tensor';
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
export { setWinograd, type WinogradMode } from './kernels/winograd';
export { tuning, type TuningTable, type TuningEntry, type TimingSource } from './kernels/tuning';
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

/** Layers and models with PyTorch's names, parameter shapes and state-dict keys (`nn.Sequential`, `nn.Conv2d`, ...). */
export * as nn from './nn/index';
/** Optimisers (`SGD`, `Adam`, `AdamW`), each one fused kernel per parameter, and learning-rate schedules. */
export * as optim from './optim/index';
/** MNIST with a fixed split, seeded subsets (`take`) and mini-batches, and images from canvases and bitmaps. */
export * as data from './data/index';
/** Weights in the safetensors format, with PyTorch's state-dict keys. */
export * as io from './io/index';
export { compileStep, type CompiledStep, type CompileOptions, type StepInput } from './graph/compile';
export { compile } from './train/index';
export { fit, evaluate, trainStep, type FitOptions, type BatchEnd, type EpochEnd, type Evaluation, type LossFn, type Metric, meanIoU } from './train/index';
export { summary } from './nn/summary';

import { runtime } from './gpu/runtime';
import { setLeakTracking, liveTensorList, type LiveTensor } from './tensor';
import { setNumericsCheck, setPerDispatchValidation } from './kernels/debug';

/**
 * Debug modes, all off by default and slow when on:
 * - `trackLeaks(true)` records a stack trace for each tensor made from then on; `leaks()` lists those still
 *   alive (not disposed, not collected) with where they were made.
 * - `checkNumerics(true)` checks every op's output (and every gradient) for NaN and Infinity on the GPU; the
 *   next readback (`data()`, `sync()`) throws naming the first op that produced one.
 * - `validate(true)` submits each kernel on its own, so a GPU validation error names the kernel.
 */
export const debug = {
  trackLeaks(on = true): void {
    setLeakTracking(on);
  },
  leaks(): LiveTensor[] {
    return liveTensorList();
  },
  checkNumerics(on = true): void {
    setNumericsCheck(on);
  },
  validate(on = true): void {
    setPerDispatchValidation(on);
  },
};

/** Resolves when all GPU work recorded so far has finished (it is submitted first); reads nothing back. */
export function sync(): Promise<void> {
  return runtime().sync();
}

/** Submits recorded GPU work now without waiting for it (data() does this by itself). */
export function flush(): void {
  runtime().batch.flush();
}
