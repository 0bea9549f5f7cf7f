import type * as wc from '../src/index';

/** The segmentation U-Net of demo/unet.mjs: [N, 3, H, W] -> [N, classes, H, W] logits (H, W multiples of 8). */
export function makeUNet(lib: typeof wc, options?: { width?: number; classes?: number }): wc.nn.Module;
