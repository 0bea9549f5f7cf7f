export { Optimizer, type ParamGroup, type OptimizerState } from './optimizer';
export { SGD, type SGDOptions } from './sgd';
export { Adam, AdamW, type AdamOptions } from './adam';
export { LRScheduler, stepDecay, cosine, withWarmup, type Schedule } from './schedules';
