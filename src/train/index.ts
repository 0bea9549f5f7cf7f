export { fit, trainStep, type FitOptions, type BatchEnd, type EpochEnd } from './fit';
export { evaluate, type Evaluation, type LossFn, type Metric } from './evaluate';
export { meanIoU } from './metrics';
export { compile } from './warmup';
