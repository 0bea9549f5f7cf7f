export { Module, type AnyModule, type LoadResult } from './module';
export { Conv2d, Linear, ReLU, Sigmoid, Tanh, MaxPool2d, AvgPool2d, BatchNorm2d, Dropout, Flatten, Residual, Sequential } from './layers';
export { GELU, LeakyReLU, SiLU, Hardswish, Softmax, LogSoftmax } from './activations';
export { ConvTranspose2d, Upsample, AdaptiveAvgPool2d } from './resample';
export { LayerNorm, GroupNorm } from './norm';
export { ModuleList } from './containers';

// Class names survive minified builds (dist/) for summary(): each class is named by its export.
import * as layers from './layers';
import * as activations from './activations';
import * as resample from './resample';
import * as norm from './norm';
import * as containers from './containers';
import { nameClasses } from './summary';
nameClasses({ ...layers, ...activations, ...resample, ...norm, ...containers });
