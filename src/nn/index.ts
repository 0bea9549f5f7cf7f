export { Module, type AnyModule, type LoadResult } from './module';
export { Conv2d, Linear, ReLU, Sigmoid, Tanh, MaxPool2d, AvgPool2d, BatchNorm2d, Dropout, Flatten, Residual, Sequential } from './layers';
export { GELU, LeakyReLU, SiLU, Hardswish, Softmax, LogSoftmax } from './activations';
export { ConvTranspose2d, Upsample, AdaptiveAvgPool2d } from './resample';
export { LayerNorm, GroupNorm } from './norm';
export { ModuleList } from './containers';
