export { mnist, splitDigits, type MnistOptions } from './mnist';
export { batches, epochOrder, seededRandom, subset, type Dataset, type Batch } from './dataset';
export { imagesToTensor, bitmapToTensor, type ImageToTensorOptions, type RgbaImage } from './images';
export { digitCanvases, CANVAS_CLASSES, type DigitCanvasOptions } from './canvases';
