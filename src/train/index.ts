export { fit, trainStep, type FitOptions, type BatchEnd, type EpochEnd } from './fit';
export { evaluate, type Evaluation } from './evaluate';
export { compile } from './warmup';
