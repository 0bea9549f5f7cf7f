// Softmax along one axis, its log, their gradients, and cross-entropy fused with the softmax.
// A tensor is viewed as [outer, axis, inner]; a "row" is the `axis` elements sharing (outer, inner), and each
// row is handled by one workgroup: invocations take strided shares of the row, then combine their partial
// max and sum in workgroup memory (tree-reduce.wgsl). Subtracting the row max before exp() keeps
// every exponent <= 0, so nothing overflows.

struct Params {
  rows: u32,
  axis: u32,
  inner: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;          // logits, or the forward output in backward
@group(0) @binding(1) var<storage, read> dy: array<f32>;         // upstream gradient (backward entries)
@group(0) @binding(2) var<storage, read> labels: array<f32>;     // class indices as floats (cross-entropy)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> probs: array<f32>; // cross-entropy: softmax kept for backward
@group(0) @binding(5) var<uniform> params: Params;

override WORKGROUP: u32 = 64u;   // a power of two
override LOG: bool = false;      // log-softmax instead of softmax

fn at(row: u32, a: u32) -> u32 {
  let o = row / params.inner;
  let i = row % params.inner;
  return (o * params.axis + a) * params.inner + i;
}

// max_a x[row, a] and log(sum_a exp(x[row, a] - max)), shared by softmax and cross-entropy.
fn rowStats(row: u32, lid: u32) -> vec2<f32> {
  var m = bitcast<f32>(0xff7fffffu);   // the lowest finite f32
  for (var a = lid; a < params.axis; a += WORKGROUP) { m = max(m, x[at(row, a)]); }
  m = workgroupReduce(lid, vec2<f32>(m, 0.0), TREE_MAX).x;
  var s = 0.0;
  for (var a = lid; a < params.axis; a += WORKGROUP) { s += exp(x[at(row, a)] - m); }
  s = workgroupReduce(lid, vec2<f32>(s, 0.0), TREE_SUM).x;
  return vec2<f32>(m, log(s));
}

// y = exp(x - max) / sum, or log y = x - max - log(sum)
@compute @workgroup_size(WORKGROUP)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let row = flatGroupId(wid, nwg);
  if (row >= params.rows) { return; }
  let st = rowStats(row, lid);
  for (var a = lid; a < params.axis; a += WORKGROUP) {
    let i = at(row, a);
    let logY = x[i] - st.x - st.y;
    out[i] = select(exp(logY), logY, LOG);
  }
}

// softmax:     dx = y * (dy - sum_a dy * y)
// log-softmax: dx = dy - exp(log y) * sum_a dy
@compute @workgroup_size(WORKGROUP)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_index) lid: u32) {
  let row = flatGroupId(wid, nwg);
  if (row >= params.rows) { return; }
  var s = 0.0;
  for (var a = lid; a < params.axis; a += WORKGROUP) {
    let i = at(row, a);
    s += select(dy[i] * x[i], dy[i], LOG);
  }
  s = workgroupReduce(lid, vec2<f32>(s, 0.0), TREE_SUM).x;
  for (var a = lid; a < params.axis; a += WORKGROUP) {
    let i = at(row, a);
    out[i] = select(x[i] * (dy[i] - s), dy[i] - exp(x[i]) * s, LOG);
  }
}

// Per sample n (a row of logits [N, K]): loss[n] = log(sum_k exp(x[n, k])) - x[n, label[n]], and the softmax
// saved for backward. A label outside [0, K) gives a NaN loss rather than reading out of bounds.
@compute @workgroup_size(WORKGROUP)
fn cross_entropy(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
  let row = flatGroupId(wid, nwg);
  if (row >= params.rows) { return; }
  let st = rowStats(row, lid);
  for (var a = lid; a < params.axis; a += WORKGROUP) {
    let i = at(row, a);
    probs[i] = exp(x[i] - st.x - st.y);
  }
  if (lid == 0u) {
    let label = labels[row];
    let k = u32(label);
    if (label < 0.0 || k >= params.axis || f32(k) != label) {
      // A NaN built at run time: WGSL rejects NaN as a constant.
      out[row] = bitcast<f32>(0x7fc00000u | (params.rows & 0u));
    } else {
      out[row] = st.x + st.y - x[at(row, k)];
    }
  }
}

// d(mean_n loss[n]) / dx[n, k] = (softmax[n, k] - [k == label[n]]) / N, times the upstream scalar dy[0].
// One invocation per logit; `x` here is the saved softmax.
@compute @workgroup_size(WORKGROUP)
fn cross_entropy_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.rows * params.axis) { return; }
  let n = e / params.axis;
  let k = e % params.axis;
  let label = labels[n];
  if (label < 0.0 || label >= f32(params.axis) || floor(label) != label) {
    // Not a class index: NaN, like the forward's loss, rather than a silently wrong gradient.
    out[e] = bitcast<f32>(0x7fc00000u | (params.rows & 0u));
    return;
  }
  let hot = select(0.0, 1.0, f32(k) == label);
  out[e] = (x[e] - hot) * dy[0] / f32(params.rows);
}
