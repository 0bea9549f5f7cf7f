// Softmax along one axis, its log, their gradients, and cross-entropy fused with the softmax.
// A tensor is viewed as [outer, axis, inner]; a "row" is the `axis` elements sharing (outer, inner), and each
// row is handled by one workgroup: invocations take strided shares of the row, then combine their partial
// max and sum in workgroup memory (tree-reduce.wgsl). Subtracting the row max before exp() keeps
// every exponent <= 0, so nothing overflows.

struct Params {
  rows: u32,
  axis: u32,
  inner: u32,
  // cross-entropy only:
  smoothing: f32,     // label smoothing: the target is (1 - smoothing) one-hot + smoothing / K
  ignoreIndex: f32,   // rows with this label add nothing to the loss or the gradient
  perRow: u32,        // backward: dy holds one value per row (reduction 'none') rather than one in all
  scale: f32,         // backward: times this
  weightSum: f32,     // the sum of the class weights (K when unweighted)
}

@group(0) @binding(0) var<storage, read> x: array<f32>;          // logits, or the forward output in backward
@group(0) @binding(1) var<storage, read> dy: array<f32>;         // upstream gradient (backward entries)
@group(0) @binding(2) var<storage, read> labels: array<f32>;     // class indices as floats (cross-entropy)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> probs: array<f32>; // cross-entropy: softmax kept for backward
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var<storage, read_write> valid: array<f32>;  // cross-entropy: the row's weight in the mean, 0 if ignored
@group(0) @binding(7) var<storage, read> classWeight: array<f32>;  // cross-entropy with WEIGHTED: [K]

override WEIGHTED: bool = false;  // cross-entropy: classes weighted by classWeight (PyTorch's `weight`)

fn weightOf(k: u32) -> f32 {
  if (WEIGHTED) { return classWeight[k]; }
  return 1.0;
}

override WORKGROUP: u32 = 64u;   // a power of two
override LOG: bool = false;      // log-softmax instead of softmax

// Where a row's first entry is; entry a is params.inner further for each a. Kernels find it once per row and step
// from there: divisions run lane by lane on CPU drivers (SwiftShader's per-pixel cross-entropy over 11 classes of
// [16, 11, 64, 64] logits took 20 ms dividing for every entry, 15 finding each row once).
fn rowStart(row: u32) -> u32 {
  let o = row / params.inner;
  let i = row % params.inner;
  return o * params.axis * params.inner + i;
}

// max_a x[row, a] and log(sum_a exp(x[row, a] - max)), shared by softmax and cross-entropy.
fn rowStats(row: u32, lid: u32) -> vec2<f32> {
  let base = rowStart(row);
  var m = bitcast<f32>(0xff7fffffu);   // the lowest finite f32
  for (var a = lid; a < params.axis; a += WORKGROUP) { m = max(m, x[base + a * params.inner]); }
  m = workgroupReduce(lid, vec2<f32>(m, 0.0), TREE_MAX).x;
  var s = 0.0;
  for (var a = lid; a < params.axis; a += WORKGROUP) { s += exp(x[base + a * params.inner] - m); }
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
  let base = rowStart(row);
  for (var a = lid; a < params.axis; a += WORKGROUP) {
    let i = base + a * params.inner;
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
  let base = rowStart(row);
  var s = 0.0;
  for (var a = lid; a < params.axis; a += WORKGROUP) {
    let i = base + a * params.inner;
    s += select(dy[i] * x[i], dy[i], LOG);
  }
  s = workgroupReduce(lid, vec2<f32>(s, 0.0), TREE_SUM).x;
  for (var a = lid; a < params.axis; a += WORKGROUP) {
    let i = base + a * params.inner;
    out[i] = select(x[i] * (dy[i] - s), dy[i] - exp(x[i]) * s, LOG);
  }
}

// Per sample n (a row of logits: [N, K], or the K values at one pixel of [N, K, S]), with s the smoothing, w
// the class weights (all 1 unweighted), W their sum, lse = log sum_k exp x_k and y the label (PyTorch's formula):
//   loss[n] = (1 - s) w_y (lse - x_y) + (s / K) sum_k w_k (lse - x_k) = (1 - s) w_y (lse - x_y) + (s / K) (W lse - total)
// with total = sum_k w_k x_k; valid[n] = w_y, what the mean divides by. An ignored label gives loss 0 and
// valid 0; one outside [0, K), a NaN loss rather than a read out of bounds. The softmax is saved for backward.
// Rows are numbered (outer, inner) like the labels.
fn writeLoss(row: u32, st: vec2<f32>, total: f32) {
  let label = labels[row];
  let k = u32(label);
  if (label == params.ignoreIndex) {
    out[row] = 0.0;
    valid[row] = 0.0;
  } else if (label < 0.0 || k >= params.axis || f32(k) != label) {
    // A NaN built at run time: WGSL rejects NaN as a constant.
    out[row] = bitcast<f32>(0x7fc00000u | (params.rows & 0u));
    valid[row] = 1.0;
  } else {
    let s = params.smoothing;
    let lse = st.x + st.y;
    let wy = weightOf(k);
    out[row] = (1.0 - s) * wy * (lse - x[rowStart(row) + k * params.inner]) + s / f32(params.axis) * (params.weightSum * lse - total);
    valid[row] = wy;
  }
}

// One workgroup per row: for long rows (many classes).
@compute @workgroup_size(WORKGROUP)
fn cross_entropy(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
  let row = flatGroupId(wid, nwg);
  if (row >= params.rows) { return; }
  let st = rowStats(row, lid);
  let base = rowStart(row);
  var total = 0.0;
  for (var a = lid; a < params.axis; a += WORKGROUP) {
    let i = base + a * params.inner;
    probs[i] = exp(x[i] - st.x - st.y);
    total += weightOf(a) * x[i];
  }
  total = workgroupReduce(lid, vec2<f32>(total, 0.0), TREE_SUM).x;
  if (lid == 0u) { writeLoss(row, st, total); }
}

// One invocation per row, walking it serially: for short rows (a segmentation's classes at each of many
// pixels), where a workgroup and its barriers per row would cost far more than the row's few values.
@compute @workgroup_size(WORKGROUP)
fn cross_entropy_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = flatId(gid, nwg, WORKGROUP);
  if (row >= params.rows) { return; }
  let base = rowStart(row);
  var m = bitcast<f32>(0xff7fffffu);
  for (var a = 0u; a < params.axis; a++) { m = max(m, x[base + a * params.inner]); }
  var s = 0.0;
  var total = 0.0;
  for (var a = 0u; a < params.axis; a++) {
    let v = x[base + a * params.inner];
    s += exp(v - m);
    total += weightOf(a) * v;
  }
  let st = vec2<f32>(m, log(s));
  for (var a = 0u; a < params.axis; a++) {
    let i = base + a * params.inner;
    probs[i] = exp(x[i] - st.x - st.y);
  }
  writeLoss(row, st, total);
}

// The 'mean' reduction of the entries above, in one pass: out[0] = the sum of the losses (x here) over the sum of
// the rows' weights (dy here: `valid` as they wrote it), and that sum kept in valid[0] for backward. One workgroup.
@compute @workgroup_size(WORKGROUP)
fn cross_entropy_mean(@builtin(local_invocation_index) lid: u32) {
  var s = vec2<f32>(0.0);
  for (var r = lid; r < params.rows; r += WORKGROUP) { s += vec2<f32>(x[r], dy[r]); }
  let total = workgroupReduce(lid, s, TREE_SUM);
  if (lid == 0u) {
    out[0] = total.x / total.y;
    valid[0] = total.y;
  }
}

// d loss[n] / dx[n, j] = p_j ((1 - s) w_y + (s / K) W) - (1 - s) w_y [j = y] - (s / K) w_j, with p the saved
// softmax (`x` here); 0 for an ignored row; times the upstream gradient (dy[0], or dy[n] per row) and `scale`,
// and with MEAN divided by the weights' sum that cross_entropy_mean kept (valid[0]). ITEMS consecutive logits
// per invocation, the first split into (outer, j, inner) and the rest walked to: on SwiftShader the gradient of
// [16, 11, 64, 64] per-pixel logits took 19 ms splitting every one, 15 walking.
override MEAN: bool = false;
override ITEMS: u32 = 1u;

fn crossEntropyGrad(e: u32, j: u32, n: u32) {
  let label = labels[n];
  if (label != params.ignoreIndex && (label < 0.0 || label >= f32(params.axis) || floor(label) != label)) {
    // Not a class index: NaN, like the forward's loss, rather than a silently wrong gradient.
    out[e] = bitcast<f32>(0x7fc00000u | (params.rows & 0u));
    return;
  }
  let s = params.smoothing;
  let sk = s / f32(params.axis);
  let wy = weightOf(u32(max(label, 0.0)));
  let g = x[e] * ((1.0 - s) * wy + sk * params.weightSum) - select(0.0, (1.0 - s) * wy, f32(j) == label) - sk * weightOf(j);
  var upstream = dy[select(0u, n, params.perRow != 0u)];
  if (MEAN) { upstream /= valid[0]; }
  out[e] = select(g * upstream * params.scale, 0.0, label == params.ignoreIndex);
}

@compute @workgroup_size(WORKGROUP)
fn cross_entropy_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let first = flatId(gid, nwg, WORKGROUP) * ITEMS;
  let end = min(first + ITEMS, params.rows * params.axis);
  // e runs over [outer, K, inner]; its row is (outer, inner)
  var i = first % params.inner;
  var j = (first / params.inner) % params.axis;
  var o = first / (params.axis * params.inner);
  for (var e = first; e < end; e++) {
    crossEntropyGrad(e, j, o * params.inner + i);
    i++;
    if (i == params.inner) {
      i = 0u;
      j++;
      if (j == params.axis) { j = 0u; o++; }
    }
  }
}

// out[row] = the first index of the row's maximum, as a float (a NaN wins, as in PyTorch). One invocation per
// row, walking it serially: rows are short (classes), and there are many of them (pixels).
@compute @workgroup_size(WORKGROUP)
fn argmax(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = flatId(gid, nwg, WORKGROUP);
  if (row >= params.rows) { return; }
  let base = rowStart(row);
  var best = x[base];
  var index = 0u;
  for (var a = 1u; a < params.axis; a++) {
    let v = x[base + a * params.inner];
    if (v > best || (v != v && best == best)) {
      best = v;
      index = a;
    }
  }
  out[row] = f32(index);
}
