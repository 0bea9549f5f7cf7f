// The least JavaScript a replayed step can cost: the WebGPU calls it makes, captured once and then issued again
// with nothing of the library around them. bench/step-cost.mjs reports it beside the replayed step's JS time, so
// the gap between the two is the library's own cost and the floor itself is what the WebGPU binding charges.

const methods = {
  GPUCommandEncoder: ['beginComputePass', 'copyBufferToBuffer', 'clearBuffer'],
  GPUComputePassEncoder: ['setPipeline', 'setBindGroup', 'dispatchWorkgroups', 'end'],
  GPUQueue: ['writeBuffer'],
  GPUDevice: ['createCommandEncoder'],
};

/** The calls `fn` makes on encoders, passes and the queue, in order, with their arguments (written data copied). */
export function captureCalls(fn) {
  const calls = [];
  let device = null;
  const saved = [];
  for (const [cls, names] of Object.entries(methods)) {
    const proto = globalThis[cls].prototype;
    for (const name of names) {
      const original = proto[name];
      saved.push([proto, name, original]);
      proto[name] = function (...args) {
        if (name === 'createCommandEncoder') device = this;
        else if (name === 'writeBuffer') {
          const [buffer, offset, data, dataOffset = 0, size] = args;
          const bytes = new Uint8Array(ArrayBuffer.isView(data) ? data.buffer : data, (data.byteOffset ?? 0) + dataOffset, size ?? data.byteLength - dataOffset);
          calls.push({ name, args: [buffer, offset, bytes.slice()] });
        } else calls.push({ name, args });
        return original.apply(this, args);
      };
    }
  }
  try {
    fn();
  } finally {
    for (const [proto, name, original] of saved) proto[name] = original;
  }
  return { calls, device };
}

/** Issues the captured calls `steps` times into one command buffer and submits it; returns the JS time in ms. */
export function issueCalls({ calls, device }, steps) {
  const t0 = performance.now();
  const encoder = device.createCommandEncoder();
  let pass = null;
  for (let s = 0; s < steps; s++) {
    for (const { name, args } of calls) {
      if (name === 'beginComputePass') pass = encoder.beginComputePass();
      else if (name === 'writeBuffer') device.queue.writeBuffer(...args);
      else if (name === 'copyBufferToBuffer' || name === 'clearBuffer') encoder[name](...args);
      else pass[name](...args);
      if (name === 'end') pass = null;
    }
  }
  pass?.end();
  device.queue.submit([encoder.finish()]);
  return performance.now() - t0;
}
