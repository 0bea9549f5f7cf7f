/**
 * The networks the page can train, the same (by name and shape) as demo/train.mjs trains in Node, so a weight
 * file moves between the two; and a way to tell which one a weight file belongs to (by its PyTorch stateDict
 * keys and shapes).
 */
import * as wc from '../src/index';
import { zoo, type ModelName } from './zoo.mjs';

const { nn } = wc;

export type { ModelName } from './zoo.mjs';

export const MODELS: Record<ModelName, { label: string; make: () => wc.nn.Sequential }> = zoo(nn);

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
