/** The browser build's stand-in for `mnist-files.ts`: a page fetches the digit files from URLs instead. */

/** Always refuses: in a browser, `mnist({ urls })` fetches the files. */
export async function readDigitFile(_digit: number): Promise<ArrayLike<number>> {
  throw new Error('webgpu-cnn mnist: in a browser, pass { urls } with the ten digit files of the `mnist` package');
}
