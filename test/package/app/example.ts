/**
 * A small training run through the package's public API only, shared by the fresh Node project (train.ts) and
 * the fresh Vite app (main.ts): a tiny CNN learns whether the bright half of an 8x8 image is the top or the bottom.
 */
import * as wc from 'webgpu-cnn';

/** `n` noisy 8x8 images, label 0 when the top half is bright, 1 when the bottom half is. */
export function halves(n: number, seed: number): wc.data.Dataset {
  const random = wc.data.seededRandom(seed);
  const images = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < 64; p++) {
      const bright = p < 32 === (labels[i] === 0);
      images[i * 64 + p] = (bright ? 0.8 : 0.2) + 0.2 * (random() - 0.5);
    }
  }
  return { images, labels, shape: [1, 8, 8], length: n };
}

export interface ExampleResult {
  adapter: string;
  losses: number[];
  accuracy: number;
  gradient: number[];
}

export async function example(log: (line: string) => void): Promise<ExampleResult> {
  const adapter = await wc.init();
  log(`adapter: ${adapter.description || adapter.vendor}`);

  const { nn, optim } = wc;
  wc.manualSeed(1);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(4 * 4 * 4, 2),
  );
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.03 });
  const train = wc.data.take(halves(64, 1), 48, { seed: 2 });
  const test = halves(32, 3);
  const losses: number[] = [];
  await wc.fit(model, train, {
    optimizer,
    epochs: 2,
    batchSize: 16,
    lossEvery: 1,
    onBatchEnd: ({ epoch, batch, loss }) => {
      if (loss === undefined) return;
      losses.push(loss);
      log(`epoch ${epoch + 1} batch ${batch + 1}: loss ${loss.toFixed(4)}`);
    },
  });
  const { accuracy } = await wc.evaluate(model, test);
  log(`test accuracy: ${(100 * accuracy).toFixed(1)}%`);

  // autograd: d(mean(relu(x @ w)))/dw, with x mixing signs so that the gradient is not all zeros
  const x = wc.tensor([1, -2, 3, 0.5, 1, -1], [2, 3]);
  const w = wc.tensor([1, 2, 3, 4, 5, 6], [3, 2], { requiresGrad: true });
  log(`tensor: ${x.constructor.name} ${String(x)}`); // the class keeps its name in the build
  const loss = wc.scope(() => wc.mean(wc.relu(wc.matmul(x, w))));
  loss.backward();
  const gradient = Array.from(await w.grad!.data());
  log(`autograd: loss ${(await loss.data())[0]}, d(loss)/dw ${JSON.stringify(gradient)}`);
  log(`memory: ${JSON.stringify(wc.memory())}`);
  return { adapter: adapter.description, losses, accuracy, gradient };
}
