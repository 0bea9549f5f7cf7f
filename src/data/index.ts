export { mnist, splitDigits, type MnistOptions } from './mnist';
export { batches, epochOrder, seededRandom, subset, take, type Dataset, type Batch, type TakeOptions } from './dataset';
export { imagesToTensor, bitmapToTensor, type ImageToTensorOptions, type RgbaImage } from './images';
export { digitCanvases, CANVAS_CLASSES, type DigitCanvasOptions } from './canvases';
