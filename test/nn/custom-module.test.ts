import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { expectClose, setup } from '../helpers';

beforeAll(setup);

const { nn } = wc;

// Written as a PyTorch user would: modules assigned to fields, a ModuleList, a forward that keeps a skip.
class Block extends nn.Module {
  conv: wc.nn.Conv2d;
  norm: wc.nn.GroupNorm;
  constructor(cin: number, cout: number) {
    super();
    this.conv = new nn.Conv2d(cin, cout, 3, { padding: 1 });
    this.norm = new nn.GroupNorm(2, cout);
  }
  forward(x: wc.Tensor): wc.Tensor {
    return wc.relu(this.norm.forward(this.conv.forward(x)));
  }
}

class TinyUNet extends nn.Module {
  down = new nn.ModuleList([new Block(3, 4), new Block(4, 8)]);
  up = new nn.ConvTranspose2d(8, 4, 2, { stride: 2 });
  dec = new Block(8, 4);
  head = new nn.Conv2d(4, 3, 1);
  // a bare parameter field: a leaf that requires grad
  scale = wc.tensor([1], [1], { requiresGrad: true });
  forward(x: wc.Tensor): wc.Tensor {
    const skip = this.down.get(0).forward(x);
    const deep = this.down.get(1).forward(wc.maxPool2d(skip, { kernelSize: 2 }));
    const joined = wc.cat([this.up.forward(deep), skip], 1);
    return wc.mul(this.head.forward(this.dec.forward(joined)), this.scale);
  }
}

const block = (p: string) => [`${p}.conv.weight`, `${p}.conv.bias`, `${p}.norm.weight`, `${p}.norm.bias`];
// a module's own parameters come before its children's, as in PyTorch's state_dict
const KEYS = ['scale', ...block('down.0'), ...block('down.1'), 'up.weight', 'up.bias', ...block('dec'), 'head.weight', 'head.bias'];

it("a user's U-Net registers its fields with PyTorch's dotted keys and round-trips through safetensors", async () => {
  wc.manualSeed(3);
  const model = new TinyUNet();
  expect(Object.keys(model.stateDict())).toEqual(KEYS);
  expect(model.stateDict()['up.weight'].shape).toEqual([8, 4, 2, 2]);
  // parameters() walks the tree without building keys: the same tensors in the same order
  const named = model.namedParameters();
  expect(model.parameters().length).toBe(named.length);
  expect(model.parameters().every((p, i) => p === named[i][1])).toBe(true);
  // parameters(false), as PyTorch's recurse=False: the module's own only
  expect(model.parameters(false)).toEqual([model.scale]);
  expect(model.dec.parameters(false)).toEqual([]);
  const x = wc.rand([2, 3, 8, 6], { seed: 1 });
  const y = await model.forward(x).data();

  const bytes = await wc.io.saveSafetensors(model);
  const file = wc.io.parseSafetensors(bytes);
  expect([...file.keys()].sort()).toEqual([...KEYS].sort());
  wc.manualSeed(99);
  const other = new TinyUNet();
  wc.io.loadSafetensors(other, bytes);
  expectClose(await other.forward(x).data(), y);

  // not strict: a model with a different head loads everything else and says what did not match
  const dict = model.stateDict();
  const partial = Object.fromEntries(Object.entries(dict).filter(([k]) => !k.startsWith('head.')));
  const result = other.loadStateDict({ ...partial, 'extra.weight': wc.zeros([1]) }, { strict: false });
  expect(result).toEqual({ missingKeys: ['head.weight', 'head.bias'], unexpectedKeys: ['extra.weight'] });
  expect(() => other.loadStateDict(partial)).toThrow(/missing keys \[head.weight, head.bias\]/);
});

it('summary lists each layer with its output shape and parameters', () => {
  const model = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(4, 2));
  const text = wc.summary(model, [1, 1, 5, 5]);
  expect(text).toMatch(/0\s+Conv2d\s+\[1, 4, 5, 5\]\s+40/);
  expect(text).toMatch(/1\s+ReLU\s+\[1, 4, 5, 5\]\s+0/);
  expect(text).toMatch(/2\s+AdaptiveAvgPool2d\s+\[1, 4, 1, 1\]/);
  expect(text).toMatch(/4\s+Linear\s+\[1, 2\]\s+10/);
  expect(text).toMatch(/Total parameters: 50 \(trainable: 50\)/);
  const unet = wc.summary(new TinyUNet(), [1, 3, 8, 8]);
  expect(unet).toMatch(/up\s+ConvTranspose2d\s+\[1, 4, 8, 8\]\s+132/);
});

it('fit takes a loss function, mask targets and metrics', async () => {
  // 6 images of 8x8: class 1 where the pixel is bright, else 0
  const n = 6;
  const images = Float32Array.from({ length: n * 64 }, (_, i) => ((i * 7919) % 13) / 12);
  const labels = Int32Array.from(images, (v) => (v > 0.5 ? 1 : 0));
  const data: wc.data.Dataset = { images, labels, shape: [1, 8, 8], length: n, labelShape: [8, 8] };
  wc.manualSeed(5);
  const model = new nn.Sequential(new nn.Conv2d(1, 2, 1));
  const optimizer = new wc.optim.Adam(model.parameters(), { lr: 0.1 });
  // predictions and targets are 0 or 1, so their mean squared difference is the share of wrong pixels
  const pixelError: wc.Metric = (out, target) => wc.mseLoss(wc.argmax(out, 1), target);
  const history = await wc.fit(model, data, {
    optimizer, epochs: 8, batchSize: 3, validation: data,
    loss: (out, target) => wc.crossEntropy(out, target, { labelSmoothing: 0.05 }),
    metrics: { pixelError },
  });
  const last = history[history.length - 1];
  expect(last.validation!.metrics.pixelError).toBeLessThan(0.05);
  expect(last.validation!.accuracy).toBeGreaterThan(0.95);
  expect(last.validation!.predictions.length).toBe(n * 64);
  expect(last.trainLoss).toBeLessThan(history[0].trainLoss);
});
