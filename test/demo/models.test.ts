import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { setup } from '../helpers';
import { MODELS, modelForWeights, type ModelName } from '../../demo/models';

beforeAll(setup);

// The page loads a weight file by finding the one model whose keys and shapes it holds: each model's own file
// must come back as that model (npm run train writes the 'tiny' one), with its values.
it.each(Object.keys(MODELS) as ModelName[])('the page recognises a %s weight file and loads it', async (name) => {
  const model = MODELS[name].make();
  const bytes = await wc.io.saveSafetensors(model);
  const found = modelForWeights(bytes);
  expect(found?.name).toBe(name);
  const key = Object.keys(model.stateDict())[0];
  expect(await found!.model.stateDict()[key].data()).toEqual(await model.stateDict()[key].data());
  model.dispose();
  found!.model.dispose();
});

it("the page has npm run train's default model, the 9,098-parameter tiny CNN", () => {
  const tiny = MODELS.tiny.make();
  expect(tiny.parameters().reduce((n, p) => n + p.size, 0)).toBe(9098);
  tiny.dispose();
});

it('the page refuses a file that fits none of its models', async () => {
  const other = new wc.nn.Sequential(new wc.nn.Linear(3, 2));
  expect(modelForWeights(await wc.io.saveSafetensors(other))).toBeNull();
  other.dispose();
});
