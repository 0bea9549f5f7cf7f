/**
 * Mean intersection over union of predicted and true class maps (any shape, flattened), over the classes that
 * appear in either (a class absent from both is left out, as in torchmetrics' default): per class c,
 * IoU = |pred = c and truth = c| / |pred = c or truth = c|.
 */
export function meanIoU(predictions: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): { mean: number; perClass: number[] } {
  if (predictions.length !== labels.length) throw new Error(`webgpu-cnn meanIoU: ${predictions.length} predictions for ${labels.length} labels`);
  const inter = new Float64Array(numClasses);
  const union = new Float64Array(numClasses);
  for (let i = 0; i < labels.length; i++) {
    const p = predictions[i];
    const t = labels[i];
    if (p === t) {
      inter[t]++;
      union[t]++;
    } else {
      union[p]++;
      union[t]++;
    }
  }
  const perClass = Array.from(union, (u, c) => (u > 0 ? inter[c] / u : NaN));
  const present = perClass.filter((v) => !Number.isNaN(v));
  return { mean: present.reduce((a, b) => a + b, 0) / Math.max(1, present.length), perClass };
}
