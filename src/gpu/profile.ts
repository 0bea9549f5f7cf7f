/**
 * Per-kernel GPU timings for benchmarks and DEBUG output (off by default): startProfile() makes the command
 * batch time each dispatch with timestamp queries (timestamps.ts), stopProfile() adds them up by kernel.
 */
import { runtime } from './runtime';
import { Profiler, type KernelTime } from './timestamps';

export type { KernelTime } from './timestamps';

/**
 * Starts timing every kernel the engine dispatches from now on (work recorded before is submitted first).
 * Needs the adapter's `timestamp-query` feature, which `init()` requests when the adapter has it.
 */
export function startProfile(): void {
  const rt = runtime();
  if (!rt.device.features.has('timestamp-query')) {
    throw new Error("webgpu-cnn startProfile: this device has no 'timestamp-query' feature, so kernels cannot be timed");
  }
  if (rt.batch.profiler) throw new Error('webgpu-cnn startProfile: a profile is already running; call stopProfile() first');
  rt.batch.flush();
  rt.batch.profiler = new Profiler(rt.device);
}

/** Submits what is recorded, stops timing, and returns the GPU time per kernel since startProfile(), slowest first. */
export async function stopProfile(): Promise<KernelTime[]> {
  const rt = runtime();
  const profiler = rt.batch.profiler;
  if (!profiler) throw new Error('webgpu-cnn stopProfile: no profile is running; call startProfile() first');
  rt.batch.flush();
  rt.batch.profiler = null;
  return profiler.finish();
}
