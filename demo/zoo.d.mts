import type * as wc from '../src/index';

export type ModelName = 'tiny' | 'small' | 'lenet' | 'bn-residual' | 'mobilenet';
export function zoo(nn: typeof wc.nn): Record<ModelName, { label: string; make: () => wc.nn.Sequential }>;
