/** The layers of torch.nn that a CNN needs, with PyTorch's parameter names, shapes and defaults. */
import { assign, type Tensor } from '../tensor';
import { affineKernel } from '../kernels/elementwise';
import { zeros, ones, full } from '../ops/fill';
import { conv2d } from '../ops/conv2d';
import { linear } from '../ops/linear';
import { relu } from '../ops/relu';
import { sigmoid } from '../ops/sigmoid';
import { tanh } from '../ops/tanh';
import { maxPool2d } from '../ops/maxpool2d';
import { avgPool2d } from '../ops/avgpool2d';
import { batchNorm2d } from '../ops/batchnorm2d';
import { dropout } from '../ops/dropout';
import { flatten } from '../ops/reshape';
import { add } from '../ops/add';
import { nextSeed } from '../ops/random';
import { Module } from './module';
import { uniformInit } from './init';

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

/** torch.nn.Conv2d: `weight` [out, in, kh, kw] and `bias` [out], PyTorch's uniform initialisation. Input [N, in, H, W]. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    readonly options: { stride?: Pair; padding?: Pair; bias?: boolean; seed?: number } = {},
  ) {
    super();
    const [kh, kw] = pair(kernelSize);
    const fanIn = inChannels * kh * kw;
    const seed = options.seed ?? nextSeed();
    this.weight = this.registerParameter('weight', uniformInit([outChannels, inChannels, kh, kw], fanIn, seed));
    this.bias = options.bias === false ? null : this.registerParameter('bias', uniformInit([outChannels], fanIn, seed ^ 0x9e3779b9));
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.options.stride, padding: this.options.padding });
  }
  /** relu(forward(x)) in one kernel (the ReLU applied in the GEMM's store); `Sequential` uses it. */
  forwardReLU(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.options.stride, padding: this.options.padding, relu: true });
  }
}

/** torch.nn.Linear: y = x w^T + b with `weight` [out, in] and `bias` [out]. Input [N, in]. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: { bias?: boolean; seed?: number } = {},
  ) {
    super();
    const seed = options.seed ?? nextSeed();
    this.weight = this.registerParameter('weight', uniformInit([outFeatures, inFeatures], inFeatures, seed));
    this.bias = options.bias === false ? null : this.registerParameter('bias', uniformInit([outFeatures], inFeatures, seed ^ 0x9e3779b9));
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
  /** relu(forward(x)) in one kernel; `Sequential` uses it. */
  forwardReLU(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias, { relu: true });
  }
}

/** max(x, 0), elementwise. */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** 1 / (1 + exp(-x)), elementwise. */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** tanh(x), elementwise. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** torch.nn.MaxPool2d: the maximum of each window; the stride defaults to the window size. */
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: { stride?: Pair; padding?: Pair } = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, { kernelSize: this.kernelSize, ...this.options });
  }
  /** maxPool2d(relu(x)) in one pass (max(relu(x)) = relu(max(x))); `Sequential` uses it. */
  forwardReLU(x: Tensor): Tensor {
    return maxPool2d(x, { kernelSize: this.kernelSize, ...this.options, relu: true });
  }
}

/** torch.nn.AvgPool2d: the mean of each window; the stride defaults to the window size. */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: { stride?: Pair; padding?: Pair } = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, { kernelSize: this.kernelSize, ...this.options });
  }
}

/** torch.nn.BatchNorm2d over [N, C, H, W]: `weight`, `bias`, and the buffers `running_mean`, `running_var`, `num_batches_tracked`. */
export class BatchNorm2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  /** how many training batches updated the running statistics (PyTorch keeps it as an int64) */
  readonly numBatchesTracked: Tensor;
  constructor(readonly numFeatures: number, readonly options: { momentum?: number; eps?: number } = {}) {
    super();
    this.weight = this.registerParameter('weight', ones([numFeatures]));
    this.bias = this.registerParameter('bias', zeros([numFeatures]));
    this.runningMean = this.registerBuffer('running_mean', zeros([numFeatures]));
    this.runningVar = this.registerBuffer('running_var', ones([numFeatures]));
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', full([], 0));
  }
  forward(x: Tensor): Tensor {
    if (this.training) {
      // The counter stays on the GPU (a loaded file sets it there too), bumped by one small kernel.
      const next = affineKernel(this.numBatchesTracked, 1, 1);
      assign(this.numBatchesTracked, next);
      next.dispose();
    }
    return batchNorm2d(x, this.weight, this.bias, this.runningMean, this.runningVar, { training: this.training, ...this.options });
  }
}

/** torch.nn.Dropout: in training, zeroes each element with probability `p` and scales the rest by 1 / (1 - p); identity in eval mode. */
export class Dropout extends Module {
  constructor(readonly p = 0.5, readonly options: { seed?: number } = {}) {
    super();
  }
  private calls = 0;
  forward(x: Tensor): Tensor {
    // A fresh mask each call, reproducible from the layer's seed.
    const seed = this.options.seed === undefined ? undefined : (this.options.seed + this.calls++) >>> 0;
    return dropout(x, this.p, { training: this.training, seed });
  }
}

/** [N, ...] -> [N, product of the rest] (torch.nn.Flatten). */
export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    return flatten(x);
  }
}

/** x + block(x): the skip connection of a residual network; its keys are "block.…". */
export class Residual extends Module {
  constructor(readonly block: Module) {
    super();
    this.registerModule('block', block);
  }
  forward(x: Tensor): Tensor {
    return add(x, this.block.forward(x));
  }
}

/** torch.nn.Sequential: the layers applied in order, keyed "0", "1", ... in `stateDict()`. */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
  }
  override children(): Array<[string, Module]> {
    return this.layers.map((m, i) => [String(i), m]);
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (let i = 0; i < this.layers.length; ) {
      const [next, used] = this.fused(i, h) ?? [this.layers[i].forward(h), 1];
      i += used;
      // Intermediates between layers are freed as soon as the next layer has recorded its work; the tape keeps
      // (by reference count) whatever backward will need.
      if (h !== x && h !== next) h.dispose();
      h = next;
    }
    return h;
  }
  /**
   * Layer pairs that run as one kernel, saving a pass over the activations and the tensor a ReLU keeps for its
   * backward: ReLU then max-pooling is one pooling pass (max(relu(x)) = relu(max(x))), and a conv or linear
   * layer then ReLU applies the ReLU in the GEMM's store. Conv, ReLU, MaxPool takes the first: then nothing
   * in backward masks the full-size gradient.
   */
  private fused(i: number, h: Tensor): [Tensor, number] | null {
    const [a, b, c] = this.layers.slice(i, i + 3);
    if (a instanceof ReLU && b instanceof MaxPool2d) return [b.forwardReLU(h), 2];
    if ((a instanceof Conv2d || a instanceof Linear) && b instanceof ReLU && !(c instanceof MaxPool2d)) return [a.forwardReLU(h), 2];
    return null;
  }

  /** Replaces layer `index` (a new head for transfer learning) and returns the old one, which the caller owns. */
  replace(index: number, layer: Module): Module {
    const old = this.layers[index];
    if (!old) throw new Error(`webgpu-cnn Sequential.replace: no layer ${index} (the model has ${this.layers.length})`);
    this.layers[index] = layer;
    return old;
  }
}
