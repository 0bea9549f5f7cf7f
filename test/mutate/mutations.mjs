/**
 * Hand-written mutations for `npm run mutate` (test/mutate/run.mjs): each breaks the library in one small,
 * plausible way, and names the test files that must notice. `edits` are [search, replacement] pairs applied in
 * order to `file`; each search text must occur exactly once there, so a mutation that no longer matches the
 * source is reported instead of passing silently. Keep `tests` to the files that should catch it: the point is
 * to show which test guards what.
 */

const OPTIM = ['test/optim/optimizers.test.ts', 'test/optim/trajectories.test.ts'];

export const mutations = [
  // ---- issue 16's list: what slipped through before ------------------------------------------------------------
  {
    name: 'loadSafetensors writes key by key instead of all or nothing',
    file: 'src/io/safetensors.ts',
    edits: [
      ["import { formatShape } from '../shape';", "import { formatShape } from '../shape';\nimport { assign } from '../tensor';"],
      ['    dict[key] = entry.data;\n', '    dict[key] = entry.data;\n    assign(t, entry.data);\n'],
    ],
    tests: ['test/io/safetensors.test.ts'],
  },
  {
    name: 'loadStateDict writes each key as soon as its shape checks out',
    file: 'src/nn/module.ts',
    edits: [['      values.set(t, value);\n', '      values.set(t, value);\n      assign(t, value);\n']],
    tests: ['test/nn/modules.test.ts'],
  },
  {
    name: 'the SGD kernel updates only the first 256 elements of a parameter',
    file: 'shaders/optim.wgsl',
    edits: [['fn sgd(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {\n  let i = flatId(gid, nwg, WORKGROUP);\n  if (i >= params.count)',
      'fn sgd(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {\n  let i = flatId(gid, nwg, WORKGROUP);\n  if (i >= min(params.count, 256u))']],
    tests: OPTIM,
  },
  {
    name: 'the Adam kernel updates only the first 256 elements of a parameter',
    file: 'shaders/optim.wgsl',
    edits: [['fn adam(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {\n  let i = flatId(gid, nwg, WORKGROUP);\n  if (i >= params.count)',
      'fn adam(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {\n  let i = flatId(gid, nwg, WORKGROUP);\n  if (i >= min(params.count, 256u))']],
    tests: OPTIM,
  },
  {
    name: 'the clip factor without its min(1, ·): gradients under the limit are scaled up',
    file: 'shaders/optim.wgsl',
    edits: [['hyper[3] = min(1.0, params.eps / (sqrt(grad[0]) + 1e-6));', 'hyper[3] = params.eps / (sqrt(grad[0]) + 1e-6);']],
    tests: OPTIM,
  },
  {
    name: 'clipping by each parameter\'s own norm instead of the global one',
    file: 'src/optim/optimizer.ts',
    edits: [['    if (this.clipNorm !== null && live.length) this.recordClip(live);\n    for (const g of this.groups) {\n      for (const p of g.params) if (p.requiresGrad && p.grad) this.update(p, p.grad, this.stateOf(p), this.hyperOf(g));',
      '    for (const g of this.groups) {\n      for (const p of g.params) {\n        if (!(p.requiresGrad && p.grad)) continue;\n        if (this.clipNorm !== null) this.recordClip([p]);\n        this.update(p, p.grad, this.stateOf(p), this.hyperOf(g));\n      }']],
    tests: OPTIM,
  },
  {
    name: 'initialisation 20x too small',
    file: 'src/nn/init.ts',
    edits: [['const bound = 1 / Math.sqrt(fanIn);', 'const bound = 1 / Math.sqrt(fanIn) / 20;']],
    tests: ['test/nn/modules.test.ts'],
  },
  {
    name: 'initialisation ignores the seed',
    file: 'src/nn/init.ts',
    edits: [['seed: seed ?? nextSeed()', 'seed: (nextSeed(), 1)']],
    tests: ['test/nn/modules.test.ts'],
  },
  {
    name: 'nn.Dropout drops p / 2 (and scales by 1 / (1 - p/2))',
    file: 'src/nn/layers.ts',
    edits: [['return dropout(x, this.p, {', 'return dropout(x, this.p / 2, {']],
    tests: ['test/nn/modules.test.ts'],
  },
  {
    name: 'nn.Dropout reuses one mask for every call',
    file: 'src/nn/layers.ts',
    edits: [['() => (base + this.calls++) >>> 0', '() => (base + 0 * this.calls++) >>> 0']],
    tests: ['test/nn/modules.test.ts'],
  },
  {
    name: 'fit shuffles from a fixed seed whatever `seed` says',
    file: 'src/train/fit.ts',
    edits: [['const random = shuffle ? seededRandom(seed) : undefined;', 'const random = shuffle ? seededRandom(0) : undefined;']],
    tests: ['test/train/fit.test.ts'],
  },
  {
    name: 'evaluate weighs the last, partial batch as a full one',
    file: 'src/train/evaluate.ts',
    edits: [['      lossSum += batchLoss * batch.size;', '      lossSum += batchLoss * batchSize;']],
    tests: ['test/train/fit.test.ts'],
  },
  {
    name: 'evaluate\'s argmax (the argmax kernel) never looks at the last class (off-by-one)',
    file: 'shaders/softmax.wgsl',
    edits: [['for (var a = 1u; a < params.axis; a++) {', 'for (var a = 1u; a + 1u < params.axis; a++) {']],
    tests: ['test/train/fit.test.ts', 'test/ops/losses.test.ts'],
  },
  {
    name: "cross-entropy's gradient walk never moves to the next image (dropped carry)",
    file: 'shaders/softmax.wgsl',
    edits: [['      if (j == params.axis) { j = 0u; o++; }', '      if (j == params.axis) { j = 0u; }']],
    tests: ['test/ops/losses.test.ts'],
  },
  {
    name: 'rand\'s unit interval off by a quarter step (not bit for bit)',
    file: 'shaders/random.wgsl',
    edits: [['(f32(bits >> 8u) + 0.5)', '(f32(bits >> 8u) + 0.25)']],
    tests: ['test/runtime/random.test.ts'],
  },
  {
    name: 'the optimiser kernel keeps the first learning rate whatever the scheduler sets',
    file: 'src/optim/optimizer.ts',
    edits: [
      ['return { params: [...g.params], lr: glr, ', 'return { params: [...g.params], lr: glr, lr0: glr, '],
      ['Float32Array.from([g.lr, ', 'Float32Array.from([(g as any).lr0, '],
    ],
    tests: ['test/optim/optimizers.test.ts'],
  },
  {
    name: 'conv2d\'s bias gradient halved (seen by the small CNN)',
    file: 'shaders/im2col.wgsl',
    edits: [['} else { db[o] = s; }', '} else { db[o] = 0.5 * s; }']],
    tests: ['test/ops/small-cnn.test.ts'],
  },
  {
    name: 'mean\'s gradient 10% short for reductions of 1,000 terms or more',
    file: 'src/ops/sum.ts',
    edits: [['broadcastKernel(reshape(dy, keptShape), x.shape, scale)', 'broadcastKernel(reshape(dy, keptShape), x.shape, x.size >= 1000 && scale !== 1 ? scale * 0.9 : scale)']],
    tests: ['test/ops/reduce.test.ts'],
  },

  // ---- what was untested -----------------------------------------------------------------------------------------
  {
    name: 'the tiled (GPU) matmul stages only every other slab element of B',
    file: 'shaders/matmul.wgsl',
    edits: [['for (var e = t; e < TILE_K * TILE_N; e += threads) {', 'for (var e = t; e < TILE_K * TILE_N; e += 2u * threads) {']],
    tests: ['test/ops/small-cnn.test.ts'],
  },
  {
    name: 'fit ignores shuffle: false',
    file: 'src/train/fit.ts',
    edits: [['const random = shuffle ? seededRandom(seed)', 'const random = true ? seededRandom(seed)']],
    tests: ['test/train/fit.test.ts'],
  },
  {
    name: 'fit never steps the scheduler',
    file: 'src/train/fit.ts',
    edits: [['      options.scheduler?.step();\n', '']],
    tests: ['test/train/fit.test.ts'],
  },
  {
    name: 'fit checks shouldStop only between epochs',
    file: 'src/train/fit.ts',
    edits: [['      if (options.shouldStop?.()) break;\n', '']],
    tests: ['test/train/fit.test.ts'],
  },
  {
    name: 'fit skips the validation set',
    file: 'src/train/fit.ts',
    edits: [['    if (options.validation) info.validation = await evaluate(model, options.validation, { loss: options.loss, metrics: options.metrics });\n', '']],
    tests: ['test/train/fit.test.ts'],
  },
  {
    name: 'fit never calls onEpochEnd',
    file: 'src/train/fit.ts',
    edits: [['    await options.onEpochEnd?.(info);\n', '']],
    tests: ['test/train/fit.test.ts'],
  },
  {
    name: 'fit\'s epoch loss divides by one batch too many',
    file: 'src/train/fit.ts',
    edits: [['epochSum / Math.max(epochCount, 1)', 'epochSum / Math.max(epochCount + 1, 1)']],
    tests: ['test/train/fit.test.ts'],
  },
  {
    name: 'transpose\'s gradient permuted by perm instead of its inverse',
    file: 'src/ops/transpose.ts',
    edits: [['(dy) => [() => permuteKernel(dy, inverse)]', '(dy) => [() => permuteKernel(dy, p)]']],
    tests: ['test/ops/transpose.test.ts'],
  },
  {
    name: 'grid1d rounds the folded row down, dropping the last workgroups',
    file: 'src/gpu/runtime.ts',
    edits: [['return [Math.ceil(groups / y), y];', 'return [Math.floor(groups / y), y];']],
    tests: ['test/runtime/grid.test.ts'],
  },
  {
    name: 'flatId forgets the workgroup width when unfolding rows',
    file: 'shaders/grid.wgsl',
    edits: [['return gid.x + gid.y * numWorkgroups.x * workgroupWidth;', 'return gid.x + gid.y * numWorkgroups.x;']],
    tests: ['test/runtime/grid.test.ts'],
  },
  {
    name: 'rand may return its high end (the clamp below 1 removed)',
    file: 'shaders/random.wgsl',
    edits: [['return min((f32(bits >> 8u) + 0.5) * (1.0 / 16777216.0), 0.99999994);', 'return (f32(bits >> 8u) + 0.5) * (1.0 / 16777216.0);']],
    tests: ['test/runtime/grid.test.ts'],
  },
  {
    name: 'uncaptured GPU validation errors are swallowed',
    file: 'src/gpu/runtime.ts',
    edits: [['this.gpuErrors.push(`webgpu-cnn: GPU error: ', 'void (`webgpu-cnn: GPU error: ']],
    tests: ['test/runtime/adopt.test.ts'],
  },
  {
    name: 'init({ device }) ignores the app\'s device',
    file: 'src/gpu/runtime.ts',
    edits: [['const acquired: AcquiredDevice = options.device\n', 'const acquired: AcquiredDevice = false\n']],
    tests: ['test/runtime/adopt.test.ts'],
  },
  {
    name: 'the built package: a kernel family broken in src/ shows in dist/ too (rebuilt by its test)',
    file: 'shaders/pool.wgsl',
    edits: [['  out[o] = best;\n', '  out[o] = 0.5 * best;\n']],
    tests: ['test/bundle/dist.test.ts'],
  },

  // ---- one per op family: a wrong index, a dropped gradient term, an off-by-one bound, a skipped release ---------
  {
    name: 'elementwise broadcasting reads the second dimension with the first one\'s stride (wrong index)',
    file: 'shaders/strided.wgsl',
    edits: [['if (rank > 1u) { offset += (rest % s.y) * t.y; rest /= s.y; }', 'if (rank > 1u) { offset += (rest % s.y) * t.x; rest /= s.y; }']],
    tests: ['test/ops/elementwise.test.ts'],
  },
  {
    name: 'a broadcast walk carries into the third dimension one row late (off-by-one)',
    file: 'shaders/elementwise.wgsl',
    edits: [['  if ((*w).c.y == s.y) {', '  if ((*w).c.y > s.y) {']],
    tests: ['test/ops/elementwise.test.ts'],
  },
  {
    name: "a broadcast walk steps b by a's stride along a row (wrong operand)",
    file: 'shaders/elementwise.wgsl',
    edits: [['  (*w).ib += params.bStrides[0].x;', '  (*w).ib += params.aStrides[0].x;']],
    tests: ['test/ops/elementwise.test.ts'],
  },
  {
    name: 'div\'s gradient for b drops the factor a / b (dropped term)',
    file: 'src/ops/div.ts',
    edits: [["() => unaryKernel(reduceTo(binaryKernel('div', dyOverB, sout, 'MUL'), shapeB), 'NEG'),", "() => unaryKernel(reduceTo(dyOverB, shapeB), 'NEG'),"]],
    tests: ['test/ops/elementwise.test.ts'],
  },
  {
    name: 'matmul\'s blocked kernel reads row m2 for row m3 in its K remainder (wrong index)',
    file: 'shaders/matmul.wgsl',
    edits: [['acc3 += elemA(baseA, m.w, k) * bk;', 'acc3 += elemA(baseA, m.z, k) * bk;']],
    tests: ['test/ops/matmul.test.ts'],
  },
  {
    name: 'the serial reduction stops one term short (off-by-one)',
    file: 'shaders/reduce.wgsl',
    edits: [['for (var r = 0u; r < params.reduceCount; r++) { s += x[base + r * stride]; }', 'for (var r = 0u; r + 1u < params.reduceCount; r++) { s += x[base + r * stride]; }']],
    tests: ['test/ops/reduce.test.ts'],
  },
  {
    name: 'im2col\'s and im2row\'s padding check (tap) lets the row past the edge in (off-by-one)',
    file: 'shaders/im2col.wgsl',
    edits: [['  let inside = h < params.H && w < params.W;', '  let inside = h <= params.H && w < params.W;']],
    tests: ['test/ops/conv2d.test.ts'],
  },
  {
    name: 'col2im skips the last kernel column (off-by-one)',
    file: 'shaders/im2col.wgsl',
    edits: [['for (var j = j0; j < params.KW && j <= wp; j += params.SW) {', 'for (var j = j0; j + 1u < params.KW && j <= wp; j += params.SW) {']],
    tests: ['test/ops/conv2d.test.ts'],
  },
  {
    name: 'phase_scatter4 puts a phase\'s second and third pixels in each other\'s place (wrong index)',
    file: 'shaders/im2col.wgsl',
    edits: [
      ['  dst[d + params.SW] = v.y;\n', '  dst[d + params.SW] = v.z;\n'],
      ['  dst[d + 2u * params.SW] = v.z;\n', '  dst[d + 2u * params.SW] = v.y;\n'],
    ],
    tests: ['test/kernels/im2col-phases.test.ts'],
  },
  {
    name: 'flip_weights takes a phase\'s taps in the kernel\'s order instead of flipped (wrong index)',
    file: 'shaders/im2col.wgsl',
    edits: [['let row = params.I0 + (params.KH - 1u - i) * params.SH;', 'let row = params.I0 + i * params.SH;']],
    tests: ['test/kernels/im2col-phases.test.ts', 'test/ops/conv2d.test.ts'],
  },
  {
    name: 'max-pool\'s scatter backward skips the first window (off-by-one)',
    file: 'shaders/pool.wgsl',
    edits: [['if (i != NO_INDEX) { dx[i] = dy[o]; }', 'if (i != NO_INDEX && o > 0u) { dx[i] = dy[o]; }']],
    tests: ['test/ops/maxpool2d.test.ts'],
  },
  {
    name: 'avg-pool\'s backward drops the 1 / window-size factor (dropped term)',
    file: 'shaders/pool.wgsl',
    edits: [['g += dy[(plane * params.P + p) * params.Q + q] / avgDivisor(p, q);', 'g += dy[(plane * params.P + p) * params.Q + q];']],
    tests: ['test/ops/avgpool2d.test.ts'],
  },
  {
    name: 'cross-entropy\'s gradient drops the one-hot term',
    file: 'shaders/softmax.wgsl',
    edits: [[' - select(0.0, (1.0 - s) * wy, f32(j) == label) - sk * weightOf(j);', ' - sk * weightOf(j);']],
    tests: ['test/ops/softmax.test.ts'],
  },
  {
    name: 'batch norm\'s input gradient drops the x-hat term',
    file: 'shaders/batchnorm.wgsl',
    edits: [['(m * dy[w.i] - dbeta[w.c] - xhat * dgamma[w.c])', '(m * dy[w.i] - dbeta[w.c])']],
    tests: ['test/ops/batchnorm2d.test.ts'],
  },
  {
    name: "batch norm's element walk wraps the channel one too late (off-by-one)",
    file: 'shaders/batchnorm.wgsl',
    edits: [['    if ((*w).c == params.channels) { (*w).c = 0u; }', '    if ((*w).c > params.channels) { (*w).c = 0u; }']],
    tests: ['test/ops/batchnorm2d.test.ts'],
  },
  {
    name: 'dropout\'s kernel forgets the 1 / (1 - p) scale',
    file: 'shaders/random.wgsl',
    edits: [['out[i] = select(0.0, x[i] * dropoutParams.scale, keep);', 'out[i] = select(0.0, x[i], keep);']],
    tests: ['test/ops/dropout.test.ts'],
  },
  {
    name: 'safetensors decodes F16 subnormals at half their value',
    file: 'src/io/safetensors.ts',
    edits: [['if (e === 0) return sign * f * 2 ** -24;', 'if (e === 0) return sign * f * 2 ** -25;']],
    tests: ['test/io/safetensors.test.ts'],
  },
  {
    name: 'the tape keeps what a node saved after its rule has run (skipped release)',
    file: 'src/autograd/tape.ts',
    edits: [['    dy.dispose();\n    this.freeSaved();\n', '    dy.dispose();\n']],
    tests: ['test/runtime/autograd.test.ts'],
  },
  {
    name: 'zeroGrad drops the gradients without freeing them (skipped release)',
    file: 'src/optim/optimizer.ts',
    edits: [['      p.grad?.dispose();\n      p.grad = null;', '      p.grad = null;']],
    tests: ['test/runtime/memory.test.ts', 'test/train/fit.test.ts'],
  },
  {
    name: 'dispose forgets to give the buffer back (skipped release)',
    file: 'src/tensor.ts',
    edits: [['  hold.storage.release();\n  hold.storage = null;', '  hold.storage = null;']],
    tests: ['test/runtime/memory.test.ts'],
  },
  // ---- compiled steps (src/graph/) -----------------------------------------------------------------------------------
  {
    name: 'a replay reuses a ring slot whose readers are not submitted yet',
    file: 'src/graph/step-plan.ts',
    edits: [['    if (this.slotReaders[k] >= this.rt.batch.submits) this.rt.batch.flush();\n', '']],
    tests: ['test/graph/replay.test.ts'],
  },
  {
    name: 'the memory planner lets a buffer be shared with one that is used in the same command (off by one)',
    file: 'src/graph/memory-plan.ts',
    edits: [['l < first || f > last', 'l <= first || f >= last']],
    tests: ['test/graph/memory-plan.test.ts', 'test/graph/replay.test.ts'],
  },
  {
    name: "a replayed optimiser step does not advance Adam's step count",
    file: 'src/optim/optimizer.ts',
    edits: [['        if (i === 0) this.t++;\n', '']],
    tests: ['test/graph/replay.test.ts'],
  },
];
