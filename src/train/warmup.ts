/**
 * `wc.compile(model, inputShape)`: builds, in the background, the pipelines of a training step's forward pass,
 * loss and backward pass for inputs of that shape, so that the first step does not wait for the shader
 * compiler. Nothing runs and no state changes: the unseeded random sequence is put back, and gradients the
 * parameters already hold are kept (a seeded nn.Dropout still counts one call).
 */
import { scope, type Tensor } from '../tensor';
import { zeros } from '../ops/fill';
import { crossEntropy } from '../ops/crossentropy';
import { restoreSeedState, seedState } from '../ops/random';
import { warmPipelines } from '../graph/warmup';
import type { Module } from '../nn/module';

export async function compile(model: Module, inputShape: readonly number[]): Promise<void> {
  const params = model.parameters();
  const grads = params.map((p) => p.grad);
  params.forEach((p) => (p.grad = null));
  const seeds = seedState();
  try {
    await warmPipelines(() =>
      scope(() => {
        const out: Tensor = model.forward(zeros(inputShape));
        const logits = out.shape.length === 2 ? out : null;
        // A classifier's logits get the training loss; other outputs their sum, which still runs backward.
        const loss = logits ? crossEntropy(logits, zeros([logits.shape[0]])) : out;
        if (loss.node) loss.backward(loss.size === 1 ? undefined : zeros(loss.shape));
      }),
    );
  } finally {
    // Gradients made while warming hold no memory; the parameters get back what they had.
    params.forEach((p, i) => {
      if (p.grad !== grads[i]) p.grad?.dispose();
      p.grad = grads[i];
    });
    restoreSeedState(seeds);
  }
}
