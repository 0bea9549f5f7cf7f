// Depthwise convolution (groups = input channels C, each with `mult` filters: O = C * mult), direct: each
// output needs only KH*KW products, so a GEMM per group (conv.wgsl) would be a 1-row GEMM padded to its tile.
// Output channel o reads input channel o / mult; weights are [O, 1, KH, KW].
//
//   forward      one invocation per output (n, o, p, q):  sum_{i,j} w[o,i,j] x[n, o/mult, p*SH-PH+i*DH, q*SW-PW+j*DW]
//   grad_input   one invocation per input (n, c, h, w): sum over its channel's mult filters and the taps (i, j)
//                whose output (p, q) = ((h+PH-i*DH)/SH, (w+PW-j*DW)/SW) is whole and in range, of dy * w
//   grad_weight  one workgroup per weight (o, i, j): its invocations take strided shares of the N*P*Q products
//                dy[n,o,p,q] * x[n, o/mult, ...], then add them up as a tree (tree-reduce.wgsl)
// No invocation writes what another writes, so no atomics are needed.

struct Params {
  count: u32,    // forward: outputs; grad_input: inputs; grad_weight: weights
  N: u32, C: u32, H: u32, W: u32,
  O: u32, P: u32, Q: u32,
  KH: u32, KW: u32,
  SH: u32, SW: u32,
  PH: u32, PW: u32,
  DH: u32, DW: u32,
  mult: u32,     // filters per input channel: O / C
}

@group(0) @binding(0) var<storage, read> x: array<f32>;          // forward, grad_weight: the input [N, C, H, W]
@group(0) @binding(1) var<storage, read> w: array<f32>;          // forward, grad_input: the weights [O, 1, KH, KW]
@group(0) @binding(2) var<storage, read> bias: array<f32>;       // forward with BIAS: [O]
@group(0) @binding(3) var<storage, read> dy: array<f32>;         // backward: the output's gradient [N, O, P, Q]
@group(0) @binding(4) var<storage, read_write> out: array<f32>;  // out, dx or dw
@group(0) @binding(5) var<uniform> params: Params;

override WORKGROUP: u32 = 64u;
override BIAS: bool = false;
override RELU: bool = false;

@compute @workgroup_size(WORKGROUP)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  let q = e % params.Q;
  let p = (e / params.Q) % params.P;
  let o = (e / (params.Q * params.P)) % params.O;
  let n = e / (params.Q * params.P * params.O);
  let plane = (n * params.C + o / params.mult) * params.H;
  let top = i32(p * params.SH) - i32(params.PH);
  let left = i32(q * params.SW) - i32(params.PW);
  var s = 0.0;
  for (var i = 0u; i < params.KH; i++) {
    let h = top + i32(i * params.DH);
    if (h < 0 || h >= i32(params.H)) { continue; }
    for (var j = 0u; j < params.KW; j++) {
      let v = left + i32(j * params.DW);
      if (v < 0 || v >= i32(params.W)) { continue; }
      s += w[(o * params.KH + i) * params.KW + j] * x[(plane + u32(h)) * params.W + u32(v)];
    }
  }
  if (BIAS) { s += bias[o]; }
  if (RELU) { s = max(s, 0.0); }
  out[e] = s;
}

@compute @workgroup_size(WORKGROUP)
fn grad_input(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  let v = e % params.W;
  let h = (e / params.W) % params.H;
  let c = (e / (params.W * params.H)) % params.C;
  let n = e / (params.W * params.H * params.C);
  var s = 0.0;
  for (var m = 0u; m < params.mult; m++) {
    let o = c * params.mult + m;
    let plane = (n * params.O + o) * params.P;
    for (var i = 0u; i < params.KH; i++) {
      let ph = i32(h + params.PH) - i32(i * params.DH);
      if (ph < 0 || ph % i32(params.SH) != 0) { continue; }
      let p = u32(ph) / params.SH;
      if (p >= params.P) { continue; }
      for (var j = 0u; j < params.KW; j++) {
        let qw = i32(v + params.PW) - i32(j * params.DW);
        if (qw < 0 || qw % i32(params.SW) != 0) { continue; }
        let q = u32(qw) / params.SW;
        if (q >= params.Q) { continue; }
        s += dy[(plane + p) * params.Q + q] * w[(o * params.KH + i) * params.KW + j];
      }
    }
  }
  out[e] = s;
}

@compute @workgroup_size(WORKGROUP)
fn grad_weight(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let k = flatGroupId(wid, nwg);   // uniform across the workgroup, so every invocation reaches the tree
  let valid = k < params.count;
  let j = k % params.KW;
  let i = (k / params.KW) % params.KH;
  let o = k / (params.KW * params.KH);
  let c = o / params.mult;
  let PQ = params.P * params.Q;
  var s = 0.0;
  if (valid) {
    for (var t = lid; t < params.N * PQ; t += WORKGROUP) {
      let n = t / PQ;
      let p = (t % PQ) / params.Q;
      let q = t % params.Q;
      let h = i32(p * params.SH) - i32(params.PH) + i32(i * params.DH);
      let v = i32(q * params.SW) - i32(params.PW) + i32(j * params.DW);
      if (h < 0 || h >= i32(params.H) || v < 0 || v >= i32(params.W)) { continue; }
      s += dy[(n * params.O + o) * PQ + t % PQ] * x[((n * params.C + c) * params.H + u32(h)) * params.W + u32(v)];
    }
  }
  let total = workgroupReduce(lid, vec2<f32>(s, 0.0), TREE_SUM).x;
  if (valid && lid == 0u) { out[k] = total; }
}
