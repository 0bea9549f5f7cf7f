/** Layers that change an image's size: transposed convolution, upsampling, adaptive average pooling. */
import type { Tensor } from '../tensor';
import { convTranspose2d, type ConvTranspose2dOptions } from '../ops/convtranspose2d';
import { upsample, type UpsampleOptions } from '../ops/upsample';
import { adaptiveAvgPool2d } from '../ops/adaptiveavgpool2d';
import { Module } from './module';
import { convParameters, type Pair } from './init';


export class ConvTranspose2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  /**
   * torch.nn.ConvTranspose2d: weight [in, out / groups, kh, kw]. PyTorch computes the init's fan-in from that
   * layout's second dimension, (out / groups) * kh * kw, and so does this.
   */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    readonly options: ConvTranspose2dOptions & { bias?: boolean; seed?: number } = {},
  ) {
    super();
    const { weight, bias } = convParameters('ConvTranspose2d', inChannels, outChannels, kernelSize, options, true);
    this.weight = this.registerParameter('weight', weight);
    this.bias = bias && this.registerParameter('bias', bias);
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, outputPadding, dilation, groups } = this.options;
    return convTranspose2d(x, this.weight, this.bias, { stride, padding, outputPadding, dilation, groups });
  }
}

export class Upsample extends Module {
  constructor(readonly options: UpsampleOptions) {
    super();
  }
  forward(x: Tensor): Tensor {
    return upsample(x, this.options);
  }
}

/** torch.nn.AdaptiveAvgPool2d; outputSize 1 is the global average pooling of ResNet and MobileNet heads. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | [number, number]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}
