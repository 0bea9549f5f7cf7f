/**
 * The one helper behind the op tests: run our op on the GPU and a float64 reference on the CPU from the same
 * inputs, compare the outputs, then compare our gradients with central finite differences of the reference.
 */
import { expect } from 'vitest';
import * as wc from '../src/index';
import { hasRuntime } from '../src/gpu/runtime';
import { randomArray, type NdArray } from './reference/array';
import { conv2dRef } from './reference/conv';

export async function setup(): Promise<void> {
  if (!hasRuntime()) await wc.init();
}

/**
 * Runs the garbage collector (vitest starts workers with --expose-gc) and lets the finalizers it queued run, so
 * that tensors an earlier test dropped without dispose() are freed before a test counts memory, not during.
 */
export async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  // Finalizers run in tasks of their own, possibly several: go on until the count holds still.
  let last = -1;
  for (let round = 0; round < 10 && (round < 3 || wc.memory().tensors !== last); round++) {
    last = wc.memory().tensors;
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/** Fails with the worst element when |actual - expected| > atol + rtol * |expected| anywhere. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = {}, what = 'values'): void {
  const { rtol = 1e-5, atol = 1e-6 } = tol;
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= worstExcess)) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`${what} differ at [${worst}]: got ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol}, ${expected.length} elements)`);
  }
}

export interface OpCase extends Tolerance {
  /** input shapes */
  shapes: number[][];
  ours: (...xs: wc.Tensor[]) => wc.Tensor;
  ref: (...xs: NdArray[]) => NdArray;
  seed?: number;
  /** inputs are drawn uniformly from this range */
  range?: [number, number];
  /** compare gradients too (default true) */
  grad?: boolean;
  gradTol?: Tolerance;
}

export const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);

/** dL/d inputs[i] by central differences of the float64 function L. */
export function numericGradient(L: (args: NdArray[]) => number, inputs: NdArray[], i: number): Float64Array {
  const numeric = new Float64Array(inputs[i].data.length);
  for (let j = 0; j < numeric.length; j++) {
    const h = 1e-6 * Math.max(1, Math.abs(inputs[i].data[j]));
    const plus = inputs.map((x, q) => (q === i ? { ...x, data: x.data.slice() } : x));
    plus[i].data[j] += h;
    const minus = inputs.map((x, q) => (q === i ? { ...x, data: x.data.slice() } : x));
    minus[i].data[j] -= h;
    numeric[j] = (L(plus) - L(minus)) / (2 * h);
  }
  return numeric;
}

export async function checkOp(c: OpCase): Promise<void> {
  const seed = c.seed ?? 1;
  const [low, high] = c.range ?? [-1, 1];
  const inputs = c.shapes.map((s, i) => randomArray(s, seed + i, low, high));
  const expected = c.ref(...inputs);
  const made: wc.Tensor[] = [];
  const keep = <T extends wc.Tensor>(t: T) => (made.push(t), t);
  try {
    const xs = inputs.map((x) => keep(wc.tensor(Float32Array.from(x.data), x.shape, { requiresGrad: c.grad !== false })));
    const out = keep(c.ours(...xs));
    expect(out.shape).toEqual(expected.shape);
    expectClose(await out.data(), expected.data, c, 'forward');
    if (c.grad === false) return;

    // A scalar loss with random weights, L = sum(out * w), makes every output element's gradient count.
    const w = randomArray(expected.shape, seed + 1000);
    const loss = keep(wc.sum(keep(wc.mul(out, keep(wc.tensor(Float32Array.from(w.data), w.shape))))));
    loss.backward();
    const L = (args: NdArray[]) => dot(c.ref(...args).data, w.data);
    for (let i = 0; i < inputs.length; i++) {
      const numeric = numericGradient(L, inputs, i);
      const grad = xs[i].grad;
      expect(grad, `gradient of input ${i}`).not.toBeNull();
      expect(grad!.shape).toEqual(inputs[i].shape);
      expectClose(await grad!.data(), numeric, c.gradTol ?? { rtol: 1e-3, atol: 1e-4 }, `gradient of input ${i}`);
    }
  } finally {
    made.forEach((t) => t.dispose());
  }
}

/** A conv2d case: the shapes of x and w, stride and padding as [h, w], and whether it has a bias. */
export interface ConvCase {
  x: number[];
  w: number[];
  stride?: [number, number];
  padding?: [number, number];
  bias?: boolean;
}

/** conv2d's output and its gradients against the float64 reference and central differences. */
export function checkConv2d({ x, w, stride = [1, 1], padding = [0, 0], bias }: ConvCase): Promise<void> {
  return checkOp({
    shapes: bias ? [x, w, [w[0]]] : [x, w],
    ours: (tx, tw, tb) => wc.conv2d(tx, tw, tb, { stride, padding }),
    ref: (rx, rw, rb) => conv2dRef(rx, rw, rb ?? null, stride, padding),
    rtol: 1e-5,
    atol: 1e-5,
  });
}
