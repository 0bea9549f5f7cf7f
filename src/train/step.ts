/**
 * The training step that `fit` and `trainStep` run: forward, the loss, backward, optimiser update. It is
 * compiled (graph/compile.ts) per model, optimiser and loss, so after its first calls a step only writes the batch
 * and replays one command buffer. It records again when what the step does changes: the batch shape, a
 * module's train()/eval() mode, a parameter's requiresGrad, the parameters themselves, or gradient clipping.
 */
import type { Tensor } from '../tensor';
import { scope } from '../tensor';
import { formatShape } from '../shape';
import { crossEntropy } from '../ops/crossentropy';
import { compileStep, type CompiledStep } from '../graph/compile';
import type { Module } from '../nn/module';
import type { Optimizer } from '../optim/optimizer';
import type { LossFn } from './evaluate';

// per model, optimiser and loss function (the default cross-entropy under its own key)
const compiled = new WeakMap<Module, WeakMap<Optimizer, WeakMap<LossFn | typeof DEFAULT_LOSS, CompiledStep>>>();
const DEFAULT_LOSS = {};
const ids = new WeakMap<Tensor, number>();
let nextId = 1;

/**
 * What, besides the batch shape, decides the commands of a step: each module's mode, then its own parameters'
 * identities and requiresGrad, depth first (the order of parameters()). One walk, since it runs at every step.
 */
function stateKey(model: Module, optimizer: Optimizer): string {
  let key = '';
  const walk = (m: Module) => {
    key += m.training ? 't' : 'e';
    for (const p of m.parameters(false)) {
      let id = ids.get(p);
      if (id === undefined) ids.set(p, (id = nextId++));
      key += `${id}${p.requiresGrad ? '+' : '-'}`;
    }
    for (const [, c] of m.children()) walk(c);
  };
  walk(model);
  return `${key}|${optimizer.maxGradNorm}`;
}

/**
 * Forward, the loss (cross-entropy with the labels, or `lossFn` of the output and the target), backward and the
 * optimiser's update; returns the batch's loss, a GPU scalar whose graph backward has released. `input` (and a
 * target given as a function) is made inside the scope that frees the forward pass's intermediates.
 */
export function lossAndUpdate(
  model: Module, optimizer: Optimizer, input: () => Tensor, target: Tensor | Int32Array | (() => Tensor), lossFn?: LossFn,
): Tensor {
  const loss = scope(() => {
    const out = model.forward(input());
    const t = typeof target === 'function' ? target() : target;
    if (!lossFn) return crossEntropy(out, t);
    if (t instanceof Int32Array) throw new Error('webgpu-cnn trainStep: a loss function takes a target tensor, got an Int32Array');
    const value = lossFn(out, t);
    if (value?.size !== 1) throw new Error(`webgpu-cnn trainStep: the loss function must return a scalar tensor, got ${value?.shape ? formatShape(value.shape) : typeof value}`);
    return value;
  });
  try {
    loss.backward();
    optimizer.step();
  } catch (e) {
    loss.dispose();
    throw e;
  } finally {
    optimizer.zeroGrad();
  }
  return loss;
}

/** The compiled step of this model, optimiser and loss function (made on first use). */
export function compiledTrainStep(model: Module, optimizer: Optimizer, lossFn?: LossFn): CompiledStep {
  let byOptimizer = compiled.get(model);
  if (!byOptimizer) compiled.set(model, (byOptimizer = new WeakMap()));
  let byLoss = byOptimizer.get(optimizer);
  if (!byLoss) byOptimizer.set(optimizer, (byLoss = new WeakMap()));
  let step = byLoss.get(lossFn ?? DEFAULT_LOSS);
  if (!step) {
    step = compileStep(
      (x, target) => lossAndUpdate(model, optimizer, () => x, target, lossFn),
      { key: () => stateKey(model, optimizer) },
    );
    byLoss.set(lossFn ?? DEFAULT_LOSS, step);
  }
  return step;
}
