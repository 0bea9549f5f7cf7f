// Batch normalisation of NCHW tensors, per channel c, like PyTorch's BatchNorm2d:
//   y = xhat * gamma[c] + beta[c],   xhat = (x - mean[c]) * invstd[c],   invstd = 1 / sqrt(var[c] + eps)
// Training takes mean and the biased var over (N, H, W) and moves the running statistics towards them;
// eval takes the running statistics as they are.
//
// The kernels, in the order the op launches them:
//   stats            one workgroup per channel. TRAINING: a tree sum for the mean, then one for the squared
//                    deviations from it (two passes: no cancellation as in E[x^2] - mean^2); invocation 0
//                    writes channelStats[c] = (mean, invstd) and updates runningMean and runningVar in place.
//                    Eval: copies the running statistics into channelStats, so that backward sees what forward
//                    used even if they change later.
//   normalize        ITEMS consecutive elements of y per invocation.
//   backward_reduce  one workgroup per channel: dbeta[c] = sum dy, dgamma[c] = sum dy * xhat.
//   backward_input   ITEMS elements of dx per invocation (training, where mean and var depend on x).
//   backward_scale   ITEMS elements of dx per invocation (eval: dx = dy * gamma * invstd).
// Element i of x is in channel (i / spatial) % channels; channelOffset() finds a channel's r-th element. CPU
// drivers run divisions lane by lane, so the per-element kernels divide once per invocation and then walk along
// x (ElementWalk): on SwiftShader normalize and backward_input over the U-Net's batch norms took 44 ms instead of 58
// (the per-channel ones walking instead of dividing were no faster).

struct Params {
  count: u32,     // N * C * H * W
  batch: u32,     // N
  channels: u32,  // C
  spatial: u32,   // H * W
  momentum: f32,  // running <- (1 - momentum) * running + momentum * batch statistic
  eps: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> beta: array<f32>;
// The running statistics, [C] each; only `stats` in TRAINING writes them.
@group(0) @binding(3) var<storage, read_write> runningMean: array<f32>;
@group(0) @binding(4) var<storage, read_write> runningVar: array<f32>;
// (mean, invstd) per channel: written by `stats`, read by the other kernels.
@group(0) @binding(5) var<storage, read_write> channelStats: array<vec2<f32>>;
// y in `normalize`, dx in the backward kernels.
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
@group(0) @binding(7) var<storage, read> dy: array<f32>;
// Per-channel sums: written by `backward_reduce`, read by `backward_input`.
@group(0) @binding(8) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(9) var<storage, read_write> dbeta: array<f32>;
@group(0) @binding(10) var<uniform> params: Params;

// Per-channel kernels: a power of two, the tree halves it each step. Per-element kernels: any size.
override WORKGROUP: u32 = 64u;
override TRAINING: bool = true;
// per-element kernels: consecutive elements per invocation
override ITEMS: u32 = 4u;

// Offset in x of the r-th element (r < batch * spatial) of channel c.
fn channelOffset(c: u32, r: u32) -> u32 {
  return ((r / params.spatial) * params.channels + c) * params.spatial + r % params.spatial;
}

// An invocation's walk through ITEMS consecutive elements of x: element i, its position p and channel c.
struct ElementWalk { i: u32, end: u32, p: u32, c: u32 }

fn elementWalk(gid: vec3<u32>, nwg: vec3<u32>) -> ElementWalk {
  let i = flatId(gid, nwg, WORKGROUP) * ITEMS;
  let plane = i / params.spatial;
  return ElementWalk(i, min(i + ITEMS, params.count), i % params.spatial, plane % params.channels);
}

fn nextElement(w: ptr<function, ElementWalk>) {
  (*w).i++;
  (*w).p++;
  if ((*w).p == params.spatial) {
    (*w).p = 0u;
    (*w).c++;
    if ((*w).c == params.channels) { (*w).c = 0u; }
  }
}

@compute @workgroup_size(WORKGROUP)
fn stats(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
         @builtin(local_invocation_index) lid: u32) {
  // Uniform across the workgroup, so returning keeps the barriers below in uniform control flow.
  let c = flatGroupId(wid, nwg);
  if (c >= params.channels) { return; }
  if (!TRAINING) {
    if (lid == 0u) { channelStats[c] = vec2(runningMean[c], inverseSqrt(runningVar[c] + params.eps)); }
    return;
  }
  let m = params.batch * params.spatial;
  var s = 0.0;
  for (var r = lid; r < m; r += WORKGROUP) {
    s += x[channelOffset(c, r)];
  }
  let mean = workgroupReduce(lid, vec2(s, 0.0), TREE_SUM).x / f32(m);
  var d = 0.0;
  for (var r = lid; r < m; r += WORKGROUP) {
    let v = x[channelOffset(c, r)] - mean;
    d += v * v;
  }
  let variance = workgroupReduce(lid, vec2(d, 0.0), TREE_SUM).x / f32(m); // biased: normalises this batch
  if (lid == 0u) {
    channelStats[c] = vec2(mean, inverseSqrt(variance + params.eps));
    let k = params.momentum;
    runningMean[c] = (1.0 - k) * runningMean[c] + k * mean;
    // Unbiased for the running estimate, as PyTorch does; the op requires m > 1 in training.
    runningVar[c] = (1.0 - k) * runningVar[c] + k * variance * f32(m) / f32(m - 1u);
  }
}

@compute @workgroup_size(WORKGROUP)
fn normalize(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  for (var w = elementWalk(gid, nwg); w.i < w.end; nextElement(&w)) {
    let s = channelStats[w.c];
    out[w.i] = (x[w.i] - s.x) * s.y * gamma[w.c] + beta[w.c];
  }
}

@compute @workgroup_size(WORKGROUP)
fn backward_reduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
  let c = flatGroupId(wid, nwg);
  if (c >= params.channels) { return; }
  let s = channelStats[c];
  let m = params.batch * params.spatial;
  // .x: sum dy, .y: sum dy * (x - mean); invstd is factored out of the second sum.
  var acc = vec2(0.0, 0.0);
  for (var r = lid; r < m; r += WORKGROUP) {
    let k = channelOffset(c, r);
    acc += vec2(dy[k], dy[k] * (x[k] - s.x));
  }
  let total = workgroupReduce(lid, acc, TREE_SUM);
  if (lid == 0u) {
    dbeta[c] = total.x;
    dgamma[c] = total.y * s.y;
  }
}

@compute @workgroup_size(WORKGROUP)
fn backward_input(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let m = f32(params.batch * params.spatial);
  for (var w = elementWalk(gid, nwg); w.i < w.end; nextElement(&w)) {
    let s = channelStats[w.c];
    let xhat = (x[w.i] - s.x) * s.y;
    out[w.i] = gamma[w.c] * s.y / m * (m * dy[w.i] - dbeta[w.c] - xhat * dgamma[w.c]);
  }
}

@compute @workgroup_size(WORKGROUP)
fn backward_scale(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  for (var w = elementWalk(gid, nwg); w.i < w.end; nextElement(&w)) {
    out[w.i] = dy[w.i] * gamma[w.c] * channelStats[w.c].y;
  }
}
