/**
 * The networks the page can train, the same (by name and shape) as demo/train.mjs trains in Node, so a weight
 * file moves between the two; and a way to tell which one a weight file belongs to (by its PyTorch stateDict
 * keys and shapes).
 */
import * as wc from '../src/index';

const { nn } = wc;

export type ModelName = 'tiny' | 'small' | 'lenet' | 'bn-residual' | 'mobilenet';

/** conv3x3 x c1 - pool - conv3x3 x c2 - pool - linear */
const twoConv = (c1: number, c2: number) => new nn.Sequential(
  new nn.Conv2d(1, c1, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Conv2d(c1, c2, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Flatten(), new nn.Linear(c2 * 7 * 7, 10));

/** MobileNet's block: a depthwise 3x3 (one filter per channel) then a pointwise 1x1, each with batch norm and hardswish. */
const separable = (cin: number, cout: number, stride: number) => [
  new nn.Conv2d(cin, cin, 3, { stride, padding: 1, groups: cin, bias: false }), new nn.BatchNorm2d(cin), new nn.Hardswish(),
  new nn.Conv2d(cin, cout, 1, { bias: false }), new nn.BatchNorm2d(cout), new nn.Hardswish(),
];

export const MODELS: Record<ModelName, { label: string; make: () => wc.nn.Sequential }> = {
  // npm run train's default
  tiny: { label: 'Tiny CNN', make: () => twoConv(8, 16) },
  small: { label: 'Small CNN', make: () => twoConv(16, 32) },
  lenet: {
    label: 'LeNet-like',
    make: () => new nn.Sequential(
      new nn.Conv2d(1, 32, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(32, 64, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(64 * 7 * 7, 128), new nn.ReLU(), new nn.Linear(128, 10)),
  },
  'bn-residual': {
    label: 'Batch norm + residual',
    make: () => new nn.Sequential(
      new nn.Conv2d(1, 32, 3, { padding: 1 }), new nn.BatchNorm2d(32), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Residual(new nn.Sequential(new nn.Conv2d(32, 32, 3, { padding: 1 }), new nn.BatchNorm2d(32), new nn.ReLU())),
      new nn.MaxPool2d(2), new nn.Flatten(), new nn.Dropout(0.25), new nn.Linear(32 * 7 * 7, 10)),
  },
  // 28 -> 14 -> 7 with depthwise-separable blocks, then global average pooling and one linear layer
  mobilenet: {
    label: 'MobileNet-style (depthwise separable)',
    make: () => new nn.Sequential(
      new nn.Conv2d(1, 16, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(16), new nn.Hardswish(),
      ...separable(16, 32, 2), ...separable(32, 64, 2), ...separable(64, 64, 1),
      new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(64, 10)),
  },
};

export function isModelName(name: string): name is ModelName {
  return Object.hasOwn(MODELS, name);
}

export function parameterCount(model: wc.nn.Module): number {
  return model.parameters().reduce((n, p) => n + p.size, 0);
}

/** Which of the models has exactly the keys and shapes of a weight file, or null when none does. */
export function modelForWeights(bytes: Uint8Array): { name: ModelName; model: wc.nn.Sequential } | null {
  const file = wc.io.parseSafetensors(bytes);
  for (const name of Object.keys(MODELS) as ModelName[]) {
    const model = MODELS[name].make();
    const own = Object.entries(model.stateDict());
    const fits = own.length === file.size && own.every(([key, t]) => {
      const entry = file.get(key);
      return entry !== undefined && entry.shape.join() === t.shape.join();
    });
    if (fits) {
      wc.io.loadSafetensors(model, bytes);
      return { name, model };
    }
    model.dispose();
  }
  return null;
}
