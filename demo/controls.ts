/**
 * The training settings: read from the form, and prefilled from the page's query string so that a link (or a
 * test) can choose them, e.g. `?model=small&lr=0.003&batch=32&epochs=1&train=2000&test=500`.
 */
import { isModelName, type ModelName } from './models';

export interface TrainConfig {
  model: ModelName;
  optimizer: 'adam' | 'sgd';
  lr: number;
  batchSize: number;
  epochs: number;
  trainSize: number;
  testSize: number;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const FIELDS = { model: 'model', optimizer: 'optimizer', lr: 'lr', batch: 'batch', epochs: 'epochs', train: 'train-size', test: 'test-size' } as const;

/** A good starting learning rate for each optimiser. */
const DEFAULT_LR = { adam: '0.003', sgd: '0.05' };

export function readConfig(): TrainConfig {
  const value = (key: keyof typeof FIELDS) => ($<HTMLInputElement | HTMLSelectElement>(FIELDS[key])).value;
  const number = (key: keyof typeof FIELDS, min: number, max: number, fallback: number) => {
    const v = Number(value(key));
    return Number.isFinite(v) && v >= min && v <= max ? v : fallback;
  };
  const model = value('model');
  return {
    model: isModelName(model) ? model : 'small',
    optimizer: value('optimizer') === 'sgd' ? 'sgd' : 'adam',
    lr: number('lr', 1e-6, 10, 0.003),
    batchSize: Math.round(number('batch', 1, 1024, 64)),
    epochs: Math.round(number('epochs', 1, 100, 3)),
    trainSize: Math.round(number('train', 10, 8000, 8000)),
    testSize: Math.round(number('test', 10, 2000, 2000)),
  };
}

/** Applies ?model=…&lr=… to the form; a select gains an option for a value it lacks. */
export function applyQuery(search: string): void {
  const query = new URLSearchParams(search);
  const optimizer = $<HTMLSelectElement>(FIELDS.optimizer);
  const lr = $<HTMLInputElement>(FIELDS.lr);
  optimizer.addEventListener('change', () => (lr.value = DEFAULT_LR[optimizer.value as 'adam' | 'sgd']));
  for (const [key, id] of Object.entries(FIELDS)) {
    const v = query.get(key);
    if (v === null) continue;
    const field = $<HTMLInputElement | HTMLSelectElement>(id);
    if (field instanceof HTMLSelectElement && !Array.from(field.options).some((o) => o.value === v)) {
      if (key === 'model' || key === 'optimizer') continue;
      field.add(new Option(v, v));
    }
    field.value = v;
    if (key === 'optimizer' && query.get('lr') === null) lr.value = DEFAULT_LR[optimizer.value as 'adam' | 'sgd'];
  }
}

/** Locks the form while training runs. */
export function lockControls(locked: boolean): void {
  for (const id of Object.values(FIELDS)) $<HTMLInputElement | HTMLSelectElement>(id).disabled = locked;
}
