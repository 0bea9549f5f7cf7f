import { sizeOf, stridesOf, type NdArray } from './array';

/** Element-by-element: each output coordinate along `axis` is looked up in the input that holds it. */
export function catRef(xs: NdArray[], axis: number): NdArray {
  const shape = [...xs[0].shape];
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
  const data = new Float64Array(sizeOf(shape));
  const strides = stridesOf(shape);
  for (let i = 0; i < data.length; i++) {
    const coord = strides.map((s, d) => Math.floor(i / s) % shape[d]);
    let k = coord[axis];
    let x = 0;
    while (k >= xs[x].shape[axis]) k -= xs[x++].shape[axis];
    const c = [...coord];
    c[axis] = k;
    const xStrides = stridesOf(xs[x].shape);
    data[i] = xs[x].data[c.reduce((s, v, d) => s + v * xStrides[d], 0)];
  }
  return { data, shape };
}

export function narrowRef(x: NdArray, axis: number, start: number, length: number): NdArray {
  const shape = [...x.shape];
  shape[axis] = length;
  const data = new Float64Array(sizeOf(shape));
  const strides = stridesOf(shape);
  const xStrides = stridesOf(x.shape);
  for (let i = 0; i < data.length; i++) {
    const coord = strides.map((s, d) => Math.floor(i / s) % shape[d]);
    coord[axis] += start;
    data[i] = x.data[coord.reduce((s, v, d) => s + v * xStrides[d], 0)];
  }
  return { data, shape };
}
