/**
 * `compileStep(fn)`: a function of tensors (a training step: forward, loss, backward, optimiser update) that is
 * recorded once per input shapes and state, then replayed. Recording runs `fn` with nothing reaching the GPU
 * (gpu/recorder.ts): every op does its shape logic and records its commands, and the tensors it makes hold
 * virtual buffers. The recording becomes a StepPlan, which runs at once for this call; later calls with the same
 * key only write their inputs and replay the plan.
 *
 * What must hold for a replay to repeat the step exactly: every tensor the step makes is disposed inside it or
 * returned; values that change from step to step (learning rate, Adam's step count, dropout seeds) travel as
 * uploads with a refresh function. A step that leaves other tensors alive (say, optimiser state created on its
 * first call) still runs, and its survivors are kept, but it is recorded again on the next call.
 */
import { Tensor, adopt, empty, uploaded, type Storage } from '../tensor';
import { runtime, type Runtime } from '../gpu/runtime';
import { kernelChoices } from '../gpu/choices';
import { isVirtual, type BufferHolder, type VirtualBuffer } from '../gpu/recorder';
import { formatShape } from '../shape';
import { StepPlan, type InputSource } from './step-plan';

/** An input of a compiled step: a tensor, or CPU values with their shape. */
export type StepInput = Tensor | { data: Float32Array; shape: readonly number[] };

export interface CompileOptions {
  /** what besides the input shapes decides the plan: a different string records the step again */
  key?: () => string;
  /** plans kept at once (one per key); the least recently used goes first */
  maxPlans?: number;
}

export interface CompiledStep {
  (...inputs: StepInput[]): Tensor;
  /** how the latest call ran: 'recorded' (a new plan), 'replayed', 'once' (recorded, not kept) or 'eager' */
  readonly last: 'recorded' | 'replayed' | 'once' | 'eager' | null;
  /** the plan of the latest call's key, with its memory (null before the first call) */
  readonly plan: { bytes: number; eagerBytes: number; ringBytes: number; dispatches: number } | null;
  /** frees every plan */
  dispose(): void;
}

export function compileStep(fn: (...inputs: Tensor[]) => Tensor, options: CompileOptions = {}): CompiledStep {
  const plans = new Map<string, { plan: StepPlan; shape: readonly number[] }>();
  const maxPlans = options.maxPlans ?? 4;
  const ranEagerly = new Set<string>();
  let last: CompiledStep['last'] = null;
  let lastPlan: StepPlan | null = null;

  const step = (...inputs: StepInput[]): Tensor => {
    const rt = runtime();
    const shapes = inputs.map(shapeOf);
    // Kernel choices (the autotuner's winners, configuration setters) are baked into a plan: part of its key.
    const key = `${shapes.map(formatShape).join(';')}|${kernelChoices.version}|${options.key?.() ?? ''}`;
    const hit = plans.get(key);
    if (hit?.plan.valid) {
      plans.delete(key);
      plans.set(key, hit); // most recently used last
      const [out] = hit.plan.run(inputs.map(sourceOf));
      last = 'replayed';
      lastPlan = hit.plan;
      return adopt(hit.shape, out, rt);
    }
    if (hit) plans.delete(key);
    // While the autotuner may still time kernels (a shape's first call, and until the winners are in), calls run
    // op by op: timing needs real tensors, and a plan recorded before the winners would only be recorded again.
    const shapeKey = shapes.map(formatShape).join(';');
    if (kernelChoices.tuning() && (!ranEagerly.has(shapeKey) || kernelChoices.timing())) {
      ranEagerly.add(shapeKey);
      last = 'eager';
      return runEagerly(fn, inputs);
    }
    const { plan, result, survivors } = record(rt, fn, shapes);
    lastPlan = plan;
    const [out, ...kept] = plan.run(inputs.map(sourceOf), true);
    rebind(result, out);
    // State made by this call (say, on a first call) lives on in the buffers the run filled for it.
    survivors.forEach((holders, i) => holders.forEach((h) => (h.buffer = kept[i])));
    if (plan.replayable && survivors.length === 0) {
      plans.set(key, { plan, shape: result.shape });
      if (plans.size > maxPlans) {
        const [oldKey, old] = plans.entries().next().value as [string, { plan: StepPlan }];
        plans.delete(oldKey);
        old.plan.dispose();
      }
      last = 'recorded';
    } else {
      plan.dispose();
      last = 'once';
    }
    return result;
  };
  // defineProperties, not Object.assign: the getters must stay getters.
  return Object.defineProperties(step, {
    last: { get: () => last },
    plan: { get: () => lastPlan && { bytes: lastPlan.bytes, eagerBytes: lastPlan.eagerBytes, ringBytes: lastPlan.ringBytes, dispatches: lastPlan.dispatches } },
    dispose: {
      value: () => {
        plans.forEach(({ plan }) => plan.dispose());
        plans.clear();
      },
    },
  }) as CompiledStep;
}

/**
 * Runs fn with the GPU work recorded, not run; the result holds a virtual buffer until it is rebound. Tensors
 * the step made and left alive besides its result come back as `survivors` (their holders), in the order of the
 * plan's extra outputs; they make the plan unreplayable.
 */
function record(rt: Runtime, fn: (...inputs: Tensor[]) => Tensor, shapes: Array<readonly number[]>) {
  const rec = rt.startRecording();
  const inputs = shapes.map((s) => empty(s, rt));
  const slots = inputs.map((t) => t.buffer as unknown as VirtualBuffer);
  let result: Tensor;
  try {
    result = fn(...inputs);
    if (!(result instanceof Tensor)) throw new Error(`webgpu-cnn compileStep: the step must return a tensor, got ${typeof result}`);
    if (!isVirtual(result.buffer) || slots.includes(result.buffer)) {
      throw new Error('webgpu-cnn compileStep: the step must return a tensor it computed, not an input or a tensor made before it');
    }
  } finally {
    // Disposed while recording, so that their release counts as the end of their lifetime.
    inputs.forEach((t) => t.dispose());
    rt.stopRecording();
  }
  const out = result.buffer as unknown as VirtualBuffer;
  const others = rec.made.filter((v) => !rec.released.has(v) && v !== out);
  rt.trimPool();
  const plan = new StepPlan(rt, rec, slots, [out, ...others]);
  const survivors: BufferHolder[][] = others.map((v) => rec.holders.get(v) ?? []);
  return { plan, result, survivors };
}

/** fn on real tensors, op by op; inputs given as CPU values become tensors for the call. */
function runEagerly(fn: (...inputs: Tensor[]) => Tensor, inputs: StepInput[]): Tensor {
  const made = inputs.map((i) => (i instanceof Tensor ? null : uploaded(i.shape, i.data)));
  try {
    return fn(...inputs.map((i, k) => made[k] ?? (i as Tensor)));
  } finally {
    made.forEach((t) => t?.dispose());
  }
}

/** The result of the recorded call gets the real buffer that the first run filled. */
function rebind(t: Tensor, buffer: GPUBuffer): void {
  (t.storage as Storage).buffer = buffer;
}

function shapeOf(input: StepInput): readonly number[] {
  return input instanceof Tensor ? input.shape : input.shape;
}

function sourceOf(input: StepInput): InputSource {
  if (input instanceof Tensor) return input.buffer;
  return input.data;
}
