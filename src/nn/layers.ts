/** The layers of torch.nn that a CNN needs, with PyTorch's parameter names, shapes and defaults. */
import { assign, describeValue, untrack, type Tensor } from '../tensor';
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
import { Module, type AnyModule } from './module';
import { checkSize, convParameters, uniformInit, type Pair } from './init';

/** torch.nn.Conv2d: `weight` [out, in / groups, kh, kw] and `bias` [out], PyTorch's uniform initialisation. Input [N, in, H, W]. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  /** torch.nn.Conv2d: weight [out, in / groups, kh, kw], uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)) like PyTorch. */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    readonly options: { stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number; bias?: boolean; seed?: number } = {},
  ) {
    super();
    const { weight, bias } = convParameters('Conv2d', inChannels, outChannels, kernelSize, options, false);
    this.weight = this.registerParameter('weight', weight);
    this.bias = bias && this.registerParameter('bias', bias);
  }

  private convOptions() {
    const { stride, padding, dilation, groups } = this.options;
    return { stride, padding, dilation, groups };
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.convOptions());
  }

  /** relu(forward(x)) in one kernel (the ReLU applied in the GEMM's store); `Sequential` uses it. */
  forwardReLU(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { ...this.convOptions(), relu: true });
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
    checkSize('Linear', 'inFeatures', inFeatures);
    checkSize('Linear', 'outFeatures', outFeatures);
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
  constructor(readonly kernelSize: Pair, readonly options: { stride?: Pair; padding?: Pair; ceilMode?: boolean } = {}) {
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
  constructor(readonly kernelSize: Pair, readonly options: { stride?: Pair; padding?: Pair; ceilMode?: boolean; countIncludePad?: boolean } = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, { kernelSize: this.kernelSize, ...this.options });
  }
}

/** torch.nn.BatchNorm2d over [N, C, H, W]: `weight`, `bias`, and the buffers `running_mean`, `running_var`, `num_batches_tracked`. */
export class BatchNorm2d extends Module {
  /** gamma and beta: parameters, or constants 1 and 0 with affine: false (not in the state dict, as in PyTorch) */
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  /** how many training batches updated the running statistics (PyTorch keeps it as an int64) */
  readonly numBatchesTracked: Tensor;
  constructor(readonly numFeatures: number, readonly options: { momentum?: number; eps?: number; affine?: boolean } = {}) {
    super();
    checkSize('BatchNorm2d', 'numFeatures', numFeatures);
    const affine = options.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones([numFeatures])) : untracked(ones([numFeatures]));
    this.bias = affine ? this.registerParameter('bias', zeros([numFeatures])) : untracked(zeros([numFeatures]));
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
    const { momentum, eps } = this.options;
    return batchNorm2d(x, this.weight, this.bias, this.runningMean, this.runningVar, { training: this.training, momentum, eps });
  }
  override dispose(): void {
    super.dispose();
    this.weight.dispose();
    this.bias.dispose();
  }
}

/** A module's constant: outlives any scope it was made in, like a parameter. */
function untracked(t: Tensor): Tensor {
  untrack(t);
  return t;
}

/** torch.nn.Dropout: in training, zeroes each element with probability `p` and scales the rest by 1 / (1 - p); identity in eval mode. */
export class Dropout extends Module {
  constructor(readonly p = 0.5, readonly options: { seed?: number } = {}) {
    super();
  }
  private calls = 0;

  forward(x: Tensor): Tensor {
    // A fresh mask each call, reproducible from the layer's seed (also when a compiled step replays the call).
    const base = this.options.seed;
    const seed = base === undefined ? undefined : () => (base + this.calls++) >>> 0;
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
    if (!(block instanceof Module)) throw new TypeError(`webgpu-cnn nn.Residual: block must be a Module, got ${describeValue(block)}`);
    this.registerModule('block', block);
  }
  forward(x: Tensor): Tensor {
    const y = this.block.forward(x);
    // The sum is what comes out; the tape keeps (by reference count) what backward needs of y.
    try {
      return add(x, y);
    } finally {
      if (y !== x) y.dispose();
    }
  }
}

/** torch.nn.Sequential: the layers applied in order, keyed "0", "1", ... in `stateDict()`. */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module)) {
        const hint = Array.isArray(m) ? ' (pass the layers as arguments, new Sequential(a, b, c), or spread an array: new Sequential(...layers))' : '';
        throw new TypeError(`webgpu-cnn nn.Sequential: layer ${i} must be a Module, got ${describeValue(m)}${hint}`);
      }
    });
    this.layers = layers;
  }
  override children(): Array<[string, AnyModule]> {
    return this.layers.map((m, i) => [String(i), m]);
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (let i = 0; i < this.layers.length; ) {
      let next: Tensor;
      let used: number;
      try {
        [next, used] = this.fused(i, h) ?? [this.layers[i].forward(h), 1];
      } catch (e) {
        if (h !== x) h.dispose();
        throw layerError(i, this.layers[i], e);
      }
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

/** A layer's error with the layer's place and type in front, keeping the original as `cause`. */
function layerError(index: number, layer: Module, e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  const wrapped = new (e instanceof TypeError ? TypeError : Error)(`webgpu-cnn Sequential: layer ${index} (${layer.constructor.name}): ${message.replace(/^webgpu-cnn /, '')}`, { cause: e });
  return wrapped;
}
