// The data movements around convolution-as-GEMM, for a chunk of images starting at image `n0`:
//   im2col: cols[n][(c*KH + i)*KW + j][p*Q + q] = x[n0 + n][c][p*SH - PH + i][q*SW - PW + j], 0 in the padding,
//           so that out[n] = W[O, C*KH*KW] x cols[n] is the convolution, already in NCHW order. Rows from
//           C*KH*KW up to `rows` are zeros (and pad_weights gives W as many columns), so a first layer with
//           K = 1*3*3 = 9 still gets the GEMM's 16-byte loads.
//   col2im: its adjoint, for grad-input: dx[n0 + n][c][h][w] = sum of dcols[n][(c, i, j)][(p, q)] over the
//           (i, j, p, q) with p*SH - PH + i = h and q*SW - PW + j = w. One invocation per dx element gathers
//           its terms (at most KH*KW of them), so no two invocations write the same element: no atomics.

struct Params {
  count: u32,   // invocations doing work in this launch
  n0: u32,      // first image of the chunk
  C: u32, H: u32, W: u32,
  P: u32, Q: u32,
  KH: u32, KW: u32,
  SH: u32, SW: u32,
  PH: u32, PW: u32,
  O: u32,       // output channels (flip_weights, pad_weights)
  rows: u32,    // rows of cols per image: C*KH*KW, or more (zeros) to round the GEMM's K up to a multiple of 4
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

override WORKGROUP: u32 = 256u;

// One invocation per (image, row, p): it walks q along the output row, so the index arithmetic (divisions
// are slow on CPU drivers) is done once per output row rather than once per element.
@compute @workgroup_size(WORKGROUP)
fn im2col(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  let ckk = params.C * params.KH * params.KW;
  let p = e % params.P;
  let row = (e / params.P) % params.rows;
  let n = e / (params.P * params.rows);
  let dst0 = (n * params.rows + row) * params.P * params.Q + p * params.Q;
  if (row >= ckk) {
    for (var q = 0u; q < params.Q; q++) { dst[dst0 + q] = 0.0; }
    return;
  }
  let j = row % params.KW;
  let i = (row / params.KW) % params.KH;
  let c = row / (params.KW * params.KH);
  // Unsigned arithmetic: a position left of or above the image wraps to a huge value and fails the test.
  let h = p * params.SH + i - params.PH;
  let src0 = ((params.n0 + n) * params.C + c) * params.H * params.W + h * params.W;
  var w = j - params.PW;
  for (var q = 0u; q < params.Q; q++) {
    var v = 0.0;
    if (h < params.H && w < params.W) { v = src[src0 + w]; }
    dst[dst0 + q] = v;
    w += params.SW;
  }
}

// The same patches laid out by rows: rows[n * P * Q + p * Q + q][(c * KH + i) * KW + j], one receptive field
// per row, which is the layout the weight gradient's single GEMM reads. One invocation per (image, p, q).
@compute @workgroup_size(WORKGROUP)
fn im2row(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  let q = e % params.Q;
  let p = (e / params.Q) % params.P;
  let n = e / (params.P * params.Q);
  var d = e * params.C * params.KH * params.KW;
  for (var c = 0u; c < params.C; c++) {
    let plane = ((params.n0 + n) * params.C + c) * params.H * params.W;
    for (var i = 0u; i < params.KH; i++) {
      let h = p * params.SH + i - params.PH;
      for (var j = 0u; j < params.KW; j++) {
        let w = q * params.SW + j - params.PW;
        var v = 0.0;
        if (h < params.H && w < params.W) { v = src[plane + h * params.W + w]; }
        dst[d] = v;
        d++;
      }
    }
  }
}

@compute @workgroup_size(WORKGROUP)
fn col2im(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  let w = e % params.W;
  let h = (e / params.W) % params.H;
  let c = (e / (params.W * params.H)) % params.C;
  let n = e / (params.W * params.H * params.C);
  let pq = params.P * params.Q;
  let base = n * params.C * params.KH * params.KW * pq;
  var s = 0.0;
  for (var i = 0u; i < params.KH; i++) {
    // p*SH = h + PH - i must be a non-negative multiple of SH below P*SH.
    let ph = h + params.PH - i;
    if (ph >= params.P * params.SH || ph % params.SH != 0u) { continue; }
    let p = ph / params.SH;
    for (var j = 0u; j < params.KW; j++) {
      let qw = w + params.PW - j;
      if (qw >= params.Q * params.SW || qw % params.SW != 0u) { continue; }
      let q = qw / params.SW;
      s += src[base + ((c * params.KH + i) * params.KW + j) * pq + p * params.Q + q];
    }
  }
  dst[(params.n0 * params.C * params.H * params.W) + e] = s;
}

// The weights of the convolution that gives a stride-1 convolution's input gradient:
// dst[c][o][i][j] = src[o][c][KH-1-i][KW-1-j]. One invocation per element of dst.
@compute @workgroup_size(WORKGROUP)
fn flip_weights(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  let j = e % params.KW;
  let i = (e / params.KW) % params.KH;
  let o = (e / (params.KW * params.KH)) % params.O;
  let c = e / (params.KW * params.KH * params.O);
  dst[e] = src[((o * params.C + c) * params.KH + (params.KH - 1u - i)) * params.KW + (params.KW - 1u - j)];
}

// W[O, C*KH*KW] widened to [O, rows] with zero columns, to match im2col's zero rows.
@compute @workgroup_size(WORKGROUP)
fn pad_weights(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  let ckk = params.C * params.KH * params.KW;
  let r = e % params.rows;
  var v = 0.0;
  if (r < ckk) { v = src[(e / params.rows) * ckk + r]; }
  dst[e] = v;
}
