// Winograd convolution F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks"): a 3x3,
// stride-1 convolution computed per 2x2 block of outputs from the 4x4 block of input under it, in 16 products
// where the direct form needs 36. With the input tile d, the kernel g and the 16 positions xi of the transformed
// tile,
//   out tile = A^T [ (G g G^T) . (B^T d B) ] A      (. elementwise)
// with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1] and
// A^T = [1 1 1 0; 0 1 -1 -1]: additions and halvings only, so the result carries about the rounding error of the
// direct sum. A bigger kernel (5x5, 7x7) is cut into blocks of 3x3 taps, the last ones zero-padded: block
// (bh, bw) of the kernel meets the input shifted by (3 bh, 3 bw), so each block is one more input channel of a
// 3x3 convolution (a 5x5 kernel: 4 blocks, 64 products per 2x2 outputs where the direct form needs 100).
//
// The elementwise products, summed over input channels and blocks (k = c * blocks + b), are 16 GEMMs,
// M[xi] = U[xi] [O, C * blocks] x V[xi] [C * blocks, T] over the T tiles of a chunk of images, run by the matmul
// family between the transforms here:
//   weights: U[xi][o][k] = (G g[o][c][block b] G^T)[xi]
//   input:   V[xi][k][t] = (B^T d[c][t][shifted by block b] B)[xi], d the 4x4 input under tile t, 0 outside
//   output:  out[n][o][2th + i][2tw + j] = (A^T M[.][o][t] A)[i][j] (+ bias[o], ReLU), inside P x Q
// With TILE = 4 the same three entries run F(4x4, 3x3) instead: 6x6 input tiles, 36 positions, 4x4 outputs per
// tile (the matrices are given below with its helpers).

struct Params {
  count: u32,    // invocations doing work in this launch
  n0: u32,       // first image of the chunk (input, output)
  C: u32, H: u32, W: u32,
  O: u32, P: u32, Q: u32,
  PH: u32, PW: u32,
  KH: u32, KW: u32,
  BW: u32,       // blocks of 3x3 taps along the kernel's width (blocks along its height: ceil(KH / 3))
  blocks: u32,   // blocks in all
  tilesH: u32, tilesW: u32,
  tiles: u32,    // tiles of the chunk (images x tilesH x tilesW)
  T: u32,        // the GEMM's N: tiles rounded up to a multiple of 4, the extra tiles zero
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;
@group(0) @binding(3) var<storage, read> bias: array<f32>;

override WORKGROUP: u32 = 256u;
// weights: take the kernel of the convolution that gives a stride-1 convolution's input gradient instead,
// w'[o][c][i][j] = w[c][o][KH - 1 - i][KW - 1 - j] (src is then w, [C, O, KH, KW] in this launch's names)
override FLIP: bool = false;
override BIAS: bool = false;
override RELU: bool = false;
// outputs per tile side: 2, F(2x2, 3x3) above, or 4, F(4x4, 3x3) below (36 products per 4x4 block of outputs
// and 3x3 block of taps, 2.25 per output where F(2x2, 3x3) needs 4, with larger constants in the transforms)
override TILE: u32 = 2u;

// (r0, r1, r2, r3) times B on the right, i.e. B^T applied to a column: the input transform along one axis.
fn inputAxis(r: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(r.x - r.z, r.y + r.z, r.z - r.y, r.y - r.w);
}

// (r0, r1, r2) times G^T on the right.
fn weightAxis(r: vec3<f32>) -> vec4<f32> {
  return vec4<f32>(r.x, 0.5 * (r.x + r.y + r.z), 0.5 * (r.x - r.y + r.z), r.z);
}

// (r0, r1, r2, r3) times A on the right.
fn outputAxis(r: vec4<f32>) -> vec2<f32> {
  return vec2<f32>(r.x + r.y + r.z, r.y - r.z - r.w);
}

// F(4x4, 3x3) works on 6x6 tiles with B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0;
// 0 2 -1 -2 1 0; 0 4 0 -5 0 1], G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6;
// 0 0 1] and A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]. A row of six is a vec4 of its
// first four values and a vec4 of the last two (and two zeros), so that the transforms down the columns work
// on vec4s as F(2x2, 3x3)'s do.
struct Row6 { a: vec4<f32>, b: vec2<f32> }

// B^T applied down the columns of six rows.
fn inputCols6(d0: vec4<f32>, d1: vec4<f32>, d2: vec4<f32>, d3: vec4<f32>, d4: vec4<f32>, d5: vec4<f32>) -> array<vec4<f32>, 6> {
  return array<vec4<f32>, 6>(4.0 * d0 - 5.0 * d2 + d4, d3 + d4 - 4.0 * (d1 + d2), 4.0 * (d1 - d2) - d3 + d4,
                             2.0 * (d3 - d1) - d2 + d4, 2.0 * (d1 - d3) - d2 + d4, 4.0 * d1 - 5.0 * d3 + d5);
}

// A row (l.xyzw, r.xy) times B.
fn inputAxis6(l: vec4<f32>, r: vec4<f32>) -> Row6 {
  return Row6(vec4<f32>(4.0 * l.x - 5.0 * l.z + r.x, l.w + r.x - 4.0 * (l.y + l.z), 4.0 * (l.y - l.z) - l.w + r.x,
                        2.0 * (l.w - l.y) - l.z + r.x),
              vec2<f32>(2.0 * (l.y - l.w) - l.z + r.x, 4.0 * l.y - 5.0 * l.w + r.y));
}

// (r0, r1, r2) times G^T.
fn weightAxis6(r: vec3<f32>) -> Row6 {
  let even = r.x / 24.0 + r.z / 6.0;
  return Row6(vec4<f32>(0.25 * r.x, -(r.x + r.y + r.z) / 6.0, -(r.x - r.y + r.z) / 6.0, even + r.y / 12.0),
              vec2<f32>(even - r.y / 12.0, r.z));
}

// A^T applied down the columns of six rows.
fn outputCols6(m0: vec4<f32>, m1: vec4<f32>, m2: vec4<f32>, m3: vec4<f32>, m4: vec4<f32>, m5: vec4<f32>) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(m0 + m1 + m2 + m3 + m4, m1 - m2 + 2.0 * (m3 - m4), m1 + m2 + 4.0 * (m3 + m4),
                             m1 - m2 + 8.0 * (m3 - m4) + m5);
}

// A row (l.xyzw, r.xy) times A.
fn outputAxis6(l: vec4<f32>, r: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(l.x + l.y + l.z + l.w + r.x, l.y - l.z + 2.0 * (l.w - r.x), l.y + l.z + 4.0 * (l.w + r.x),
                   l.y - l.z + 8.0 * (l.w - r.x) + r.y);
}

// Positions first..first+3 of a transformed tile, planes `plane` apart (one plane per position).
fn store4(first: u32, v: vec4<f32>, plane: u32, at: u32) {
  let i = first * plane + at;
  dst[i] = v.x;
  dst[i + plane] = v.y;
  dst[i + 2u * plane] = v.z;
  dst[i + 3u * plane] = v.w;
}

// The 6 values of row r of a transformed 6x6 tile.
fn storeRow6(r: u32, v: Row6, plane: u32, at: u32) {
  store4(6u * r, v.a, plane, at);
  dst[(6u * r + 4u) * plane + at] = v.b.x;
  dst[(6u * r + 5u) * plane + at] = v.b.y;
}

// Taps (i, j..j+2) of the kernel of the convolution computed, zeros past its edge.
fn kernelRow(base: u32, i: u32, j: u32) -> vec3<f32> {
  return vec3<f32>(kernelTap(base, i, j), kernelTap(base, i, j + 1u), kernelTap(base, i, j + 2u));
}

fn kernelTap(base: u32, i: u32, j: u32) -> f32 {
  let inside = i < params.KH && j < params.KW;
  let at = select(i * params.KW + j, (params.KH - 1u - i) * params.KW + (params.KW - 1u - j), FLIP);
  return select(0.0, src[base + select(0u, at, inside)], inside);
}

// The 4 values of row r of a transformed 4x4 tile.
fn storeRow(r: u32, v: vec4<f32>, plane: u32, at: u32) {
  store4(4u * r, v, plane, at);
}

// One invocation per (o, k) of U: k = c * blocks + b.
@compute @workgroup_size(WORKGROUP)
fn weights(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  let K = params.C * params.blocks;
  if (e >= params.count) { return; }
  let k = e % K;
  let o = e / K;
  let c = k / params.blocks;
  let b = k % params.blocks;
  let base = select(o * params.C + c, c * params.O + o, FLIP) * params.KH * params.KW;
  let i = 3u * (b / params.BW);
  let j = 3u * (b % params.BW);
  let g0 = kernelRow(base, i, j);
  let g1 = kernelRow(base, i + 1u, j);
  let g2 = kernelRow(base, i + 2u, j);
  let plane = params.O * K;
  if (TILE == 4u) {
    let even = g0 / 24.0 + g2 / 6.0;
    storeRow6(0u, weightAxis6(0.25 * g0), plane, e);
    storeRow6(1u, weightAxis6(-(g0 + g1 + g2) / 6.0), plane, e);
    storeRow6(2u, weightAxis6(-(g0 - g1 + g2) / 6.0), plane, e);
    storeRow6(3u, weightAxis6(even + g1 / 12.0), plane, e);
    storeRow6(4u, weightAxis6(even - g1 / 12.0), plane, e);
    storeRow6(5u, weightAxis6(g2), plane, e);
    return;
  }
  // G g (down the columns), then times G^T (along each row)
  storeRow(0u, weightAxis(g0), plane, e);
  storeRow(1u, weightAxis(0.5 * (g0 + g1 + g2)), plane, e);
  storeRow(2u, weightAxis(0.5 * (g0 - g1 + g2)), plane, e);
  storeRow(3u, weightAxis(g2), plane, e);
}

// x[n][c] at (h, w), which may lie above or left of the image (wrapped to a huge unsigned value): 0 outside.
fn tap(plane: u32, h: u32, w: u32) -> f32 {
  let inside = h < params.H && w < params.W;
  return select(0.0, src[select(0u, plane + h * params.W + w, inside)], inside);
}

fn inputRow(plane: u32, h: u32, w: u32) -> vec4<f32> {
  return vec4<f32>(tap(plane, h, w), tap(plane, h, w + 1u), tap(plane, h, w + 2u), tap(plane, h, w + 3u));
}

fn inputPair(plane: u32, h: u32, w: u32) -> vec4<f32> {
  return vec4<f32>(tap(plane, h, w), tap(plane, h, w + 1u), 0.0, 0.0);
}

// One invocation per (k, t), t fastest, so neighbouring invocations write neighbouring elements of V.
@compute @workgroup_size(WORKGROUP)
fn input(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  let t = e % params.T;
  let k = e / params.T;
  let c = k / params.blocks;
  let b = k % params.blocks;
  let perImage = params.tilesH * params.tilesW;
  let n = t / perImage;
  let th = (t % perImage) / params.tilesW;
  let tw = t % params.tilesW;
  let plane = params.C * params.blocks * params.T;
  let at = e;
  if (t >= params.tiles) {
    for (var r = 0u; r < (TILE + 2u) * (TILE + 2u); r++) { dst[r * plane + at] = 0.0; }
    return;
  }
  let x = ((params.n0 + n) * params.C + c) * params.H * params.W;
  let h = TILE * th + 3u * (b / params.BW) - params.PH;
  let w = TILE * tw + 3u * (b % params.BW) - params.PW;
  if (TILE == 4u) {
    // each row's columns 0-3, then 4-5
    let l = inputCols6(inputRow(x, h, w), inputRow(x, h + 1u, w), inputRow(x, h + 2u, w), inputRow(x, h + 3u, w),
                       inputRow(x, h + 4u, w), inputRow(x, h + 5u, w));
    let r = inputCols6(inputPair(x, h, w + 4u), inputPair(x, h + 1u, w + 4u), inputPair(x, h + 2u, w + 4u),
                       inputPair(x, h + 3u, w + 4u), inputPair(x, h + 4u, w + 4u), inputPair(x, h + 5u, w + 4u));
    storeRow6(0u, inputAxis6(l[0], r[0]), plane, at);
    storeRow6(1u, inputAxis6(l[1], r[1]), plane, at);
    storeRow6(2u, inputAxis6(l[2], r[2]), plane, at);
    storeRow6(3u, inputAxis6(l[3], r[3]), plane, at);
    storeRow6(4u, inputAxis6(l[4], r[4]), plane, at);
    storeRow6(5u, inputAxis6(l[5], r[5]), plane, at);
    return;
  }
  let d0 = inputRow(x, h, w);
  let d1 = inputRow(x, h + 1u, w);
  let d2 = inputRow(x, h + 2u, w);
  let d3 = inputRow(x, h + 3u, w);
  // B^T d (down the columns, four at once), then times B (along each row)
  storeRow(0u, inputAxis(d0 - d2), plane, at);
  storeRow(1u, inputAxis(d1 + d2), plane, at);
  storeRow(2u, inputAxis(d2 - d1), plane, at);
  storeRow(3u, inputAxis(d1 - d3), plane, at);
}

// Products at positions first..first+3 of a tile (one plane per position), and at first, first+1 (two zeros after).
fn products(at: u32, plane: u32, first: u32) -> vec4<f32> {
  let i = at + first * plane;
  return vec4<f32>(src[i], src[i + plane], src[i + 2u * plane], src[i + 3u * plane]);
}

fn productPair(at: u32, plane: u32, first: u32) -> vec4<f32> {
  let i = at + first * plane;
  return vec4<f32>(src[i], src[i + plane], 0.0, 0.0);
}

// A tile's row of TILE outputs (the first TILE lanes of v), row p from column q on, with bias and ReLU; those
// outside P x Q (a last tile when P or Q is not a multiple of TILE) are dropped.
fn storeOutputs(at: u32, p: u32, q: u32, v: vec4<f32>, o: u32) {
  if (p >= params.P) { return; }
  var r = v;
  if (BIAS) { r += vec4<f32>(bias[o]); }
  if (RELU) { r = max(r, vec4<f32>(0.0)); }
  dst[at] = r.x;
  if (q + 1u < params.Q) { dst[at + 1u] = r.y; }
  if (TILE == 4u && q + 2u < params.Q) { dst[at + 2u] = r.z; }
  if (TILE == 4u && q + 3u < params.Q) { dst[at + 3u] = r.w; }
}

// One invocation per (o, t) of the chunk's real tiles, t fastest (neighbours read neighbouring products).
@compute @workgroup_size(WORKGROUP)
fn output(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  let t = e % params.tiles;
  let o = e / params.tiles;
  let plane = params.O * params.T;
  let at = o * params.T + t;
  let perImage = params.tilesH * params.tilesW;
  let n = t / perImage;
  let p = TILE * ((t % perImage) / params.tilesW);
  let q = TILE * (t % params.tilesW);
  let base = ((params.n0 + n) * params.O + o) * params.P * params.Q + p * params.Q + q;
  if (TILE == 4u) {
    // A^T M (down the columns of each row's two parts), then times A (along each row)
    let l = outputCols6(products(at, plane, 0u), products(at, plane, 6u), products(at, plane, 12u),
                        products(at, plane, 18u), products(at, plane, 24u), products(at, plane, 30u));
    let r = outputCols6(productPair(at, plane, 4u), productPair(at, plane, 10u), productPair(at, plane, 16u),
                        productPair(at, plane, 22u), productPair(at, plane, 28u), productPair(at, plane, 34u));
    storeOutputs(base, p, q, outputAxis6(l[0], r[0]), o);
    storeOutputs(base + params.Q, p + 1u, q, outputAxis6(l[1], r[1]), o);
    storeOutputs(base + 2u * params.Q, p + 2u, q, outputAxis6(l[2], r[2]), o);
    storeOutputs(base + 3u * params.Q, p + 3u, q, outputAxis6(l[3], r[3]), o);
    return;
  }
  let m0 = products(at, plane, 0u);
  let m1 = products(at, plane, 4u);
  let m2 = products(at, plane, 8u);
  let m3 = products(at, plane, 12u);
  // A^T M (down the columns), then times A (along each row)
  storeOutputs(base, p, q, vec4<f32>(outputAxis(m0 + m1 + m2), 0.0, 0.0), o);
  storeOutputs(base + params.Q, p + 1u, q, vec4<f32>(outputAxis(m1 - m2 - m3), 0.0, 0.0), o);
}
