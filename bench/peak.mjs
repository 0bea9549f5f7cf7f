// The adapter's measured peaks, once per run: fp32 FMA throughput (bench/peak-fma.wgsl) and copy bandwidth
// (bench/peak-copy.wgsl), on a GPUDevice of our own from the same navigator.gpu (the engine does not hand out
// its device), timed with timestamp queries around one pass. The best of `reps` dispatches is the peak.
import { readFile } from 'node:fs/promises';

const wgsl = (name) => readFile(new URL(name, import.meta.url), 'utf8');

/** { fmaGflops, copyGBs, ... } or { error }; `cpu` picks sizes that SwiftShader finishes in a blink. */
export async function measurePeaks(gpu, { cpu, reps = 5 } = {}) {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter?.features.has('timestamp-query')) return { error: 'the adapter has no timestamp-query' };
  const device = await adapter.requestDevice({
    requiredFeatures: ['timestamp-query'],
    requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize },
  });
  try {
    const fma = await fmaPeak(device, cpu, reps);
    const copy = await copyPeak(device, cpu, reps);
    return { ...fma, ...copy };
  } catch (e) {
    return { error: String(e?.message ?? e) };
  } finally {
    device.destroy();
  }
}

async function fmaPeak(device, cpu, reps) {
  const workgroups = cpu ? 8 : 16384;
  const iterations = cpu ? 128 : 4096;
  const threads = workgroups * 256;
  const sink = device.createBuffer({ size: threads * 16, usage: GPUBufferUsage.STORAGE });
  const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
  new Uint32Array(params.getMappedRange())[0] = iterations;
  params.unmap();
  const ms = await timeKernel(device, await wgsl('peak-fma.wgsl'), [params, sink], [workgroups, 1], reps);
  const flops = threads * iterations * 16 * 4 * 2;
  sink.destroy();
  params.destroy();
  return { fmaGflops: flops / (ms * 1e6), fmaMs: ms, fmaFlops: flops };
}

async function copyPeak(device, cpu, reps) {
  const bytes = cpu ? 16 * 2 ** 20 : 512 * 2 ** 20;
  const src = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE });
  const dst = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE });
  const groups = bytes / 16 / 256;
  const x = Math.min(groups, 32768);
  const ms = await timeKernel(device, await wgsl('peak-copy.wgsl'), [src, dst], [x, Math.ceil(groups / x)], reps);
  src.destroy();
  dst.destroy();
  // read once and written once
  return { copyGBs: (2 * bytes) / (ms * 1e6), copyMs: ms, copyBytes: bytes };
}

/** The fastest of `reps` single-pass dispatches, in ms, from timestamp queries (after one warm-up). */
async function timeKernel(device, code, buffers, [x, y], reps) {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code });
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })) });
  const querySet = device.createQuerySet({ type: 'timestamp', count: 2 * (reps + 1) });
  const resolved = device.createBuffer({ size: 16 * (reps + 1), usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ size: 16 * (reps + 1), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  for (let i = 0; i <= reps; i++) {
    const pass = encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y);
    pass.end();
  }
  encoder.resolveQuerySet(querySet, 0, 2 * (reps + 1), resolved, 0);
  encoder.copyBufferToBuffer(resolved, 0, readback, 0, 16 * (reps + 1));
  device.queue.submit([encoder.finish()]);
  const error = await device.popErrorScope();
  if (error) throw new Error(`peak probe: ${error.message}`);
  await readback.mapAsync(GPUMapMode.READ);
  const stamps = new BigUint64Array(readback.getMappedRange().slice(0));
  readback.unmap();
  [querySet, resolved, readback].forEach((o) => o.destroy());
  const times = [];
  for (let i = 1; i <= reps; i++) times.push(Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6);
  const best = Math.min(...times.filter((t) => t > 0));
  if (!Number.isFinite(best)) throw new Error('peak probe: the timestamps are all zero');
  return best;
}
