// Sum over any set of axes: out[o] = scale * sum_r x[offset(o) + offset(r)].
//   sum:    one workgroup per output element, for few outputs of many terms each. The kept axes (outer*) place the output element in x, the reduced
// axes (red*) enumerate what it sums; the host merges adjacent axes first, so both lists are usually short.
// Each invocation sums a strided share of the reduced elements, then the workgroup adds its partial sums
// as a tree in workgroup memory (tree-reduce.wgsl). `scale` turns the sum into a mean without another pass.
//   serial: one invocation per output element, summing its terms in a loop with no barriers, for many
//           outputs of few terms each (a batch of per-image weight gradients summed over the batch).

struct Params {
  outCount: u32,
  reduceCount: u32,
  outerRank: u32,
  redRank: u32,
  scale: f32,
  outerSizes: Dims,
  outerStrides: Dims,
  redSizes: Dims,
  redStrides: Dims,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// A power of two: the tree halves it each step.
override WORKGROUP: u32 = 64u;

@compute @workgroup_size(WORKGROUP)
fn sum(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
       @builtin(local_invocation_index) lid: u32) {
  // The same for the whole workgroup, so returning here keeps the barriers below in uniform control flow.
  let o = flatGroupId(wid, nwg);
  if (o >= params.outCount) { return; }
  let base = stridedOffset(o, params.outerRank, params.outerSizes, params.outerStrides);
  var s = 0.0;
  if (params.redRank <= 1u) {
    let stride = params.redStrides[0].x;
    for (var r = lid; r < params.reduceCount; r += WORKGROUP) { s += x[base + r * stride]; }
  } else {
    for (var r = lid; r < params.reduceCount; r += WORKGROUP) {
      s += x[base + stridedOffset(r, params.redRank, params.redSizes, params.redStrides)];
    }
  }
  let total = workgroupReduce(lid, vec2<f32>(s, 0.0), TREE_SUM).x;
  if (lid == 0u) { out[o] = total * params.scale; }
}

@compute @workgroup_size(WORKGROUP)
fn serial(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = flatId(gid, nwg, WORKGROUP);
  if (o >= params.outCount) { return; }
  let base = stridedOffset(o, params.outerRank, params.outerSizes, params.outerStrides);
  var s = 0.0;
  if (params.redRank <= 1u) {
    // One strided run (the usual case): no index arithmetic in the loop.
    let stride = params.redStrides[0].x;
    for (var r = 0u; r < params.reduceCount; r++) { s += x[base + r * stride]; }
  } else {
    for (var r = 0u; r < params.reduceCount; r++) {
      s += x[base + stridedOffset(r, params.redRank, params.redSizes, params.redStrides)];
    }
  }
  out[o] = s * params.scale;
}
