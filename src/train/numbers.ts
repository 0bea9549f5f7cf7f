/** The error for a loss that is NaN or infinite: training on would only spread it through the weights. */
export function nonFinite(op: string, value: number, what: string): Error {
  return new Error(
    `webgpu-cnn ${op}: ${what} is ${value}, so it stopped. Look for labels outside [0, classes), a learning rate ` +
      'too high, or NaN/Infinity in the inputs; wc.debug.checkNumerics(true) names the first op that made a NaN or Infinity',
  );
}
