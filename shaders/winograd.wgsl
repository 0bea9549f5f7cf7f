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

// Taps (i, j..j+2) of the kernel of the convolution computed, zeros past its edge.
fn kernelRow(base: u32, i: u32, j: u32) -> vec3<f32> {
  return vec3<f32>(kernelTap(base, i, j), kernelTap(base, i, j + 1u), kernelTap(base, i, j + 2u));
}

fn kernelTap(base: u32, i: u32, j: u32) -> f32 {
  let inside = i < params.KH && j < params.KW;
  let at = select(i * params.KW + j, (params.KH - 1u - i) * params.KW + (params.KW - 1u - j), FLIP);
  return select(0.0, src[base + select(0u, at, inside)], inside);
}

// The 4 values of row r of a transformed tile, to positions 4r..4r+3 of planes `plane` apart.
fn storeRow(r: u32, v: vec4<f32>, plane: u32, at: u32) {
  let i = 4u * r * plane + at;
  dst[i] = v.x;
  dst[i + plane] = v.y;
  dst[i + 2u * plane] = v.z;
  dst[i + 3u * plane] = v.w;
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
  // G g (down the columns), then times G^T (along each row)
  let plane = params.O * K;
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
    for (var r = 0u; r < 4u; r++) { storeRow(r, vec4<f32>(0.0), plane, at); }
    return;
  }
  let x = ((params.n0 + n) * params.C + c) * params.H * params.W;
  let h = 2u * th + 3u * (b / params.BW) - params.PH;
  let w = 2u * tw + 3u * (b % params.BW) - params.PW;
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

fn product(at: u32, plane: u32, r: u32) -> vec4<f32> {
  let i = at + 4u * r * plane;
  return vec4<f32>(src[i], src[i + plane], src[i + 2u * plane], src[i + 3u * plane]);
}

fn finish(v: vec2<f32>, o: u32) -> vec2<f32> {
  var r = v;
  if (BIAS) { r += vec2<f32>(bias[o]); }
  if (RELU) { r = max(r, vec2<f32>(0.0)); }
  return r;
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
  let m0 = product(at, plane, 0u);
  let m1 = product(at, plane, 1u);
  let m2 = product(at, plane, 2u);
  let m3 = product(at, plane, 3u);
  // A^T M (down the columns), then times A (along each row)
  let top = finish(outputAxis(m0 + m1 + m2), o);
  let bottom = finish(outputAxis(m1 - m2 - m3), o);
  let perImage = params.tilesH * params.tilesW;
  let n = t / perImage;
  let p = 2u * ((t % perImage) / params.tilesW);
  let q = 2u * (t % params.tilesW);
  let base = ((params.n0 + n) * params.O + o) * params.P * params.Q + p * params.Q + q;
  // P or Q odd: the last tile's second row or column falls outside
  let right = q + 1u < params.Q;
  dst[base] = top.x;
  if (right) { dst[base + 1u] = top.y; }
  if (p + 1u < params.P) {
    dst[base + params.Q] = bottom.x;
    if (right) { dst[base + params.Q + 1u] = bottom.y; }
  }
}
