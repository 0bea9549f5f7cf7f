/**
 * Debug modes that live next to the GPU (shaders/numerics.wgsl and the command batch): the per-op numerics
 * check and per-dispatch validation. Both cost a lot (a kernel per op, a submit per dispatch) and are off
 * unless asked for; nothing here runs on the hot path otherwise.
 */
import { formatShape } from '../shape';
import type { Tensor } from '../tensor';
import { runtime, type Runtime } from '../gpu/runtime';

const WORKGROUP = 256;
const NONE = 0xffffffff;

/** Per runtime: the flag buffer the checks lower, and what each check id stands for since the last readback. */
interface NumericsState {
  flag: GPUBuffer;
  names: string[];
  readback: () => Promise<void>;
}

const states = new WeakMap<Runtime, NumericsState>();
let numericsOn = false;

function stateOf(rt: Runtime): NumericsState {
  let state = states.get(rt);
  if (state) return state;
  const flag = rt.device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: 'numerics flag' });
  rt.batch.upload(flag, Uint32Array.of(NONE));
  const s: NumericsState = {
    flag,
    names: [],
    readback: async () => {
      if (!s.names.length) return;
      const names = s.names;
      s.names = [];
      const id = new Uint32Array(await rt.batch.read(flag, 4))[0];
      rt.batch.upload(flag, Uint32Array.of(NONE));
      if (id !== NONE) {
        throw new Error(`webgpu-cnn checkNumerics: ${names[id] ?? `op #${id}`} produced NaN or Infinity (the first of the ${names.length} ops checked since the last readback)`);
      }
    },
  };
  states.set(rt, s);
  return s;
}

/** Turns the numerics check on or off; while on, every readback first reports the first non-finite op output. */
export function setNumericsCheck(on: boolean): void {
  numericsOn = on;
  const rt = runtime();
  const state = stateOf(rt);
  if (on) rt.readbackChecks.add(state.readback);
  else {
    rt.readbackChecks.delete(state.readback);
    state.names = [];
  }
}

export function numericsCheckOn(): boolean {
  return numericsOn;
}

/** Records a check of `out`, the output of `op`; a no-op unless the numerics check is on. */
export function checkFinite(op: string, out: Tensor): void {
  if (!numericsOn || out.size === 0) return;
  const rt = runtime();
  const state = stateOf(rt);
  rt.readbackChecks.add(state.readback); // a runtime made by a later init() joins in
  const id = state.names.length;
  state.names.push(`${op} (output ${formatShape(out.shape)})`);
  rt.launch({
    shader: 'numerics',
    entry: 'check_finite',
    constants: { WORKGROUP },
    bindings: { x: out.buffer, flag: state.flag },
    params: { count: out.size, id },
    workgroups: rt.grid1d(Math.ceil(out.size / WORKGROUP)),
  });
}

/**
 * Debug: submit every dispatch on its own inside an error scope, so that a GPU validation error names the
 * kernel that caused it (by default one scope spans a whole batch).
 */
export function setPerDispatchValidation(on: boolean): void {
  runtime().batch.perDispatch = on;
}
