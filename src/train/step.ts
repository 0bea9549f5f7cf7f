/**
 * The training step that `fit` and `trainStep` run: forward, cross-entropy, backward, optimiser update. It is
 * compiled (graph/compile.ts) per model and optimiser, so after its first calls a step only writes the batch
 * and replays one command buffer. It records again when what the step does changes: the batch shape, a
 * module's train()/eval() mode, a parameter's requiresGrad, the parameters themselves, or gradient clipping.
 */
import type { Tensor } from '../tensor';
import { scope } from '../tensor';
import { crossEntropy } from '../ops/crossentropy';
import { compileStep, type CompiledStep } from '../graph/compile';
import type { Module } from '../nn/module';
import type { Optimizer } from '../optim/optimizer';

const compiled = new WeakMap<Module, WeakMap<Optimizer, CompiledStep>>();
const ids = new WeakMap<Tensor, number>();
let nextId = 1;

/** What, besides the batch shape, decides the commands of a step. */
function stateKey(model: Module, optimizer: Optimizer): string {
  const modes: string[] = [];
  const walk = (m: Module) => {
    modes.push(m.training ? 't' : 'e');
    m.children().forEach(([, c]) => walk(c));
  };
  walk(model);
  const params = model.parameters().map((p) => {
    if (!ids.has(p)) ids.set(p, nextId++);
    return `${ids.get(p)}${p.requiresGrad ? '+' : '-'}`;
  });
  return `${modes.join('')}|${params.join(',')}|${optimizer.maxGradNorm}`;
}

/**
 * Forward, cross-entropy, backward and the optimiser's update; returns the batch's mean loss, a GPU scalar whose
 * graph backward has released. `input` is made inside the scope that frees the forward pass's intermediates.
 */
export function lossAndUpdate(model: Module, optimizer: Optimizer, input: () => Tensor, labels: Tensor | Int32Array): Tensor {
  const loss = scope(() => crossEntropy(model.forward(input()), labels));
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

/** The compiled step of this model and optimiser (made on first use). */
export function compiledTrainStep(model: Module, optimizer: Optimizer): CompiledStep {
  let byOptimizer = compiled.get(model);
  if (!byOptimizer) compiled.set(model, (byOptimizer = new WeakMap()));
  let step = byOptimizer.get(optimizer);
  if (!step) {
    step = compileStep(
      (x, labels) => lossAndUpdate(model, optimizer, () => x, labels),
      { key: () => stateKey(model, optimizer) },
    );
    byOptimizer.set(optimizer, step);
  }
  return step;
}
