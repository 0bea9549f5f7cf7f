/** Activation layers beyond ReLU, Sigmoid and Tanh, with torch.nn's names and defaults. */
import type { Tensor } from '../tensor';
import { gelu } from '../ops/gelu';
import { leakyRelu } from '../ops/leakyrelu';
import { silu } from '../ops/silu';
import { hardswish } from '../ops/hardswish';
import { softmax } from '../ops/softmax';
import { logSoftmax } from '../ops/logsoftmax';
import { Module } from './module';

export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }
  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}

export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return hardswish(x);
  }
}

/** torch.nn.Softmax(dim): PyTorch's default dim is implicit and deprecated, so here it is required. */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
}

export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
}
