/**
 * Launchers for shaders/slice.wgsl: reading a slice of a tensor along one axis, and writing a tensor into a
 * slice of a bigger one. They record nothing for autograd (ops/narrow.ts and ops/cat.ts do).
 */
import { empty, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';
import { sizeOf } from '../shape';

const WORKGROUP = 256;

function launch(entry: 'narrow' | 'place', src: Tensor, dst: Tensor, slice: Tensor, big: Tensor, axis: number, start: number): void {
  if (slice.size === 0) return;
  const rt = runtime();
  rt.launch({
    shader: 'slice',
    entry,
    constants: { WORKGROUP },
    bindings: { src: src.buffer, dst: dst.buffer },
    params: { count: slice.size, inner: sizeOf(big.shape.slice(axis + 1)), len: slice.shape[axis], bigLen: big.shape[axis], start },
    workgroups: rt.grid1d(Math.ceil(slice.size / WORKGROUP)),
  });
}

/** x[.., start : start + length, ..] along `axis`, as a new tensor. */
export function narrowKernel(x: Tensor, axis: number, start: number, length: number): Tensor {
  const out = empty(x.shape.map((d, i) => (i === axis ? length : d)));
  launch('narrow', x, out, out, x, axis, start);
  return out;
}

/** Writes `part` into dst[.., start : start + part.shape[axis], ..] in place. */
export function placeKernel(part: Tensor, dst: Tensor, axis: number, start: number): void {
  launch('place', part, dst, part, dst, axis, start);
}
