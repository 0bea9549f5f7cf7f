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
  rows: u32,    // im2col: rows of cols per image, C*KH*KW or more (zeros) to round the GEMM's K up to a multiple
                // of 4; im2row: the length of a row of patches
  span: u32,    // im2col4: output rows p per invocation, so that span * Q is a multiple of 4
  parts: u32,   // weight_grad_sum: partial products to add up
  KH0: u32, KW0: u32, // flip_weights: the size of src's kernel, of which dst takes every SH-th (SW-th) tap
  I0: u32, J0: u32,   // from tap (I0, J0) on
  R0H: u32, R0W: u32, // phase_scatter: the phase's first pixel
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

override WORKGROUP: u32 = 256u;

// x[n][c][h][w] for a position that may lie outside the image (left of or above it, unsigned arithmetic has
// wrapped it to a huge value), 0 there. A select rather than a branch: SwiftShader ran the MNIST model's
// im2col 1.25x faster without the branch.
fn tap(plane: u32, h: u32, w: u32) -> f32 {
  let inside = h < params.H && w < params.W;
  return select(0.0, src[select(0u, plane + h * params.W + w, inside)], inside);
}

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
  let h = p * params.SH + i - params.PH;
  let src0 = ((params.n0 + n) * params.C + c) * params.H * params.W;
  var w = j - params.PW;
  for (var q = 0u; q < params.Q; q++) {
    dst[dst0 + q] = tap(src0, h, w);
    w += params.SW;
  }
}

// im2col4 and im2row write their buffers 16 bytes at a time: SwiftShader charges nearly as much for a
// storage access of one float as for one of four, so one vec4 store of four patch values, loaded first, ran
// the MNIST model's three im2col launches 1.2x faster than four scalar stores, each after its load.
@group(0) @binding(1) var<storage, read_write> dst4: array<vec4<f32>>;

// Moves im2col4's walk to the next output position: along the output row, then to the start of the next.
fn nextPosition(h: ptr<function, u32>, w: ptr<function, u32>, q: ptr<function, u32>, w0: u32) {
  *q += 1u;
  *w += params.SW;
  if (*q == params.Q) { *q = 0u; *w = w0; *h += params.SH; }
}

// im2col for P*Q a multiple of 4: one invocation per (image, row, span of output rows), walking the span's
// positions four at a time (a group of four may run from one output row into the next).
@compute @workgroup_size(WORKGROUP)
fn im2col4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  let spans = params.P / params.span;
  let s = e % spans;
  let row = (e / spans) % params.rows;
  let n = e / (spans * params.rows);
  let pq = params.P * params.Q;
  // span divides P: 4 | P*Q makes P even when Q is 2 mod 4 (span 2) and a multiple of 4 when Q is odd (span 4)
  let first = s * params.span * params.Q;
  let end = first + params.span * params.Q;
  var d = ((n * params.rows + row) * pq + first) / 4u;
  if (row >= params.C * params.KH * params.KW) {
    for (var t = first; t < end; t += 4u) { dst4[d] = vec4<f32>(0.0); d++; }
    return;
  }
  let j = row % params.KW;
  let i = (row / params.KW) % params.KH;
  let c = row / (params.KW * params.KH);
  let plane = ((params.n0 + n) * params.C + c) * params.H * params.W;
  var h = s * params.span * params.SH + i - params.PH;
  let w0 = j - params.PW;
  var w = w0;
  var q = 0u;
  for (var t = first; t < end; t += 4u) {
    let v0 = tap(plane, h, w);
    nextPosition(&h, &w, &q, w0);
    let v1 = tap(plane, h, w);
    nextPosition(&h, &w, &q, w0);
    let v2 = tap(plane, h, w);
    nextPosition(&h, &w, &q, w0);
    let v3 = tap(plane, h, w);
    nextPosition(&h, &w, &q, w0);
    dst4[d] = vec4<f32>(v0, v1, v2, v3);
    d++;
  }
}

// The same patches laid out by rows for the weight gradient's GEMM: rows[n * P * Q + p * Q + q][(c * KH + i) * KW + j],
// one receptive field per row, each row `rows` long (a multiple of 4, for 16-byte stores and GEMM loads). Past
// the C*KH*KW taps comes a 1 when BIAS_COLUMN is set (the GEMM's column of dy times ones is then the bias
// gradient) and zeros after. One invocation per (image, p, q), walking (c, i, j) four taps per store.
override BIAS_COLUMN: bool = false;

// Moves im2row's walk to the next kernel tap: along the kernel row, then down, then to the next channel.
fn nextTap(plane: ptr<function, u32>, i: ptr<function, u32>, j: ptr<function, u32>) {
  *j += 1u;
  if (*j == params.KW) {
    *j = 0u;
    *i += 1u;
    if (*i == params.KH) { *i = 0u; *plane += params.H * params.W; }
  }
}

// Entry t of a row: a tap while t < C*KH*KW (the walk is then at that tap), else the bias column's 1 or a 0.
// Past the taps the walk has left the image, so the (discarded) read goes to plane 0 instead.
fn rowValue(t: u32, ckk: u32, plane: u32, h: u32, w: u32) -> f32 {
  let isTap = t < ckk;
  return select(select(0.0, 1.0, BIAS_COLUMN && t == ckk), tap(select(0u, plane, isTap), h, w), isTap);
}

@compute @workgroup_size(WORKGROUP)
fn im2row(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  let q = e % params.Q;
  let p = (e / params.Q) % params.P;
  let n = e / (params.P * params.Q);
  let ckk = params.C * params.KH * params.KW;
  let h0 = p * params.SH - params.PH;
  let w0 = q * params.SW - params.PW;
  var plane = (params.n0 + n) * params.C * params.H * params.W;
  var i = 0u;
  var j = 0u;
  var d = e * params.rows / 4u;
  for (var t = 0u; t < params.rows; t += 4u) {
    let v0 = rowValue(t, ckk, plane, h0 + i, w0 + j);
    nextTap(&plane, &i, &j);
    let v1 = rowValue(t + 1u, ckk, plane, h0 + i, w0 + j);
    nextTap(&plane, &i, &j);
    let v2 = rowValue(t + 2u, ckk, plane, h0 + i, w0 + j);
    nextTap(&plane, &i, &j);
    let v3 = rowValue(t + 3u, ckk, plane, h0 + i, w0 + j);
    nextTap(&plane, &i, &j);
    dst4[d] = vec4<f32>(v0, v1, v2, v3);
    d++;
  }
}

// The weight gradient from its GEMM's products: `parts` partial sums of [O, rows] each (the GEMM sums a batch in
// groups), added up and split into dw [O, C*KH*KW] and, with BIAS_COLUMN, db [O] from the ones column after the
// taps. One dispatch instead of a reduction and two slices. One invocation per element of dw and db.
@group(0) @binding(3) var<storage, read_write> db: array<f32>;

@compute @workgroup_size(WORKGROUP)
fn weight_grad_sum(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  let ckk = params.C * params.KH * params.KW;
  let width = ckk + select(0u, 1u, BIAS_COLUMN);
  let o = e / width;
  let t = e % width;
  var i = o * params.rows + t;
  var s = 0.0;
  for (var g = 0u; g < params.parts; g++) {
    s += src[i];
    i += params.O * params.rows;
  }
  if (t < ckk) { dst[o * ckk + t] = s; } else { db[o] = s; }
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
  // p*SH = h + PH - i must be a non-negative multiple of SH below P*SH: the taps i = (h + PH) % SH, then every
  // SH-th, so no tap between dy's pixels is visited and no division runs inside the loops (on SwiftShader the
  // col2im of x[32,64,32,32] w[64,64,3,3] stride 2 took 117 ms instead of 185 testing every tap).
  let hp = h + params.PH;
  let wp = w + params.PW;
  let j0 = wp % params.SW;
  for (var i = hp % params.SH; i < params.KH && i <= hp; i += params.SH) {
    let p = (hp - i) / params.SH;
    if (p >= params.P) { continue; }
    // along the row, each next tap j + SW meets the dy pixel q - 1
    var q = (wp - j0) / params.SW;
    var at = base + ((c * params.KH + i) * params.KW + j0) * pq + p * params.Q + q;
    for (var j = j0; j < params.KW && j <= wp; j += params.SW) {
      if (q < params.Q) { s += src[at]; }
      at += params.SW * pq - 1u;
      q -= 1u;
    }
  }
  dst[(params.n0 * params.C * params.H * params.W) + e] = s;
}

// The weights of the stride-1 convolution of dy that gives an input gradient (all taps), or one output phase of a
// strided one (the taps reaching the phase's pixels: every SH-th from I0, every SW-th from J0), flipped and with
// the channels swapped: dst[c][o][i][j] = src[o][c][I0 + (KH-1-i)*SH][J0 + (KW-1-j)*SW], src's kernel being
// KH0 x KW0. One invocation per element of dst.
@compute @workgroup_size(WORKGROUP)
fn flip_weights(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  let j = e % params.KW;
  let i = (e / params.KW) % params.KH;
  let o = (e / (params.KW * params.KH)) % params.O;
  let c = e / (params.KW * params.KH * params.O);
  let row = params.I0 + (params.KH - 1u - i) * params.SH;
  let col = params.J0 + (params.KW - 1u - j) * params.SW;
  dst[e] = src[((o * params.C + c) * params.KH0 + row) * params.KW0 + col];
}

// One output phase of a strided input gradient, computed densely as src [N, C, P, Q], put into its pixels of
// dx: dst[n][c][R0H + p*SH][R0W + q*SW] = src[n][c][p][q]. The phases cover dx, each pixel once. With Q a
// multiple of 4 (phase_scatter4), an invocation moves four pixels of a row, read as one vec4: on SwiftShader
// that put the four phases of a [32, 64, 32, 32] dx in place in 13 ms instead of 35.
fn scatterBase(first: u32) -> u32 {
  let q = first % params.Q;
  let p = (first / params.Q) % params.P;
  let plane = first / (params.P * params.Q);
  return (plane * params.H + params.R0H + p * params.SH) * params.W + params.R0W + q * params.SW;
}

@compute @workgroup_size(WORKGROUP)
fn phase_scatter(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  dst[scatterBase(e)] = src[e];
}

@group(0) @binding(0) var<storage, read> src4: array<vec4<f32>>;

@compute @workgroup_size(WORKGROUP)
fn phase_scatter4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  let v = src4[e];
  let d = scatterBase(e * 4u);
  dst[d] = v.x;
  dst[d + params.SW] = v.y;
  dst[d + 2u * params.SW] = v.z;
  dst[d + 3u * params.SW] = v.w;
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
